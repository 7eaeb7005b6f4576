//! Rate-limit decisions as pure functions of (configuration, stored state, now).
//!
//! The worker runs the same arithmetic atomically in Lua next to the data; these functions are
//! its specification and its tests. Every algorithm answers with the same [`RateLimitResult`],
//! and a refusal is a value, not an error (as in `@upstash/ratelimit`).
//!
//! - [`SlidingWindow`]: upstash's sliding window: a counter per fixed window, the previous
//!   window's count weighted by how much of it still overlaps the sliding window. Integer
//!   arithmetic only, so the Lua port gives the same answers.
//! - [`TokenBucket`]: upstash's token bucket: `refill_amount` tokens every `refill_interval_ms`,
//!   at most `capacity`.
//!
//! All numbers stay far below 2^53 so that Lua's doubles compute them exactly.

use std::collections::HashMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::validate::PlayerId;

/// Largest configurable request count per window.
pub const MAX_LIMIT: u32 = 1_000_000;
/// Longest configurable window: a week.
pub const MAX_WINDOW_SECONDS: u32 = 7 * 24 * 60 * 60;
const MAX_WINDOW_MS: i64 = MAX_WINDOW_SECONDS as i64 * 1000;
/// How long a sliding-window counter outlives its window: long enough to serve as the previous
/// window, plus a second of slack for clock differences (upstash's choice).
const SLIDING_WINDOW_SLACK_MS: i64 = 1_000;

/// The answer to one rate-limit check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RateLimitResult {
    /// Whether the request may proceed.
    pub success: bool,
    /// The configured number of requests per window (or the bucket's capacity).
    pub limit: u32,
    /// Requests left after this one.
    pub remaining: u32,
    /// Unix milliseconds: on success, when the current window ends or the bucket next refills;
    /// on refusal, the earliest instant at which a request would be accepted.
    pub reset: i64,
}

impl RateLimitResult {
    /// Whole seconds until `reset`, rounded up so that a client waiting that long is not refused
    /// again for being a few milliseconds early.
    pub fn seconds_until_reset(&self, now_ms: i64) -> u64 {
        let millis = self.reset.saturating_sub(now_ms).max(0).unsigned_abs();
        millis.div_ceil(1000)
    }

    /// `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (delta seconds), and on
    /// refusal `Retry-After` (at least one second).
    pub fn headers(&self, now_ms: i64) -> Vec<(&'static str, String)> {
        let reset = self.seconds_until_reset(now_ms);
        let mut headers = vec![
            ("RateLimit-Limit", self.limit.to_string()),
            ("RateLimit-Remaining", self.remaining.to_string()),
            ("RateLimit-Reset", reset.to_string()),
        ];
        if !self.success {
            headers.push(("Retry-After", reset.max(1).to_string()));
        }
        headers
    }

    /// The result to report when several limits apply to one request (per player and per IP):
    /// a refusal that lasts longest, else the success with the fewest requests left.
    pub fn most_restrictive(self, other: RateLimitResult) -> RateLimitResult {
        match (self.success, other.success) {
            (false, true) => self,
            (true, false) => other,
            (false, false) if other.reset > self.reset => other,
            (false, false) => self,
            (true, true) if other.remaining < self.remaining => other,
            (true, true) => self,
        }
    }
}

/// Where a write came from, as the per-address limit sees it: the `CF-Connecting-IP` header,
/// which Cloudflare's edge sets (a client cannot) and local workerd passes on as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientAddress {
    Ip(IpAddr),
    /// A header that is not an address. All such writes share one bucket, so that a made-up
    /// value cannot switch the per-address limit off.
    Unparsable,
}

impl ClientAddress {
    pub fn from_header(value: &str) -> Self {
        value
            .trim()
            .parse()
            .map_or(Self::Unparsable, ClientAddress::Ip)
    }
}

impl From<IpAddr> for ClientAddress {
    fn from(ip: IpAddr) -> Self {
        Self::Ip(ip)
    }
}

/// Who a limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitSubject<'a> {
    Player(&'a PlayerId),
    /// The client address. IPv6 clients are limited per /64, the smallest block an ISP hands
    /// out, since one client can use any address within it.
    Address(ClientAddress),
}

