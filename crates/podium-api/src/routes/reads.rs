//! The reads: health, a page of a board, one player, a player's neighbours.

use podium_board::BoardError;
use podium_core::{ApiError, Board, ErrorCode, Period};
use podium_redis::Transport;
use podium_wire::{
    DEFAULT_AROUND_RADIUS, DEFAULT_PAGE_SIZE, Entry, Health, MAX_AROUND_RADIUS, MAX_OFFSET,
    MAX_PAGE_SIZE, Page, PeriodRef, PlayerRank, Query,
};

use super::{Api, Handled};
use crate::http::{ApiRequest, ApiResponse};
use crate::params::{PlayerRef, board_error, invalid, number, period};

impl<T: Transport> Api<T> {
    pub(super) async fn health(&self) -> Handled {
        match self.client.ping().await {
            Ok(_) => Ok(ApiResponse::json(
                200,
                &Health {
                    status: "ok".into(),
                },
            )),
            Err(error) => Err(ApiError::new(
                BoardError::from(error).code(),
                "the leaderboard store is unreachable",
            )),
        }
    }

    pub(super) async fn top(&self, request: &ApiRequest, board: &str, now_ms: i64) -> Handled {
        let board = self.board(board, now_ms).await?;
        let period = period(&board, request, now_ms)?;
        let limit = number(request, Query::Limit, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)? as usize;
        let offset = number(request, Query::Offset, 0, 0, MAX_OFFSET)?;
        let ties_shared = match request.query_param(Query::Ties.name()).as_deref() {
            None | Some("arrival") => false,
            Some("shared") => true,
            Some(other) => return Err(invalid("ties", other, "arrival or shared")),
        };
        let page = podium_board::top(&self.client, &board, &period, limit, offset, ties_shared)
            .await
            .map_err(board_error)?;
        let body = page_of(&board, &period, &page, None);
        Ok(ApiResponse::json(200, &body).cacheable(request, self.config.cache_seconds))
    }

    pub(super) async fn player(
        &self,
        request: &ApiRequest,
        board: &str,
        player: PlayerRef<'_>,
        now_ms: i64,
    ) -> Handled {
        let board = self.board(board, now_ms).await?;
        let player = player.resolve(request)?;
        let period = period(&board, request, now_ms)?;
        let rank = podium_board::player(&self.client, &board, &period, &player)
            .await
            .map_err(board_error)?
            .ok_or_else(|| ApiError::player_not_found(player.as_str()))?;
        let body = PlayerRank {
            board: board.id().as_str().into(),
            name: rank.name.as_deref().map(Into::into),
            period: period_ref(&period),
            player: rank.player.as_str().into(),
            rank: rank.rank,
            resets_at: period.end_ms(),
            score: rank.score,
            total: rank.total,
        };
        // Live (max-age 0: a player sees their own write at once), but an unchanged answer is a 304.
        Ok(ApiResponse::json(200, &body).cacheable(request, 0))
    }

    pub(super) async fn around(
        &self,
        request: &ApiRequest,
        board: &str,
        player: &str,
        now_ms: i64,
    ) -> Handled {
        let board = self.board(board, now_ms).await?;
        let player = PlayerRef::Path(player).resolve(request)?;
        let period = period(&board, request, now_ms)?;
        let radius = number(
            request,
            Query::Radius,
            DEFAULT_AROUND_RADIUS,
            0,
            MAX_AROUND_RADIUS,
        )? as u32;
        let page = podium_board::around(&self.client, &board, &period, &player, radius)
            .await
            .map_err(board_error)?
            .ok_or_else(|| ApiError::player_not_found(player.as_str()))?;
        let body = page_of(&board, &period, &page, Some(player.as_str()));
        // Polled by the widget for the viewer's pinned row: live like the player read, and an
        // unchanged neighbourhood is a 304.
        Ok(ApiResponse::json(200, &body).cacheable(request, 0))
    }
}

/// Which period an answer is about.
pub(super) fn period_ref(period: &Period) -> PeriodRef<'_> {
    PeriodRef {
        id: period.id().into(),
        period: period.kind().as_str().into(),
    }
}

fn page_of<'a>(
    board: &'a Board,
    period: &'a Period,
    page: &'a podium_board::Page,
    player: Option<&'a str>,
) -> Page<'a> {
    Page {
        board: board.id().as_str().into(),
        entries: page
            .entries
            .iter()
            .map(|entry| Entry {
                name: entry.name.as_deref().map(Into::into),
                player: entry.player.as_str().into(),
                rank: entry.rank,
                score: entry.score,
            })
            .collect(),
        period: period_ref(period),
        player: player.map(Into::into),
        resets_at: period.end_ms(),
        total: page.total,
    }
}

/// A period the clock cannot place is the server's fault, not the caller's.
pub(super) fn current_period_error(error: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Internal, error.to_string())
}
