//! The score write: one `EVALSHA` of [`submit_script`](crate::submit_script), so a write is one
//! round trip and never half-applied.

use podium_core::{
    Algorithm, Board, ClientAddress, DisplayName, PlayerId, RateLimit, RateLimitResult,
    RateLimitSubject, Score, keys,
};
use podium_redis::{Client, Transport, Value};

use crate::error::BoardError;
use crate::reply::{Reply, unexpected};
use crate::script::submit_script;

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitOutcome {
    Accepted(Submitted),
    /// A rate limit refused the write; nothing was written and no quota was spent.
    RateLimited(Refusal),
    /// The session token is unknown, expired or ended; nothing was written.
    NoSession,
    /// The session belongs to another player; nothing was written.
    OtherPlayer,
}

/// A rate limit's refusal: the limit that refused (the most restrictive, when several did) and
/// whose it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub result: RateLimitResult,
    pub by: LimitedBy,
}

/// Whose rate limit refused a write. A refusal of the player's limit holds wherever the player
/// writes from; one of the address's limit holds for every write from that address only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitedBy {
    Player,
    Address,
}

/// An accepted write, as seen in the board's default (first) period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submitted {
    /// The stored score after the policy (the better one under `best`, the total under `sum`).
    pub score: i64,
    /// 1-based rank after the write.
    pub rank: u64,
    /// 1-based rank before the write; `None` for the player's first score in the period.
    pub previous_rank: Option<u64>,
    /// The stored score is better than before per the board's order, or is the first one.
    pub improved: bool,
    /// The most restrictive of the limits that applied, for `RateLimit-*` headers; `None` when
    /// the board has no limits.
    pub rate_limit: Option<RateLimitResult>,
}

/// Who vouches for a write.
#[derive(Debug, Clone, Copy)]
pub enum Writer<'a> {
    /// The game server (already authenticated by its key): any player.
    Server,
    /// A player session token: only its own player. The script checks it, so a session
    /// write is still one round trip.
    Session(&'a str),
}

/// Applies `score` for `player` to every period the board keeps, after the writer's session
/// check, the per-player and (with `address`) per-address rate limits. `now_ms` picks the
/// periods, their expiry and the rate limit windows.
#[allow(clippy::too_many_arguments)]
pub async fn submit_score<T: Transport>(
    client: &Client<T>,
    board: &Board,
    writer: Writer<'_>,
    player: &PlayerId,
    score: Score,
    name: Option<&DisplayName>,
    address: Option<ClientAddress>,
    now_ms: i64,
) -> Result<SubmitOutcome, BoardError> {
    let SubmitCall { keys, args, limits } =
        SubmitCall::new(board, writer, player, score, name, address, now_ms)?;
    // Moved, not borrowed: each `String` becomes its argument's bytes without a copy.
    let reply: Value = client.evalsha_or_eval(submit_script(), keys, args).await?;
    decode_submit_reply(reply, &limits)
}

/// The keys and arguments of one run of [`submit_script`](crate::submit_script), built exactly as
/// [`submit_score`] sends them. Tools that write many scores (the seeder) pipeline these as
/// `EVALSHA` and decode each reply with [`decode_submit_reply`], so they share the key layout and
/// the write rules instead of copying them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitCall {
    pub keys: Vec<String>,
    pub args: Vec<String>,
    /// Whose each limit sent is, in the order sent: what [`decode_submit_reply`] needs to say
    /// whose limit refused.
    pub limits: Vec<LimitedBy>,
}

