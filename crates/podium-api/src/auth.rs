//! Who is calling. The server key and session tokens travel only in `Authorization: Bearer`,
//! never in URLs, so they stay out of logs and caches.

use podium_board::session_player;
use podium_core::{ApiError, ErrorCode, bearer_token};
use podium_redis::{Client, Transport};

use crate::config::ApiConfig;
use crate::http::ApiRequest;

pub(crate) enum Caller {
    /// The game server: any player, sessions, moderation.
    Server,
    /// A live player session (its token): writes for its own player only.
    Player(String),
    /// No credentials: reads only.
    Anonymous,
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
    // Every board holds a copy of each session; any one of them answers for all.
    let Some(board) = config.boards.iter().next() else {
        return Err(ApiError::internal());
    };
    match session_player(client, board.id(), token).await {
        Ok(Some(_)) => Ok(Caller::Player(token.to_owned())),
        Ok(None) => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "the token is not a valid server key or live session",
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
}
