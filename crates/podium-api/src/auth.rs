//! Who is calling. The keys and session tokens travel only in `Authorization: Bearer`, never in
//! URLs, so they stay out of logs and caches.
//!
//! The roles are distinct (`docs/deploy-cloudflare-upstash.md`, "Who may do what"): the server
//! key makes sessions and writes; the admin key moderates and does nothing else; a session writes
//! for its own player. While `PODIUM_ADMIN_KEY` is unset the server key also moderates, as it did
//! before there was an admin key.

use std::sync::Mutex;

use podium_board::ended_sessions;
use podium_core::{ApiError, ErrorCode, RevocationList, SessionClaims, bearer_token};
use podium_redis::{Client, Transport};

use crate::config::ApiConfig;
use crate::http::ApiRequest;

pub(crate) enum Caller {
    /// The game server (server key): any player, sessions; moderation without an admin key.
    Server,
    /// The admin key: moderation.
    Admin,
    /// A live player session (a token this deployment signed, unexpired, not ended): writes for
    /// its own player only.
    Player(SessionClaims),
    /// No credentials: reads only.
    Anonymous,
}

/// The answer to a token that is no key and no live session: forged, tampered with, signed
/// with another key, expired, ended or garbage, all alike.
pub(crate) fn invalid_session() -> ApiError {
    ApiError::new(
        ErrorCode::Unauthorized,
        "the token is not a valid key or live session",
    )
}

/// Whether `token` is the configured admin key; false on a deployment without one.
pub(crate) fn is_admin_key(config: &ApiConfig, token: &str) -> bool {
    config
        .admin_key
        .as_ref()
        .is_some_and(|admin_key| admin_key.matches(token))
}

/// The isolate's copy of the ended sessions (`podium_core::RevocationList`), read again from
/// Redis at most once a second and only for a request that carries a session token: so a
/// session costs no Redis command to check, and ending one holds on every isolate within a
/// second of the request that ended it.
#[derive(Debug, Default)]
pub(crate) struct EndedSessions(Mutex<RevocationList>);

impl EndedSessions {
    fn list(&self) -> std::sync::MutexGuard<'_, RevocationList> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether the session `id` has ended, refreshing the copy first when it is older than the
    /// bound. A failed refresh refuses the request (503 `upstream_unavailable`) rather than
    /// trusting a copy that may have missed an ending: fail closed.
    pub(crate) async fn has_ended<T: Transport>(
        &self,
        client: &Client<T>,
        id: &str,
        now_ms: i64,
    ) -> Result<bool, ApiError> {
        // Never held across the read: the Worker answers other requests meanwhile.
        let stale = self.list().needs_refresh(now_ms);
        if stale {
            let ended = ended_sessions(client, now_ms).await.map_err(|error| {
                ApiError::new(
                    ErrorCode::UpstreamUnavailable,
                    "the list of ended sessions could not be read; try again",
                )
                .with_cause(error.to_string())
            })?;
            self.list().replace(ended, now_ms);
        }
        Ok(self.list().is_ended(id))
    }

    /// Records a session this isolate ended, refused here from now on.
    pub(crate) fn record(&self, claims: &SessionClaims) {
        self.list().insert(&claims.id, claims.expires_ms);
    }
}

/// Who sent `request`. A session token is checked by its signature and expiry (no I/O) and then
/// against the ended sessions (a read at most once a second per isolate).
pub(crate) async fn caller<T: Transport>(
    config: &ApiConfig,
    client: &Client<T>,
    ended: &EndedSessions,
    request: &ApiRequest,
    now_ms: i64,
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
    let claims = config
        .session_key
        .verify(token, now_ms)
        .map_err(|_| invalid_session())?;
    if ended.has_ended(client, &claims.id, now_ms).await? {
        return Err(invalid_session());
    }
    Ok(Caller::Player(claims))
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