impl RateLimitSubject<'_> {
    /// The subject as it appears in a key: `player:<id>`, `ip:<v4>`, `ip:<v6 /64 prefix>/64`,
    /// or `ip:unparsable` (which no address spells).
    pub fn key_part(&self) -> String {
        match self {
            Self::Player(player) => format!("player:{player}"),
            Self::Address(ClientAddress::Unparsable) => "ip:unparsable".to_owned(),
            Self::Address(ClientAddress::Ip(IpAddr::V4(v4))) => format!("ip:{v4}"),
            Self::Address(ClientAddress::Ip(IpAddr::V6(v6))) => match v6.to_ipv4_mapped() {
                Some(v4) => format!("ip:{v4}"),
                None => {
                    let prefix = u128::from(*v6) & !u128::from(u64::MAX);
                    format!("ip:{}/64", std::net::Ipv6Addr::from(prefix))
                }
            },
        }
    }
}

/// Which algorithm a configured limit uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    #[default]
    Sliding,
    TokenBucket,
}

/// Why a rate-limit configuration was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RateLimitConfigError {
    #[error("limit must be between 1 and {MAX_LIMIT}, got {0}")]
    Limit(u32),
    #[error("window_seconds must be between 1 and {MAX_WINDOW_SECONDS}, got {0}")]
    Window(u32),
    #[error(
        "a window or refill interval must be between 1 ms and {MAX_WINDOW_SECONDS} s, got {0} ms"
    )]
    Interval(i64),
    #[error("a token bucket's refill amount must be positive")]
    Refill,
}

/// A configured limit: `limit` requests per `window_seconds`, with either algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RateLimit {
    limit: u32,
    window_seconds: u32,
    algorithm: Algorithm,
}

impl RateLimit {
    pub fn new(
        limit: u32,
        window_seconds: u32,
        algorithm: Algorithm,
    ) -> Result<Self, RateLimitConfigError> {
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(RateLimitConfigError::Limit(limit));
        }
        if !(1..=MAX_WINDOW_SECONDS).contains(&window_seconds) {
            return Err(RateLimitConfigError::Window(window_seconds));
        }
        Ok(Self {
            limit,
            window_seconds,
            algorithm,
        })
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    pub fn window_seconds(&self) -> u32 {
        self.window_seconds
    }

    pub fn window_ms(&self) -> i64 {
        i64::from(self.window_seconds) * 1000
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub fn sliding_window(&self) -> SlidingWindow {
        SlidingWindow {
            limit: self.limit,
            window_ms: self.window_ms(),
        }
    }

    /// A bucket of `limit` tokens refilled at `limit` per window, in the smallest exact integer
    /// steps: 10 per 10 s refills 1 token a second; 3 per 10 s refills 3 tokens every 10 s.
    pub fn token_bucket(&self) -> TokenBucket {
        let window_ms = self.window_ms().unsigned_abs();
        let step = gcd(u64::from(self.limit), window_ms);
        TokenBucket {
            capacity: self.limit,
            refill_amount: (u64::from(self.limit) / step) as u32,
            refill_interval_ms: (window_ms / step) as i64,
        }
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The counters a sliding window reads: requests accepted in the window containing `now` and
/// in the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlidingWindowState {
    pub previous: u64,
    pub current: u64,
}

/// What a sliding-window check decided and what to store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlidingWindowDecision {
    pub result: RateLimitResult,
    /// Index of the window whose counter `state.current` belongs to (`now / window_ms`).
    pub window: i64,
    /// The counters after this request; `current` grew by one if it was accepted.
    pub state: SlidingWindowState,
    /// TTL to give the current window's counter when it is created.
    pub expire_after_ms: i64,
}

/// `limit` requests per sliding `window_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlidingWindow {
    limit: u32,
    window_ms: i64,
}

impl SlidingWindow {
    pub fn new(limit: u32, window_ms: i64) -> Result<Self, RateLimitConfigError> {
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(RateLimitConfigError::Limit(limit));
        }
        if !(1..=MAX_WINDOW_MS).contains(&window_ms) {
            return Err(RateLimitConfigError::Interval(window_ms));
        }
        Ok(Self { limit, window_ms })
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    pub fn window_ms(&self) -> i64 {
        self.window_ms
    }

