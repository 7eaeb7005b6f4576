//! Player sessions: made by the game server (server key), ended by the player.
//!
//! A session is a token signed with the deployment's session key (`podium_core::SessionKey`):
//! making one costs no Redis command, whatever the number of boards. Ending one records its id
//! among the ended sessions (two commands), which every isolate honours within
//! [`REVOCATION_REFRESH_MS`](podium_core::REVOCATION_REFRESH_MS).

use podium_board::end_session;
use podium_core::{ApiError, DisplayName, ErrorCode, PlayerId, SESSION_ID_BYTES, SessionClaims};
use podium_redis::Transport;
use podium_wire::{NewSession, Session};

use super::{Api, Handled};
use crate::auth::Caller;
use crate::http::{ApiRequest, ApiResponse};
use crate::params::{board_error, json_body};

impl<T: Transport> Api<T> {
    pub(super) async fn create_session(
        &self,
        request: &ApiRequest,
        now_ms: i64,
        random: impl FnOnce() -> Option<[u8; 32]>,
    ) -> Handled {
        self.caller(request, now_ms).await?.require_server()?;
        let body: NewSession = json_body(request)?;
        let player = PlayerId::try_from(body.player.as_str())?;
        let name = body
            .name
            .as_deref()
            .map(DisplayName::try_from)
            .transpose()?;
        let random = random().ok_or_else(|| {
            ApiError::new(ErrorCode::Internal, "the platform's random source failed")
        })?;
        let mut id = [0u8; SESSION_ID_BYTES];
        id.copy_from_slice(&random[..SESSION_ID_BYTES]);
        let ttl_secs = self.config.session_ttl_secs;
        let claims = SessionClaims::new(player, name, now_ms, ttl_secs, id);
        let token = self.config.session_key.issue(&claims);
        let body = Session {
            expires_in: ttl_secs,
            player: claims.player.as_str().into(),
            token: token.into(),
        };
        Ok(ApiResponse::json(201, &body).with_header("cache-control", "no-store"))
    }

    pub(super) async fn end_session(&self, request: &ApiRequest, now_ms: i64) -> Handled {
        match self.caller(request, now_ms).await? {
            Caller::Player(claims) => {
                let ended = end_session(&self.client, &claims.id, claims.expires_ms, now_ms)
                    .await
                    .map_err(board_error)?;
                self.ended.record(&claims);
                if !ended {
                    // Ended already, by another isolate whose ending this one has not read yet.
                    return Err(crate::auth::invalid_session());
                }
                Ok(ApiResponse::no_content())
            }
            _ => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "send the session token to end it",
            )),
        }
    }
}
