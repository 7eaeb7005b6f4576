use podium_core::{ApiError, Boards, ErrorCode, Secret, SessionKey};

/// The game server's key: sessions and writes for any player.
pub const SERVER_KEY_VAR: &str = "PODIUM_SERVER_KEY";
/// The admin's key: moderation. Optional; while it is unset the server key moderates.
pub const ADMIN_KEY_VAR: &str = "PODIUM_ADMIN_KEY";

/// How long a player session lives unless `PODIUM_SESSION_TTL_SECS` says otherwise.
pub const DEFAULT_SESSION_TTL_SECS: u64 = 3600;
/// How long edges may serve a top-N page from cache (`PODIUM_CACHE_SECONDS`).
pub const DEFAULT_CACHE_SECONDS: u32 = 1;

/// The API's configuration, read once per isolate from the Worker's environment.
#[derive(Debug)]
pub struct ApiConfig {
    pub boards: Boards,
    /// `PODIUM_SERVER_KEY`: the game server's key; creates sessions, writes for any player, and
    /// moderates while there is no admin key.
    pub server_key: Secret,
    /// Signs and checks session tokens: derived from the server key (HKDF, a fixed label), so
    /// rotating the server key ends every session.
    pub session_key: SessionKey,
    /// `PODIUM_ADMIN_KEY`: the only key that moderates once it is set; never the server key.
    pub admin_key: Option<Secret>,
    pub session_ttl_secs: u64,
    /// `PODIUM_CORS_ORIGINS`: comma-separated origins allowed to call from a browser, or `*`.
    pub cors_origins: Vec<String>,
    pub cache_seconds: u32,
}

impl ApiConfig {
    /// Reads `PODIUM_BOARDS` (default: the local demo boards), `PODIUM_SERVER_KEY` (required),
    /// `PODIUM_ADMIN_KEY` (optional; empty is unset), `PODIUM_SESSION_TTL_SECS`, `PODIUM_CORS_ORIGINS` and `PODIUM_CACHE_SECONDS` through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ApiError> {
        let invalid = |message: String| ApiError::new(ErrorCode::Internal, message);
        let boards = match var("PODIUM_BOARDS").filter(|json| !json.trim().is_empty()) {
            Some(json) => Boards::from_json(&json)
                .map_err(|error| invalid(format!("PODIUM_BOARDS: {error}")))?,
            None => Boards::local_default(),
        };
        let server_key = var(SERVER_KEY_VAR)
            .filter(|key| !key.is_empty())
            .ok_or_else(|| invalid(format!("{SERVER_KEY_VAR} is not set")))?;
        let session_key = SessionKey::derive(&server_key);
        let server_key = Secret::new(&server_key);
        let admin_key = var(ADMIN_KEY_VAR).filter(|key| !key.is_empty());
        // Equal keys would give the game server the admin's rights; the message names the
        // variables, never their values.
        if admin_key
            .as_deref()
            .is_some_and(|key| server_key.matches(key))
        {
            return Err(invalid(format!(
                "{ADMIN_KEY_VAR} must differ from {SERVER_KEY_VAR}: the admin key is the only one that moderates"
            )));
        }
        let admin_key = admin_key.as_deref().map(Secret::new);
        let number = |name: &str, default: u64| -> Result<u64, ApiError> {
            match var(name) {
                None => Ok(default),
                Some(text) => text
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| invalid(format!("{name} must be a whole number, not {text:?}"))),
            }
        };
        let session_ttl_secs = number("PODIUM_SESSION_TTL_SECS", DEFAULT_SESSION_TTL_SECS)?.max(1);
        let cache_seconds = u32::try_from(number(
            "PODIUM_CACHE_SECONDS",
            u64::from(DEFAULT_CACHE_SECONDS),
        )?)
        .map_err(|_| invalid("PODIUM_CACHE_SECONDS is too large".into()))?;
        let cors_origins = var("PODIUM_CORS_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(|origin| origin.trim().trim_end_matches('/').to_owned())
            .filter(|origin| !origin.is_empty())
            .collect();
        Ok(Self {
            boards,
            server_key,
            session_key,
            admin_key,
            session_ttl_secs,
            cors_origins,
            cache_seconds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn needs_a_server_key_and_valid_boards() {
        assert!(ApiConfig::from_vars(vars(&[])).is_err());
        let config = ApiConfig::from_vars(vars(&[("PODIUM_SERVER_KEY", "k")]));
        assert!(config.is_ok_and(|config| config.boards.get("global").is_some()));
        let bad = ApiConfig::from_vars(vars(&[
            ("PODIUM_SERVER_KEY", "k"),
            ("PODIUM_BOARDS", "[{}]"),
        ]));
        assert!(bad.is_err_and(|error| error.message.contains("PODIUM_BOARDS")));
    }

    #[test]
    fn the_admin_key_is_optional_and_must_differ_from_the_server_key() {
        let without = ApiConfig::from_vars(vars(&[("PODIUM_SERVER_KEY", "k")]));
        assert!(without.is_ok_and(|config| config.admin_key.is_none()));
        let empty = ApiConfig::from_vars(vars(&[
            ("PODIUM_SERVER_KEY", "k"),
            ("PODIUM_ADMIN_KEY", ""),
        ]));
        assert!(empty.is_ok_and(|config| config.admin_key.is_none()));
        let with = ApiConfig::from_vars(vars(&[
            ("PODIUM_SERVER_KEY", "k"),
            ("PODIUM_ADMIN_KEY", "admin-secret-value"),
        ]));
        let Ok(with) = with else {
            panic!("valid configuration refused");
        };
        assert!(!format!("{with:?}").contains("admin-secret-value"));
        assert!(
            with.admin_key
                .is_some_and(|key| key.matches("admin-secret-value"))
        );
        let same = ApiConfig::from_vars(vars(&[
            ("PODIUM_SERVER_KEY", "same-secret-value"),
            ("PODIUM_ADMIN_KEY", "same-secret-value"),
        ]));
        let Err(error) = same else {
            panic!("equal keys accepted");
        };
        assert!(
            error
                .message
                .contains("PODIUM_ADMIN_KEY must differ from PODIUM_SERVER_KEY")
        );
        assert!(!error.to_json().contains("same-secret-value"));
        assert!(!format!("{error:?}").contains("same-secret-value"));
    }

    #[test]
    fn reads_origins_and_numbers() {
        let config = ApiConfig::from_vars(vars(&[
            ("PODIUM_SERVER_KEY", "k"),
            (
                "PODIUM_CORS_ORIGINS",
                "https://a.example/, https://b.example",
            ),
            ("PODIUM_SESSION_TTL_SECS", "60"),
            ("PODIUM_CACHE_SECONDS", "0"),
        ]));
        let Ok(config) = config else {
            panic!("valid configuration refused");
        };
        assert_eq!(
            config.cors_origins,
            ["https://a.example", "https://b.example"]
        );
        assert_eq!(config.session_ttl_secs, 60);
        assert_eq!(config.cache_seconds, 0);
        let bad = ApiConfig::from_vars(vars(&[
            ("PODIUM_SERVER_KEY", "k"),
            ("PODIUM_CACHE_SECONDS", "x"),
        ]));
        assert!(bad.is_err());
    }
}
