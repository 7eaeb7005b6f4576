//! The score write: one `EVALSHA` of [`submit_script`](crate::submit_script), so a write is one
//! round trip and never half-applied.

use podium_core::{
    Algorithm, Board, ClientAddress, DisplayName, PlayerId, RateLimit, RateLimitResult,
    RateLimitSubject, Score, keys,
};
use podium_redis::{Client, Transport, Value};

use crate::error::BoardError;
use crate::protocol::{
    Layout, LimitArg, PeriodArg, PeriodKey, SLIDING_WINDOW, SlidingWindowKey, SubmitArg, SubmitKey,
    SubmitStatus, TOKEN_BUCKET, TokenBucketKey,
};
use crate::reply::{Reply, unexpected};
use crate::script::submit_script;

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitOutcome {
    Accepted(Submitted),
    /// A rate limit refused the write; nothing was written and no quota was spent.
    RateLimited(Refusal),
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

/// Applies `score` for `player` to every period the board keeps, after the per-player and
/// (with `address`) per-address rate limits. `now_ms` picks the periods, their expiry and the
/// rate limit windows. The caller has checked who may write for `player` (the API: the server
/// key, or a session token signed for that player).
pub async fn submit_score<T: Transport>(
    client: &Client<T>,
    board: &Board,
    player: &PlayerId,
    score: Score,
    name: Option<&DisplayName>,
    address: Option<ClientAddress>,
    now_ms: i64,
) -> Result<SubmitOutcome, BoardError> {
    let SubmitCall { keys, args, limits } =
        SubmitCall::new(board, player, score, name, address, now_ms)?;
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
    pub fn new(
        board: &Board,
        player: &PlayerId,
        score: Score,
        name: Option<&DisplayName>,
        address: Option<ClientAddress>,
        now_ms: i64,
    ) -> Result<Self, BoardError> {
        board.bounds().check(score)?;
        let id = board.id();
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
        let periods = board.periods();
        let mut keys = Vec::with_capacity(
            SubmitKey::ALL.len() + periods.len() * PeriodKey::ALL.len() + 2 * subjects.len(),
        );
        let mut args = Vec::with_capacity(
            SubmitArg::ALL.len()
                + periods.len() * PeriodArg::ALL.len()
                + subjects.len() * LimitArg::ALL.len(),
        );
        keys.extend(block(|key| match key {
            SubmitKey::Sequence => keys::sequence(id),
            SubmitKey::Names => keys::names(id),
        }));
        args.extend(block(|arg| match arg {
            SubmitArg::NowMs => now_ms.to_string(),
            SubmitArg::Player => player.to_string(),
            SubmitArg::Score => score.to_string(),
            SubmitArg::Policy => board.policy().as_str().to_owned(),
            SubmitArg::Order => board.order().as_str().to_owned(),
            SubmitArg::Name => name.map(|name| name.to_string()).unwrap_or_default(),
            SubmitArg::PeriodCount => periods.len().to_string(),
            SubmitArg::LimitCount => subjects.len().to_string(),
        }));
        for &kind in periods {
            let period = board.current_period(kind, now_ms)?;
            keys.extend(block(|key| match key {
                PeriodKey::Scores => keys::scores(id, &period),
                PeriodKey::Members => keys::members(id, &period),
            }));
            let expires_at = board.expires_at_ms(&period)?.unwrap_or(0);
            args.extend(block(|arg| match arg {
                PeriodArg::ExpiresAtMs => expires_at.to_string(),
            }));
        }
        for (limit, subject, _) in &subjects {
            push_limit(board, limit, subject, now_ms, &mut keys, &mut args);
        }
        let limits = subjects.iter().map(|&(_, _, by)| by).collect();
        Ok(Self { keys, args, limits })
    }
}

/// A block of the script's keys or arguments, each place filled by name in the order
/// `protocol.rs` gives the Lua: a place added there is a missing match arm here.
fn block<L: Layout>(mut value: impl FnMut(L) -> String) -> impl Iterator<Item = String> {
    L::ALL.iter().map(move |&place| value(place))
}

/// The keys and arguments of one limit, as `lua/submit.lua` reads them.
fn push_limit(
    board: &Board,
    limit: &RateLimit,
    subject: &RateLimitSubject<'_>,
    now_ms: i64,
    keys: &mut Vec<String>,
    args: &mut Vec<String>,
) {
    let id = board.id();
    match limit.algorithm() {
        Algorithm::Sliding => {
            let window = limit.sliding_window();
            let index = window.window_index(now_ms);
            let window_ms = window.window_ms();
            keys.extend(block(|key| match key {
                SlidingWindowKey::Previous => {
                    keys::sliding_window(id, subject, window_ms, index - 1)
                }
                SlidingWindowKey::Current => keys::sliding_window(id, subject, window_ms, index),
            }));
            args.extend(block(|arg| match arg {
                LimitArg::Algorithm => SLIDING_WINDOW.to_owned(),
                LimitArg::Limit => window.limit().to_string(),
                LimitArg::IntervalMs => window_ms.to_string(),
                LimitArg::RefillAmount => "0".to_owned(),
            }));
        }
        Algorithm::TokenBucket => {
            let bucket = limit.token_bucket();
            keys.extend(block(|key| match key {
                TokenBucketKey::Bucket => keys::token_bucket(id, subject),
            }));
            args.extend(block(|arg| match arg {
                LimitArg::Algorithm => TOKEN_BUCKET.to_owned(),
                LimitArg::Limit => bucket.capacity().to_string(),
                LimitArg::IntervalMs => bucket.refill_interval_ms().to_string(),
                LimitArg::RefillAmount => bucket.refill_amount().to_string(),
            }));
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
    let code = reply.int()?;
    let status =
        SubmitStatus::from_code(code).ok_or_else(|| unexpected(what, format!("status {code}")))?;
    let limit = reply.int()?;
    let remaining = reply.int()?;
    let reset = reply.int()?;
    let narrow = |n: i64| u32::try_from(n).map_err(|_| unexpected(what, format!("{n}")));
    let rate_limit = (limit > 0)
        .then(|| -> Result<_, BoardError> {
            Ok(RateLimitResult {
                success: status != SubmitStatus::RateLimited,
                limit: narrow(limit)?,
                remaining: narrow(remaining)?,
                reset,
            })
        })
        .transpose()?;
    match status {
        SubmitStatus::RateLimited => {
            let result =
                rate_limit.ok_or_else(|| unexpected(what, "a refusal without a limit".into()))?;
            let place = reply.int()?;
            let by = usize::try_from(place)
                .ok()
                .and_then(|place| limits.get(place.checked_sub(1)?))
                .ok_or_else(|| unexpected(what, format!("a refusal by limit {place}")))?;
            Ok(SubmitOutcome::RateLimited(Refusal { result, by: *by }))
        }
        SubmitStatus::Accepted => {
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
        SubmitStatus::SumOutOfRange => Err(BoardError::SumOutOfRange {
            total: reply.int()?,
        }),
    }
}
