use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A configured secret (API token, server key) that is only ever compared in constant time
/// and never printed.
///
/// The comparison runs over SHA-256 digests so that neither the content nor the length of
/// the secret leaks through timing.
#[derive(Clone)]
pub struct Secret {
    digest: [u8; 32],
}

impl Secret {
    pub fn new(value: &str) -> Self {
        Self {
            digest: Sha256::digest(value.as_bytes()).into(),
        }
    }

    /// True when `candidate` is this secret.
    pub fn matches(&self, candidate: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(candidate.as_bytes()).into();
        self.digest.ct_eq(&digest).into()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The token of an `Authorization: Bearer <token>` header value, if it has that form.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_only_the_same_secret() {
        let secret = Secret::new("s3cret-token");
        assert!(secret.matches("s3cret-token"));
        assert!(!secret.matches("s3cret-tokeN"));
        assert!(!secret.matches("s3cret-token "));
        assert!(!secret.matches(""));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let printed = format!("{:?}", Secret::new("hunter2"));
        assert!(!printed.contains("hunter2"));
    }

    #[test]
    fn parses_bearer_headers() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer   abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("abc"), None);
    }
}
