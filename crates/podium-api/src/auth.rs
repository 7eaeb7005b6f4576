//! Who is calling. The keys and session tokens travel only in `Authorization: Bearer`, never in
//! URLs, so they stay out of logs and caches.
//!
//! The roles are distinct (`docs/deploy-cloudflare-upstash.md`, "Who may do what"): the server
//! key makes sessions and writes; the admin key moderates and does nothing else; a session writes
//! for its own player. While `PODIUM_ADMIN_KEY` is unset the server key also moderates, as it did
//! before there was an admin key.

use podium_board::session_player;
use podium_core::{ApiError, ErrorCode, bearer_token};
use podium_redis::{Client, Transport};

use crate::config::ApiConfig;
use crate::http::ApiRequest;

pub(crate) enum Caller {
    /// The game server (server key): any player, sessions; moderation without an admin key.
    Server,
    /// The admin key: moderation.
    Admin,
    /// A live player session (its token): writes for its own player only.
    Player(String),
    /// No credentials: reads only.
    Anonymous,
}

/// Whether `token` is the configured admin key; false on a deployment without one.
pub(crate) fn is_admin_key(config: &ApiConfig, token: &str) -> bool {
    config
        .admin_key
        .as_ref()
        .is_some_and(|admin_key| admin_key.matches(token))
}

pub(crate) async fn caller<T: Transport>(
    config: &ApiConfig,
    client: &Client<T>,
    request: &ApiRequest,
) -> Result<Caller, ApiError> {
    let Some(header) = request.header("authorization") else {
        return Ok(Caller::Anonymous);
    };
    let token = bearer_token(header).ok_or_else(|| {
        ApiError::new(ErrorCode::Unauthorized, "use Authorization: Bearer <token>")
    })?;
    if config.server_key.matches(token) {
        return Ok(Caller::Server);
    }
    if is_admin_key(config, token) {
        return Ok(Caller::Admin);
    }
    // Every board holds a copy of each session; any one of them answers for all.
    let Some(board) = config.boards.iter().next() else {
        return Err(ApiError::internal());
    };
    match session_player(client, board.id(), token).await {
        Ok(Some(_)) => Ok(Caller::Player(token.to_owned())),
        Ok(None) => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "the token is not a valid key or live session",
        )),
        Err(error) => Err(ApiError::new(
            error.code(),
            "the session store is unavailable",
        )),
    }
}

impl Caller {
    pub(crate) fn require_server(&self) -> Result<(), ApiError> {
        match self {
            Self::Server => Ok(()),
            Self::Admin => Err(ApiError::new(
                ErrorCode::Forbidden,
                "this needs the server key; the admin key only moderates",
            )),
            Self::Player(..) => Err(ApiError::new(
                ErrorCode::Forbidden,
                "this needs the server key, not a player session",
            )),
            Self::Anonymous => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "this needs the server key",
            )),
        }
    }

    /// Moderation: the admin key, or the server key on a deployment without one.
    pub(crate) fn require_admin(&self, config: &ApiConfig) -> Result<(), ApiError> {
        let has_admin_key = config.admin_key.is_some();
        match self {
            Self::Admin => Ok(()),
            Self::Server if !has_admin_key => Ok(()),
            Self::Server => Err(ApiError::new(
                ErrorCode::AdminKeyRequired,
                "this deployment has an admin key: moderation needs it, not the server key",
            )),
            Self::Player(..) => Err(ApiError::new(
                ErrorCode::Forbidden,
                "a player session cannot moderate",
            )),
            Self::Anonymous if has_admin_key => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "this needs the admin key",
            )),
            Self::Anonymous => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "this needs the server key (or the admin key, once PODIUM_ADMIN_KEY is set)",
            )),
        }
    }
}
