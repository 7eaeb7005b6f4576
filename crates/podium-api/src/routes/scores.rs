//! The score write, and the isolate's cache of the write script's rate-limit refusals.

use podium_board::{LimitedBy, Refusal, SubmitOutcome, submit_score};
use podium_core::{
    ApiError, Board, DisplayName, ErrorCode, PlayerId, RateLimitResult, RateLimitSubject, Score,
};
use podium_redis::Transport;
use podium_wire::{NewScore, Submitted};

use super::reads::{current_period_error, period_ref};
use super::{Api, Handled};
use crate::auth::Caller;
use crate::http::{ApiRequest, ApiResponse};
use crate::params::{board_error, json_body};

impl<T: Transport> Api<T> {
    pub(super) async fn submit(&self, request: &ApiRequest, board: &str, now_ms: i64) -> Handled {
        let board = self.board(board, now_ms).await?;
        let body: NewScore = json_body(request)?;
        let player = PlayerId::try_from(body.player.as_str())?;
        let score = board.bounds().check(body.score.get().parse::<Score>()?)?;
        let name = body
            .name
            .as_deref()
            .map(DisplayName::try_from)
            .transpose()?;
        // After the body's checks, so a malformed write is a 400 whatever the board's state.
        if board.retired() {
            return Err(ApiError::new(
                ErrorCode::BoardRetired,
                format!(
                    "board {:?} is retired: it takes no more scores",
                    board.id().as_str()
                ),
            ));
        }
        // Who may write for `player`, checked before the one script call: a session token by
        // its signature, expiry and the ended sessions (read at most once a second), so the
        // script reads no session state and a session write stays one round trip.
        let (writer, name) = match self.caller(request, now_ms).await? {
            Caller::Server => (Writer::Server, name),
            // Least privilege: the admin key moderates; writing is the game server's.
            Caller::Admin => {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "writes need a player session or the server key; the admin key only moderates",
                ));
            }
            Caller::Player(claims) if claims.player != player => {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "a session may only write its own player's scores",
                ));
            }
            // A write that names no one gets the name the session was made with.
            Caller::Player(claims) => (Writer::Session(claims.id), name.or(claims.name)),
            Caller::Anonymous => {
                return Err(ApiError::new(
                    ErrorCode::Unauthorized,
                    "writes need a player session or the server key",
                ));
            }
        };
        if let Some(refusal) = self.blocked(&board, &player, &writer, request, now_ms) {
            return Ok(refusal);
        }
        let outcome = submit_score(
            &self.client,
            &board,
            &player,
            score,
            name.as_ref(),
            request.client_address,
            now_ms,
        )
        .await
        .map_err(board_error)?;
        match outcome {
            SubmitOutcome::Accepted(written) => {
                // The rank is the one in the board's default period, so that is the period
                // (and reset time) the answer names.
                let period = board
                    .current_period(board.default_period(), now_ms)
                    .map_err(current_period_error)?;
                let body = Submitted {
                    board: board.id().as_str().into(),
                    improved: written.improved,
                    period: period_ref(&period),
                    player: player.as_str().into(),
                    previous_rank: written.previous_rank,
                    rank: written.rank,
                    resets_at: period.end_ms(),
                    score: written.score,
                };
                let response = ApiResponse::json(200, &body);
                Ok(match &written.rate_limit {
                    Some(limit) => response.with_rate_limit(limit, now_ms),
                    None => response,
                })
            }
            SubmitOutcome::RateLimited(refusal) => {
                self.block(&board, &player, &writer, request, refusal, now_ms);
                Ok(rate_limited(&refusal.result, now_ms))
            }
        }
    }

    /// Refuses without a Redis call when the script refused this writer recently, for this
    /// player's limit or this address's, and that window has not reset yet, with the same
    /// headers (`Retry-After`, `RateLimit-*`) as the refusal the script made.
    fn blocked(
        &self,
        board: &Board,
        player: &PlayerId,
        writer: &Writer,
        request: &ApiRequest,
        now_ms: i64,
    ) -> Option<ApiResponse> {
        let mut blocked = self
            .blocked
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if blocked.is_empty() {
            return None;
        }
        let writer = writer.tag();
        let refusal = [LimitedBy::Player, LimitedBy::Address]
            .into_iter()
            .filter_map(|by| block_key(board, by, player, request, &writer))
            .filter_map(|key| blocked.refusal(&key, now_ms))
            .max_by_key(|refusal| refusal.reset)?;
        Some(rate_limited(&refusal, now_ms))
    }

    /// Remembers the script's refusal under the limit that refused (the player's or the
    /// address's) and the writer it refused, so that it is never answered to a write the script
    /// would accept: the same player from another address after an address refusal, or a caller
    /// the script has not authenticated.
    fn block(
        &self,
        board: &Board,
        player: &PlayerId,
        writer: &Writer,
        request: &ApiRequest,
        refusal: Refusal,
        now_ms: i64,
    ) {
        let writer = writer.tag();
        if let Some(key) = block_key(board, refusal.by, player, request, &writer) {
            self.blocked
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .block(&key, &refusal.result, now_ms);
        }
    }
}

/// Who a write was authenticated as, before the script ran.
enum Writer {
    /// The server key.
    Server,
    /// A live session, by its token id.
    Session(String),
}

/// Whom a cached refusal may be answered to, as part of its key: the server key or one session
/// (by its token id), each authenticated before the cache is asked. Another session of the same
/// player has its own entry, so a refusal is only ever answered to a writer the script refused.
struct WriterTag(String);

impl Writer {
    fn tag(&self) -> WriterTag {
        WriterTag(match self {
            Self::Server => "server".to_owned(),
            Self::Session(id) => format!("session:{id}"),
        })
    }
}

/// The block-cache key of one limit of `board`, for `writer`; `None` when the board has no such
/// limit or the request no address.
fn block_key(
    board: &Board,
    by: LimitedBy,
    player: &PlayerId,
    request: &ApiRequest,
    writer: &WriterTag,
) -> Option<String> {
    let limits = board.rate_limits();
    let subject = match by {
        LimitedBy::Player => limits.player.map(|_| RateLimitSubject::Player(player))?,
        LimitedBy::Address => limits
            .ip
            .and(request.client_address)
            .map(RateLimitSubject::Address)?,
    };
    Some(format!(
        "{}:{}:{}",
        board.id(),
        subject.key_part(),
        writer.0
    ))
}

fn rate_limited(result: &RateLimitResult, now_ms: i64) -> ApiResponse {
    let error = ApiError::new(ErrorCode::RateLimited, "too many writes; slow down");
    ApiResponse::error(&error).with_rate_limit(result, now_ms)
}
