//! The reads: health, a page of a board, one player, a player's neighbours.

use podium_board::{BoardError, Side};
use podium_core::{ApiError, Board, Cursor, ErrorCode, Period};
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
        let page = match cursor(request, &board, &period)? {
            Some((cursor, side)) => {
                podium_board::page_from(
                    &self.client,
                    &board,
                    &period,
                    &cursor,
                    side,
                    limit,
                    ties_shared,
                )
                .await
            }
            None => {
                podium_board::top(&self.client, &board, &period, limit, offset, ties_shared).await
            }
        }
        .map_err(board_error)?;
        let body = page_of(&board, &period, &page, None, None);
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
        // A player with no score yet is not an error: widgets poll this for a viewer who may
        // not have played, and a 404 on every poll is a console error on the studio's page.
        let around = podium_board::around(&self.client, &board, &period, &player, radius)
            .await
            .map_err(board_error)?;
        let body = page_of(
            &board,
            &period,
            &around.page,
            Some(player.as_str()),
            Some(around.ranked),
        );
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

/// The cursor a `top` request pages from (`after` or `before`), refused alongside `offset` or
/// each other, since each names where the page starts.
fn cursor(
    request: &ApiRequest,
    board: &Board,
    period: &Period,
) -> Result<Option<(Cursor, Side)>, ApiError> {
    let after = request.query_param(Query::After.name());
    let before = request.query_param(Query::Before.name());
    let (text, side) = match (after, before) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                "after and before cannot be combined: page one way at a time",
            ));
        }
        (Some(text), None) => (text, Side::After),
        (None, Some(text)) => (text, Side::Before),
    };
    if request.query_param(Query::Offset.name()).is_some() {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            "offset cannot be combined with after or before: a cursor already says where the page starts",
        ));
    }
    Ok(Some((Cursor::decode(&text, board.id(), period)?, side)))
}

fn page_of<'a>(
    board: &'a Board,
    period: &'a Period,
    page: &'a podium_board::Page,
    player: Option<&'a str>,
    ranked: Option<bool>,
) -> Page<'a> {
    let cursor = |place: &Option<Cursor>| {
        place
            .as_ref()
            .map(|place| place.encode(board.id(), period).into())
    };
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
        next: cursor(&page.next),
        period: period_ref(period),
        player: player.map(Into::into),
        prev: cursor(&page.prev),
        ranked,
        resets_at: period.end_ms(),
        total: page.total,
    }
}

/// A period the clock cannot place is the server's fault, not the caller's.
pub(super) fn current_period_error(error: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Internal, error.to_string())
}
