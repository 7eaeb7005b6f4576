use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Every way a gateway request can fail, each mapped to the status the Upstash protocol uses.
///
/// The message is what the client sees in `{"error": "…"}`; Redis's own error texts pass
/// through unchanged (clients match on prefixes such as `NOSCRIPT`).
#[derive(Debug, Clone, thiserror::Error)]
pub enum GatewayError {
    #[error("WRONGPASS invalid or missing auth token")]
    Unauthorized,
    #[error("ERR method not allowed")]
    MethodNotAllowed,
    #[error("ERR max request size exceeded")]
    BodyTooLarge,
    /// The request is malformed: bad JSON, wrong shapes, unknown options.
    #[error("ERR {0}")]
    BadRequest(String),
    /// The command is refused by the gateway's policy and never reached Redis.
    #[error("ERR Command is not available: '{command}': {reason}")]
    CommandNotAvailable {
        command: String,
        reason: &'static str,
    },
    #[error("NOPERM this token is read-only and cannot run '{0}'")]
    ReadOnly(String),
    /// Redis answered with an error (its text, unchanged).
    #[error("{0}")]
    Redis(String),
    #[error("ERR Redis is unavailable")]
    Unavailable,
    #[error("ERR Redis did not answer in time")]
    Timeout,
}

impl GatewayError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            // The protocol answers every command-level refusal with 400, like a Redis error.
            Self::BodyTooLarge
            | Self::BadRequest(_)
            | Self::CommandNotAvailable { .. }
            | Self::ReadOnly(_)
            | Self::Redis(_) => StatusCode::BAD_REQUEST,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Timeout => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    /// The label under which `/_metrics` counts this outcome.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::MethodNotAllowed | Self::BodyTooLarge | Self::BadRequest(_) => "bad_request",
            Self::CommandNotAvailable { .. } | Self::ReadOnly(_) => "refused",
            Self::Redis(_) => "redis_error",
            Self::Unavailable => "unavailable",
            Self::Timeout => "timeout",
        }
    }
}

impl IntoResponse for GatewayError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.to_string() }).to_string();
        let mut response = (self.status(), body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}