    /// The fixed window containing `now_ms`; its counter and the one before it form the state.
    pub fn window_index(&self, now_ms: i64) -> i64 {
        now_ms.div_euclid(self.window_ms)
    }

    /// Spends one request if the limit allows it.
    pub fn check(&self, state: SlidingWindowState, now_ms: i64) -> SlidingWindowDecision {
        self.decide(state, now_ms, true)
    }

    /// The same answer as [`check`](Self::check) would give, without spending a request.
    pub fn peek(&self, state: SlidingWindowState, now_ms: i64) -> SlidingWindowDecision {
        self.decide(state, now_ms, false)
    }

    /// The previous window's count scaled by the share of it that the sliding window still
    /// covers, rounded down: `floor(previous × (window − elapsed) / window)`.
    fn weighted_previous(&self, previous: u64, elapsed_ms: i64) -> u64 {
        let covered = (self.window_ms - elapsed_ms) as u128;
        (u128::from(previous) * covered / self.window_ms as u128) as u64
    }

    fn decide(&self, state: SlidingWindowState, now_ms: i64, spend: bool) -> SlidingWindowDecision {
        let window = self.window_index(now_ms);
        let elapsed = now_ms.rem_euclid(self.window_ms);
        let limit = u64::from(self.limit);
        let used = self.weighted_previous(state.previous, elapsed) + state.current;
        let expire_after_ms = 2 * self.window_ms + SLIDING_WINDOW_SLACK_MS;
        if used >= limit {
            return SlidingWindowDecision {
                result: RateLimitResult {
                    success: false,
                    limit: self.limit,
                    remaining: 0,
                    reset: self.next_acceptance(state, window, elapsed),
                },
                window,
                state,
                expire_after_ms,
            };
        }
        let spent = u64::from(spend);
        SlidingWindowDecision {
            result: RateLimitResult {
                success: true,
                limit: self.limit,
                remaining: (limit - used - spent) as u32,
                reset: (window + 1) * self.window_ms,
            },
            window,
            state: SlidingWindowState {
                previous: state.previous,
                current: state.current + spent,
            },
            expire_after_ms,
        }
    }

    /// The earliest instant after a refusal at which a request is accepted if none is accepted in
    /// between: later in this window once the previous window's weight has decayed enough, or
    /// within the next one, where this window's count becomes the decaying previous count.
    fn next_acceptance(&self, state: SlidingWindowState, window: i64, elapsed: i64) -> i64 {
        let limit = u64::from(self.limit);
        let start = window * self.window_ms;
        if state.current < limit
            && let Some(offset) = self.first_offset_below(state.previous, limit - state.current)
            && offset > elapsed
        {
            return start + offset;
        }
        let next_start = start + self.window_ms;
        match self.first_offset_below(state.current, limit) {
            Some(offset) => next_start + offset,
            // Only reachable when the limit shrank below a stored count: after two windows
            // nothing is left.
            None => next_start + self.window_ms,
        }
    }

    /// The smallest offset `r` within a window at which `floor(previous × (W − r) / W) < budget`,
    /// which is `W − ceil(budget × W / previous) + 1`, or `None` when no offset in the window
    /// qualifies.
    fn first_offset_below(&self, previous: u64, budget: u64) -> Option<i64> {
        if previous < budget {
            return Some(0);
        }
        let window = self.window_ms as u128;
        let threshold = (u128::from(budget) * window).div_ceil(u128::from(previous));
        let offset = window + 1 - threshold;
        (offset < window).then_some(offset as i64)
    }
}

/// A token bucket's stored state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBucketState {
    pub tokens: u32,
    /// When the last refill counted in `tokens` happened, in Unix milliseconds.
    pub refilled_at_ms: i64,
}

/// What a token-bucket check decided and what to store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBucketDecision {
    pub result: RateLimitResult,
    pub state: TokenBucketState,
    /// TTL for the stored state: once the bucket would be full again, a missing key means the
    /// same thing.
    pub expire_after_ms: i64,
}

/// At most `capacity` tokens, `refill_amount` more every `refill_interval_ms`; a request takes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBucket {
    capacity: u32,
    refill_amount: u32,
    refill_interval_ms: i64,
}