impl SubmitCall {
    /// See [`submit_score`] for the arguments; fails on a score outside the board's bounds.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        board: &Board,
        writer: Writer<'_>,
        player: &PlayerId,
        score: Score,
        name: Option<&DisplayName>,
        address: Option<ClientAddress>,
        now_ms: i64,
    ) -> Result<Self, BoardError> {
        board.bounds().check(score)?;
        let id = board.id();
        let mut keys = vec![keys::sequence(id), keys::names(id)];
        let mut args = vec![
            now_ms.to_string(),
            player.to_string(),
            score.to_string(),
            board.policy().as_str().to_owned(),
            board.order().as_str().to_owned(),
            name.map(|name| name.to_string()).unwrap_or_default(),
            board.periods().len().to_string(),
        ];
        for &kind in board.periods() {
            let period = board.current_period(kind, now_ms)?;
            keys.push(keys::scores(id, &period));
            keys.push(keys::members(id, &period));
            let expires_at = board.expires_at_ms(&period)?.unwrap_or(0);
            args.push(expires_at.to_string());
        }
        let limits = board.rate_limits();
        let subjects = [
            limits
                .player
                .map(|limit| (limit, RateLimitSubject::Player(player), LimitedBy::Player)),
            limits.ip.zip(address).map(|(limit, address)| {
                (
                    limit,
                    RateLimitSubject::Address(address),
                    LimitedBy::Address,
                )
            }),
        ];
        let subjects: Vec<_> = subjects.into_iter().flatten().collect();
        args.push(subjects.len().to_string());
        for (limit, subject, _) in &subjects {
            push_limit(board, limit, subject, now_ms, &mut keys, &mut args);
        }
        let limits = subjects.iter().map(|&(_, _, by)| by).collect();
        match writer {
            Writer::Server => args.push("server".to_owned()),
            Writer::Session(token) => {
                keys.push(keys::session(id, token));
                args.push("session".to_owned());
            }
        }
        Ok(Self { keys, args, limits })
    }
}

/// The keys and four arguments of one limit, as `lua/submit.lua` reads them.
fn push_limit(
    board: &Board,
    limit: &RateLimit,
    subject: &RateLimitSubject<'_>,
    now_ms: i64,
    keys: &mut Vec<String>,
    args: &mut Vec<String>,
) {
    match limit.algorithm() {
        Algorithm::Sliding => {
            let window = limit.sliding_window();
            let index = window.window_index(now_ms);
            let window_ms = window.window_ms();
            keys.push(keys::sliding_window(
                board.id(),
                subject,
                window_ms,
                index - 1,
            ));
            keys.push(keys::sliding_window(board.id(), subject, window_ms, index));
            args.extend([
                "sw".to_owned(),
                window.limit().to_string(),
                window_ms.to_string(),
                "0".to_owned(),
            ]);
        }
        Algorithm::TokenBucket => {
            let bucket = limit.token_bucket();
            keys.push(keys::token_bucket(board.id(), subject));
            args.extend([
                "tb".to_owned(),
                bucket.capacity().to_string(),
                bucket.refill_amount().to_string(),
                bucket.refill_interval_ms().to_string(),
            ]);
        }
    }
}

/// What [`submit_script`](crate::submit_script) answered, as [`submit_score`] returns it;
/// `limits` are the [`SubmitCall::limits`] of the call.
pub fn decode_submit_reply(
    reply: Value,
    limits: &[LimitedBy],
) -> Result<SubmitOutcome, BoardError> {
    let what = "the submit script";
    let mut reply = Reply::new(what, reply)?;
    let status = reply.int()?;
    match status {
        3 => return Ok(SubmitOutcome::NoSession),
        4 => return Ok(SubmitOutcome::OtherPlayer),
        _ => {}
    }
    let limit = reply.int()?;
    let remaining = reply.int()?;
    let reset = reply.int()?;
    let narrow = |n: i64| u32::try_from(n).map_err(|_| unexpected(what, format!("{n}")));
    let rate_limit = (limit > 0)
        .then(|| -> Result<_, BoardError> {
            Ok(RateLimitResult {
                success: status != 0,
                limit: narrow(limit)?,
                remaining: narrow(remaining)?,
                reset,
            })
        })
        .transpose()?;
    match status {
        0 => {
            let result =
                rate_limit.ok_or_else(|| unexpected(what, "a refusal without a limit".into()))?;
            let place = reply.int()?;
            let by = usize::try_from(place)
                .ok()
                .and_then(|place| limits.get(place.checked_sub(1)?))
                .ok_or_else(|| unexpected(what, format!("a refusal by limit {place}")))?;
            Ok(SubmitOutcome::RateLimited(Refusal { result, by: *by }))
        }
        1 => {
            let score = reply.int()?;
            let rank = reply.count()? + 1;
            let previous_rank = reply.int()?;
            let improved = reply.int()? == 1;
            Ok(SubmitOutcome::Accepted(Submitted {
                score,
                rank,
                previous_rank: u64::try_from(previous_rank).ok().map(|rank| rank + 1),
                improved,
                rate_limit,
            }))
        }
        2 => Err(BoardError::SumOutOfRange {
            total: reply.int()?,
        }),
        other => Err(unexpected(what, format!("status {other}"))),
    }
}
