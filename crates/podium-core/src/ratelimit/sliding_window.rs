//! upstash's sliding window: a counter per fixed window, the previous window's count weighted
//! by how much of it still overlaps the sliding window. Integer arithmetic only, so the Lua port
//! (`podium-board`'s `lua/lib/sliding_window.lua`) gives the same answers.

use super::{MAX_LIMIT, MAX_WINDOW_MS, RateLimitConfigError, RateLimitResult};

/// How long a sliding-window counter outlives its window: long enough to serve as the previous
/// window, plus a second of slack for clock differences (upstash's choice).
const SLIDING_WINDOW_SLACK_MS: i64 = 1_000;

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
    // Visible to `config`, whose limits are valid by construction and build these directly.
    pub(super) limit: u32,
    pub(super) window_ms: i64,
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

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
}