impl TokenBucket {
    pub fn new(
        capacity: u32,
        refill_amount: u32,
        refill_interval_ms: i64,
    ) -> Result<Self, RateLimitConfigError> {
        if !(1..=MAX_LIMIT).contains(&capacity) {
            return Err(RateLimitConfigError::Limit(capacity));
        }
        if refill_amount == 0 {
            return Err(RateLimitConfigError::Refill);
        }
        if !(1..=MAX_WINDOW_MS).contains(&refill_interval_ms) {
            return Err(RateLimitConfigError::Interval(refill_interval_ms));
        }
        Ok(Self {
            capacity,
            refill_amount,
            refill_interval_ms,
        })
    }

    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    pub fn refill_amount(&self) -> u32 {
        self.refill_amount
    }

    pub fn refill_interval_ms(&self) -> i64 {
        self.refill_interval_ms
    }

    /// Takes a token if one is left. `state` is `None` when nothing is stored: a full bucket.
    pub fn check(&self, state: Option<TokenBucketState>, now_ms: i64) -> TokenBucketDecision {
        self.decide(state, now_ms, true)
    }

    /// The same answer as [`check`](Self::check) would give, without taking a token.
    pub fn peek(&self, state: Option<TokenBucketState>, now_ms: i64) -> TokenBucketDecision {
        self.decide(state, now_ms, false)
    }

    fn decide(
        &self,
        state: Option<TokenBucketState>,
        now_ms: i64,
        spend: bool,
    ) -> TokenBucketDecision {
        let TokenBucketState {
            mut tokens,
            mut refilled_at_ms,
        } = state.unwrap_or(TokenBucketState {
            tokens: self.capacity,
            refilled_at_ms: now_ms,
        });
        // The stored count may exceed a capacity lowered since it was written (the key does not
        // name the capacity): the bucket holds at most what it may hold now.
        tokens = tokens.min(self.capacity);
        if now_ms >= refilled_at_ms + self.refill_interval_ms {
            let refills = (now_ms - refilled_at_ms) / self.refill_interval_ms;
            let refilled =
                u64::from(tokens) + refills.unsigned_abs() * u64::from(self.refill_amount);
            tokens = refilled.min(u64::from(self.capacity)) as u32;
            refilled_at_ms += refills * self.refill_interval_ms;
        }
        let reset = refilled_at_ms + self.refill_interval_ms;
        let success = tokens > 0;
        if success && spend {
            tokens -= 1;
        }
        let missing = u64::from(self.capacity - tokens);
        let refills_to_full = missing.div_ceil(u64::from(self.refill_amount)) as i64;
        TokenBucketDecision {
            result: RateLimitResult {
                success,
                limit: self.capacity,
                remaining: tokens,
                reset,
            },
            state: TokenBucketState {
                tokens,
                refilled_at_ms,
            },
            expire_after_ms: refills_to_full * self.refill_interval_ms,
        }
    }
}

/// Most identifiers a [`BlockCache`] remembers, so a flood of distinct ones cannot grow an
/// isolate's memory without bound.
pub const MAX_BLOCKED_IDENTIFIERS: usize = 10_000;

/// Identifiers refused recently, remembered per isolate until their reset, so that repeated
/// requests from them are refused without a Redis call.
///
/// Only refusals are cached, never successes: a forgotten entry costs a Redis call, not a
/// wrongly accepted request.
#[derive(Debug, Default, Clone)]
pub struct BlockCache {
    /// Per identifier: the refused limit and its reset, so that a cached refusal carries the
    /// same `Retry-After` and `RateLimit-*` headers as the one the script made.
    blocked: HashMap<String, (u32, i64)>,
}

