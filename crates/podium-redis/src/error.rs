use std::fmt;

/// Everything that can go wrong between building a command and reading its typed reply.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// JSON strings must be UTF-8 and the REST protocol has no binary argument encoding, so such
    /// bytes are refused here rather than silently replaced with U+FFFD by the gateway.
    #[error("argument {index} of {command} is not UTF-8 and cannot be sent as JSON")]
    NonUtf8Argument { command: String, index: usize },
    /// An argument that has no Redis spelling (a NaN or infinite `f64`).
    #[error("argument {index} of {command} is invalid: {reason}")]
    InvalidArgument {
        command: String,
        index: usize,
        reason: &'static str,
    },
    /// The request never got an HTTP response.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// HTTP 401: the token is missing or wrong.
    #[error("unauthorized: the REST token was refused")]
    Unauthorized,
    /// Redis (or the gateway on its behalf) answered with an error.
    #[error("redis error: {0}")]
    Server(#[from] RedisServerError),
    /// HTTP 5xx: the gateway is up but Redis is not reachable, or the gateway failed.
    #[error("service unavailable (HTTP {status}): {message}")]
    Unavailable { status: u16, message: String },
    /// Any other non-2xx status, e.g. a wrong base URL (404) or a rate limit (429).
    #[error("unexpected HTTP status {status}: {message}")]
    UnexpectedStatus { status: u16, message: String },
    /// The body did not follow the protocol (not JSON, wrong shape, bad base64…).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The reply was well formed but not of the type the caller asked for.
    #[error("unexpected reply: expected {expected}, got {got}")]
    UnexpectedReply { expected: &'static str, got: String },
}

/// This crate's `Result`, defaulting to its [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error reply from Redis, split into its code (`ERR`, `WRONGTYPE`, `NOSCRIPT`, `NOPERM`…) and
/// the rest of the text, so callers can match on the code without parsing strings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} {message}")]
pub struct RedisServerError {
    pub code: String,
    pub message: String,
}

impl RedisServerError {
    /// Splits Redis's error text. Redis prefixes every error with an upper-case code; text
    /// without one (a bare Lua `error_reply`) is filed under `ERR`, as Redis itself does.
    pub fn parse(text: &str) -> Self {
        let (first, rest) = text.split_once(' ').unwrap_or((text, ""));
        let is_code = !first.is_empty()
            && first
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if is_code {
            Self {
                code: first.to_owned(),
                message: rest.to_owned(),
            }
        } else {
            Self {
                code: "ERR".to_owned(),
                message: text.to_owned(),
            }
        }
    }
}

/// A failure below HTTP: connection refused, DNS, TLS, timeout, a JavaScript fetch exception.
/// Kept as text because the underlying errors differ per platform and are not all `Send`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    message: String,
}

impl TransportError {
    pub fn new(message: impl fmt::Display) -> Self {
        Self {
            message: message.to_string(),
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "transport error: {}", self.message)
    }
}

impl std::error::Error for TransportError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_code_from_message() {
        let err = RedisServerError::parse("NOSCRIPT No matching script. Please use EVAL.");
        assert_eq!(err.code, "NOSCRIPT");
        assert_eq!(err.message, "No matching script. Please use EVAL.");
        assert_eq!(
            err.to_string(),
            "NOSCRIPT No matching script. Please use EVAL."
        );
    }

    #[test]
    fn text_without_code_is_err() {
        let err = RedisServerError::parse("user_script:1: boom");
        assert_eq!(err.code, "ERR");
        assert_eq!(err.message, "user_script:1: boom");
    }

    #[test]
    fn bare_code() {
        let err = RedisServerError::parse("WRONGTYPE");
        assert_eq!(err.code, "WRONGTYPE");
        assert_eq!(err.message, "");
    }
}
