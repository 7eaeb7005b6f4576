//! Boards as a whole: the list, one board's public configuration, and moderation (emptying a
//! period, removing a player).

use podium_board::{remove_player, reset_period};
use podium_core::{ApiError, Board};
use podium_redis::Transport;
use podium_wire::{BoardInfo, Boards, PeriodInfo, Query};

use super::{Api, Handled};
use crate::http::{ApiRequest, ApiResponse};
use crate::params::{PlayerRef, board_error, period};

impl<T: Transport> Api<T> {
    pub(super) fn list_boards(&self, now_ms: i64) -> ApiResponse {
        let boards = self
            .config
            .boards
            .iter()
            .map(|board| board_info(board, now_ms))
            .collect();
        ApiResponse::json(200, &Boards { boards })
    }

    /// One board as the list shows it; public and the same for everyone, so cached like `top`.
    pub(super) fn get_board(&self, request: &ApiRequest, board: &str, now_ms: i64) -> Handled {
        let board = self.board(board)?;
        let body = board_info(board, now_ms);
        Ok(ApiResponse::json(200, &body).cacheable(request, self.config.cache_seconds))
    }

    pub(super) async fn reset(&self, request: &ApiRequest, board: &str, now_ms: i64) -> Handled {
        let board = self.board(board)?;
        // Emptying a period is never a default: a request that does not name one may be another
        // route's URL after normalisation (`…/players/..` arrives as `DELETE /v1/boards/{board}`).
        if request.query_param(Query::PeriodToEmpty.name()).is_none() {
            let kept: Vec<&str> = board.periods().iter().map(|kind| kind.as_str()).collect();
            return Err(ApiError::missing_parameter(
                "period",
                &format!(
                    "name the period to empty (this board keeps {})",
                    kept.join(", ")
                ),
            ));
        }
        let period = period(board, request, now_ms)?;
        self.caller(request, now_ms)
            .await?
            .require_admin(&self.config)?;
        reset_period(&self.client, board, &period)
            .await
            .map_err(board_error)?;
        Ok(ApiResponse::no_content())
    }

    pub(super) async fn remove_player(
        &self,
        request: &ApiRequest,
        board: &str,
        player: PlayerRef<'_>,
        now_ms: i64,
    ) -> Handled {
        let board = self.board(board)?;
        let player = player.resolve(request)?;
        self.caller(request, now_ms)
            .await?
            .require_admin(&self.config)?;
        let removed = remove_player(&self.client, board, &player, now_ms)
            .await
            .map_err(board_error)?;
        if removed == 0 {
            return Err(ApiError::player_not_found(player.as_str()));
        }
        Ok(ApiResponse::no_content())
    }
}

/// A board's public configuration, with the periods it keeps as they stand at `now_ms`.
fn board_info(board: &Board, now_ms: i64) -> BoardInfo<'_> {
    let periods = board
        .periods()
        .iter()
        .filter_map(|&kind| board.current_period(kind, now_ms).ok())
        .map(|period| PeriodInfo {
            id: period.id().to_owned().into(),
            period: period.kind().as_str().into(),
            resets_at: period.end_ms(),
        })
        .collect();
    BoardInfo {
        id: board.id().as_str().into(),
        order: board.order().as_str().into(),
        periods,
        policy: board.policy().as_str().into(),
        timezone: board.timezone_name().into(),
        title: board.title().into(),
    }
}