impl BlockCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Remembers a refusal until its reset.
    pub fn block(&mut self, identifier: &str, result: &RateLimitResult, now_ms: i64) {
        if result.success || result.reset <= now_ms {
            return;
        }
        if self.blocked.len() >= MAX_BLOCKED_IDENTIFIERS {
            self.blocked.retain(|_, (_, until)| *until > now_ms);
            if self.blocked.len() >= MAX_BLOCKED_IDENTIFIERS {
                return;
            }
        }
        self.blocked
            .insert(identifier.to_owned(), (result.limit, result.reset));
    }

    /// The refusal still in force for `identifier`, if any: the remembered limit and reset,
    /// nothing remaining.
    pub fn refusal(&mut self, identifier: &str, now_ms: i64) -> Option<RateLimitResult> {
        match self.blocked.get(identifier) {
            Some(&(limit, reset)) if reset > now_ms => Some(RateLimitResult {
                success: false,
                limit,
                remaining: 0,
                reset,
            }),
            Some(_) => {
                self.blocked.remove(identifier);
                None
            }
            None => None,
        }
    }

    /// The reset of a refusal still in force for `identifier`, if any.
    pub fn blocked_until(&mut self, identifier: &str, now_ms: i64) -> Option<i64> {
        self.refusal(identifier, now_ms)
            .map(|refusal| refusal.reset)
    }

    pub fn len(&self) -> usize {
        self.blocked.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blocked.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_795_000_000_000; // a multiple of 10 s

    fn ten_per_ten_seconds() -> SlidingWindow {
        SlidingWindow::new(10, 10_000).unwrap()
    }

    /// Runs `requests` checks at the given instants against one stored state, as the Lua
    /// script would, and returns which were accepted.
    fn run_sliding(limiter: &SlidingWindow, instants: &[i64]) -> Vec<bool> {
        let mut counters: HashMap<i64, u64> = HashMap::new();
        instants
            .iter()
            .map(|&now| {
                let window = limiter.window_index(now);
                let state = SlidingWindowState {
                    previous: counters.get(&(window - 1)).copied().unwrap_or(0),
                    current: counters.get(&window).copied().unwrap_or(0),
                };
                let decision = limiter.check(state, now);
                counters.insert(decision.window, decision.state.current);
                decision.result.success
            })
            .collect()
    }

    #[test]
    fn sliding_window_refuses_exactly_the_request_past_the_limit() {
        let accepted = run_sliding(&ten_per_ten_seconds(), &[T0 + 500; 11]);
        assert_eq!(accepted, [vec![true; 10], vec![false]].concat());
    }

    #[test]
    fn sliding_window_counts_down_remaining_and_resets_at_the_window_end() {
        let limiter = ten_per_ten_seconds();
        let first = limiter.check(SlidingWindowState::default(), T0 + 2_500);
        assert_eq!(
            first.result,
            RateLimitResult {
                success: true,
                limit: 10,
                remaining: 9,
                reset: T0 + 10_000
            }
        );
        assert_eq!(first.state.current, 1);
        assert_eq!(first.window, T0 / 10_000);
        assert_eq!(first.expire_after_ms, 21_000);
        let last = limiter.check(
            SlidingWindowState {
                previous: 0,
                current: 9,
            },
            T0 + 2_500,
        );
        assert!(last.result.success);
        assert_eq!(last.result.remaining, 0);
    }

    #[test]
    fn sliding_window_weighs_the_previous_window_by_its_overlap() {
        let limiter = ten_per_ten_seconds();
        let full_previous = SlidingWindowState {
            previous: 10,
            current: 0,
        };
        // At the first millisecond of a window the previous one still counts in full.
        assert!(!limiter.check(full_previous, T0).result.success);
        // At 30 % in, floor(10 × 0.7) = 7 count: three requests are left.
        let decision = limiter.check(full_previous, T0 + 3_000);
        assert!(decision.result.success);
        assert_eq!(decision.result.remaining, 2);
        // At 0.999 s in the previous window still weighs floor(10 × 0.9001) = 9; from 1.001 s, 8.
        assert!(
            limiter
                .check(
                    SlidingWindowState {
                        previous: 10,
                        current: 0
                    },
                    T0 + 999
                )
                .result
                .success
        );
        assert!(
            !limiter
                .check(
                    SlidingWindowState {
                        previous: 10,
                        current: 1
                    },
                    T0 + 999
                )
                .result
                .success
        );
        assert!(
            limiter
                .check(
                    SlidingWindowState {
                        previous: 10,
                        current: 1
                    },
                    T0 + 1_001
                )
                .result
                .success
        );
    }

    #[test]
    fn sliding_window_state_rolls_over_at_window_edges() {
        let limiter = ten_per_ten_seconds();
        // Ten accepted in the last millisecond of a window block the next window's start…
        let mut instants = vec![T0 + 9_999; 10];
        instants.push(T0 + 10_000);
        // …until the previous window's weight has decayed: at 1.001 s in, floor(10 × 0.8999) = 8.
        instants.push(T0 + 11_001);
        assert_eq!(
            run_sliding(&limiter, &instants),
            [vec![true; 10], vec![false, true]].concat()
        );
    }

    #[test]
    fn sliding_window_refusal_reports_the_first_instant_that_would_succeed() {
        let limiter = ten_per_ten_seconds();
        let refused = limiter.check(
            SlidingWindowState {
                previous: 0,
                current: 10,
            },
            T0 + 4_000,
        );
        assert!(!refused.result.success);
        assert_eq!(refused.state.current, 10, "a refusal spends nothing");
        // Next window: this window's 10 count as previous, floor(10 × (10000 − r)/10000) < 10
        // from r = 1 ms.
        assert_eq!(refused.result.reset, T0 + 10_001);
        let refused = limiter.check(
            SlidingWindowState {
                previous: 10,
                current: 5,
            },
            T0 + 100,
        );
        // floor(10 × (10000 − r)/10000) < 5 from r = 5001.
        assert_eq!(refused.result.reset, T0 + 5_001);
    }

    #[test]
    fn sliding_window_reset_matches_a_brute_force_search() {
        let window = 10;
        for limit in 1..=4u32 {
            let limiter = SlidingWindow::new(limit, window).unwrap();
            for previous in 0..=6 {
                for current in 0..=u64::from(limit) {
                    for now in 0..window {
                        let state = SlidingWindowState { previous, current };
                        let decision = limiter.check(state, now);
                        if decision.result.success {
                            continue;
                        }
                        let first = (now + 1..3 * window)
                            .find(|&later| {
                                let moved = if later >= window {
                                    SlidingWindowState {
                                        previous: current,
                                        current: 0,
                                    }
                                } else {
                                    state
                                };
                                limiter.peek(moved, later).result.success
                            })
                            .unwrap();
                        assert_eq!(
                            decision.result.reset, first,
                            "limit {limit} previous {previous} current {current} now {now}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn peeking_spends_nothing() {
        let limiter = ten_per_ten_seconds();
        let state = SlidingWindowState {
            previous: 0,
            current: 3,
        };
        let peeked = limiter.peek(state, T0);
        assert_eq!(peeked.state, state);
        assert_eq!(peeked.result.remaining, 7);
        assert_eq!(limiter.check(state, T0).result.remaining, 6);
    }

    fn run_bucket(bucket: &TokenBucket, instants: &[i64]) -> Vec<bool> {
        let mut state = None;
        instants
            .iter()
            .map(|&now| {
                let decision = bucket.check(state, now);
                state = Some(decision.state);
                decision.result.success
            })
            .collect()
    }

    #[test]
    fn token_bucket_refuses_exactly_the_request_past_the_capacity() {
        let bucket = RateLimit::new(10, 10, Algorithm::TokenBucket)
            .unwrap()
            .token_bucket();
        assert_eq!(
            run_bucket(&bucket, &[T0; 11]),
            [vec![true; 10], vec![false]].concat()
        );
    }

    #[test]
    fn token_bucket_refills_at_interval_edges() {
        let bucket = TokenBucket::new(2, 1, 1_000).unwrap();
        let accepted = run_bucket(
            &bucket,
            &[
                T0,
                T0,
                T0 + 999,
                T0 + 1_000,
                T0 + 1_001,
                T0 + 5_000,
                T0 + 5_000,
                T0 + 5_000,
            ],
        );
        assert_eq!(
            accepted,
            [true, true, false, true, false, true, true, false]
        );
    }

    #[test]
    fn token_bucket_reports_the_next_refill_and_its_ttl() {
        let bucket = TokenBucket::new(2, 1, 1_000).unwrap();
        let first = bucket.check(None, T0);
        assert_eq!(
            first.result,
            RateLimitResult {
                success: true,
                limit: 2,
                remaining: 1,
                reset: T0 + 1_000
            }
        );
        assert_eq!(first.expire_after_ms, 1_000);
        let second = bucket.check(Some(first.state), T0 + 400);
        assert_eq!(second.expire_after_ms, 2_000);
        let refused = bucket.check(Some(second.state), T0 + 999);
        assert!(!refused.result.success);
        assert_eq!(refused.result.reset, T0 + 1_000);
        let peeked = bucket.peek(Some(second.state), T0 + 1_000);
        assert_eq!((peeked.result.remaining, peeked.state.tokens), (1, 1));
    }

    #[test]
    fn configured_limits_map_to_exact_integer_buckets() {
        let bucket = RateLimit::new(10, 10, Algorithm::TokenBucket)
            .unwrap()
            .token_bucket();
        assert_eq!(
            (
                bucket.capacity(),
                bucket.refill_amount(),
                bucket.refill_interval_ms()
            ),
            (10, 1, 1_000)
        );
        let bucket = RateLimit::new(3, 10, Algorithm::TokenBucket)
            .unwrap()
            .token_bucket();
        assert_eq!(
            (
                bucket.capacity(),
                bucket.refill_amount(),
                bucket.refill_interval_ms()
            ),
            (3, 3, 10_000)
        );
    }

    #[test]
    fn configurations_are_validated() {
        assert_eq!(
            RateLimit::new(0, 10, Algorithm::Sliding),
            Err(RateLimitConfigError::Limit(0))
        );
        assert_eq!(
            RateLimit::new(1, 0, Algorithm::Sliding),
            Err(RateLimitConfigError::Window(0))
        );
        assert_eq!(
            RateLimit::new(1, MAX_WINDOW_SECONDS + 1, Algorithm::Sliding),
            Err(RateLimitConfigError::Window(MAX_WINDOW_SECONDS + 1))
        );
        assert_eq!(TokenBucket::new(1, 0, 1), Err(RateLimitConfigError::Refill));
        assert_eq!(
            TokenBucket::new(1, 1, 0),
            Err(RateLimitConfigError::Interval(0))
        );
        assert_eq!(
            SlidingWindow::new(1, 0),
            Err(RateLimitConfigError::Interval(0))
        );
    }

    #[test]
    fn headers_round_seconds_up() {
        let refused = RateLimitResult {
            success: false,
            limit: 10,
            remaining: 0,
            reset: T0 + 4_001,
        };
        assert_eq!(
            refused.headers(T0),
            vec![
                ("RateLimit-Limit", "10".to_owned()),
                ("RateLimit-Remaining", "0".to_owned()),
                ("RateLimit-Reset", "5".to_owned()),
                ("Retry-After", "5".to_owned()),
            ]
        );
        let accepted = RateLimitResult {
            success: true,
            remaining: 3,
            reset: T0 + 2_000,
            ..refused
        };
        let headers = accepted.headers(T0);
        assert_eq!(headers.len(), 3, "no Retry-After on success");
        assert_eq!(headers[2], ("RateLimit-Reset", "2".to_owned()));
        assert_eq!(accepted.seconds_until_reset(T0 + 5_000), 0);
        let due = RateLimitResult {
            reset: T0,
            ..refused
        };
        assert_eq!(due.headers(T0)[3], ("Retry-After", "1".to_owned()));
    }

    #[test]
    fn the_most_restrictive_result_wins() {
        let ok = |remaining| RateLimitResult {
            success: true,
            limit: 10,
            remaining,
            reset: T0,
        };
        let refused = |reset| RateLimitResult {
            success: false,
            limit: 10,
            remaining: 0,
            reset,
        };
        assert_eq!(ok(5).most_restrictive(ok(2)), ok(2));
        assert_eq!(ok(2).most_restrictive(ok(5)), ok(2));
        assert_eq!(ok(0).most_restrictive(refused(T0 + 1)), refused(T0 + 1));
        assert_eq!(refused(T0 + 1).most_restrictive(ok(9)), refused(T0 + 1));
        assert_eq!(
            refused(T0 + 1).most_restrictive(refused(T0 + 9)),
            refused(T0 + 9)
        );
    }

    #[test]
    fn subjects_key_ipv6_clients_by_their_slash_64() {
        let player = PlayerId::try_from("alice").unwrap();
        assert_eq!(RateLimitSubject::Player(&player).key_part(), "player:alice");
        let ip = |text: &str| {
            RateLimitSubject::Address(ClientAddress::Ip(text.parse().unwrap())).key_part()
        };
        assert_eq!(ip("203.0.113.7"), "ip:203.0.113.7");
        assert_eq!(ip("::ffff:203.0.113.7"), "ip:203.0.113.7");
        assert_eq!(ip("2001:db8:1:2:aaaa::1"), "ip:2001:db8:1:2::/64");
        assert_eq!(ip("2001:db8:1:2:bbbb::9"), ip("2001:db8:1:2::"));
        assert_ne!(ip("2001:db8:1:3::"), ip("2001:db8:1:2::"));
    }

    #[test]
    fn an_unparsable_address_shares_one_bucket_and_spells_no_address() {
        for header in [
            "not an address",
            "",
            "203.0.113.7, 198.51.100.1",
            "999.1.1.1",
            "::g",
        ] {
            assert_eq!(
                ClientAddress::from_header(header),
                ClientAddress::Unparsable,
                "{header:?}"
            );
        }
        assert_eq!(
            ClientAddress::from_header(" 203.0.113.7 "),
            ClientAddress::Ip("203.0.113.7".parse().unwrap())
        );
        let unparsable = RateLimitSubject::Address(ClientAddress::Unparsable).key_part();
        assert_eq!(unparsable, "ip:unparsable");
        let address = unparsable.trim_start_matches("ip:");
        assert!(address.parse::<IpAddr>().is_err());
    }

    #[test]
    fn the_block_cache_remembers_refusals_until_their_reset() {
        let mut cache = BlockCache::new();
        let refused = RateLimitResult {
            success: false,
            limit: 1,
            remaining: 0,
            reset: T0 + 1_000,
        };
        cache.block("player:alice", &refused, T0);
        cache.block(
            "player:bob",
            &RateLimitResult {
                success: true,
                ..refused
            },
            T0,
        );
        assert_eq!(
            cache.blocked_until("player:alice", T0 + 999),
            Some(T0 + 1_000)
        );
        assert_eq!(
            cache.refusal("player:alice", T0 + 999),
            Some(refused),
            "a cached refusal answers with the limit and reset of the original"
        );
        assert_eq!(cache.blocked_until("player:bob", T0), None);
        assert_eq!(cache.blocked_until("player:alice", T0 + 1_000), None);
        assert!(cache.is_empty(), "expired entries are dropped when seen");
    }

    /// Found by the property tests (tests/properties.rs): a bucket stored with 9 tokens and read
    /// after its capacity was lowered to 1, before a refill, underflowed `capacity - tokens`.
    #[test]
    fn a_bucket_stored_above_a_lowered_capacity_is_clamped() {
        let bucket = TokenBucket::new(1, 1, 1_000).unwrap();
        let stored = TokenBucketState {
            tokens: 9,
            refilled_at_ms: T0,
        };
        let first = bucket.check(Some(stored), T0);
        assert!(first.result.success);
        assert_eq!(first.result.remaining, 0);
        assert_eq!(first.state.tokens, 0);
        assert_eq!(first.expire_after_ms, 1_000);
        assert!(!bucket.check(Some(first.state), T0 + 1).result.success);
    }

    #[test]
    fn the_block_cache_is_bounded() {
        let mut cache = BlockCache::new();
        let refused = |reset| RateLimitResult {
            success: false,
            limit: 1,
            remaining: 0,
            reset,
        };
        for n in 0..MAX_BLOCKED_IDENTIFIERS {
            cache.block(&n.to_string(), &refused(T0 + 1 + n as i64 % 2), T0);
        }
        cache.block("extra", &refused(T0 + 10), T0);
        assert_eq!(cache.len(), MAX_BLOCKED_IDENTIFIERS);
        assert_eq!(cache.blocked_until("extra", T0), None);
        // Once half the entries have expired, there is room again.
        cache.block("extra", &refused(T0 + 10), T0 + 1);
        assert_eq!(cache.blocked_until("extra", T0 + 1), Some(T0 + 10));
    }
}
