//! Player sessions: made by the game server (server key), ended by the player.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use podium_board::{create_session, end_session};
use podium_core::{ApiError, DisplayName, ErrorCode, PlayerId};
use podium_redis::Transport;
use podium_wire::{NewSession, Session};

use super::{Api, Handled};
use crate::auth::{Caller, caller};
use crate::http::{ApiRequest, ApiResponse};
use crate::params::{board_error, json_body};

impl<T: Transport> Api<T> {
    pub(super) async fn create_session(
        &self,
        request: &ApiRequest,
        random: impl FnOnce() -> Option<[u8; 32]>,
    ) -> Handled {
        caller(&self.config, &self.client, request)
            .await?
            .require_server()?;
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
        let token = URL_SAFE_NO_PAD.encode(random);
        create_session(
            &self.client,
            &self.config.boards,
            &player,
            name.as_ref(),
            self.config.session_ttl_secs,
            &token,
        )
        .await
        .map_err(board_error)?;
        let body = Session {
            expires_in: self.config.session_ttl_secs,
            player: player.as_str().into(),
            token: token.as_str().into(),
        };
        Ok(ApiResponse::json(201, &body).with_header("cache-control", "no-store"))
    }

    pub(super) async fn end_session(&self, request: &ApiRequest) -> Handled {
        match caller(&self.config, &self.client, request).await? {
            Caller::Player(token) => {
                end_session(&self.client, &self.config.boards, &token)
                    .await
                    .map_err(board_error)?;
                Ok(ApiResponse::no_content())
            }
            _ => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "send the session token to end it",
            )),
        }
    }
}
