//! upstash's token bucket: `refill_amount` tokens every `refill_interval_ms`, at most
//! `capacity`; ported to Lua in `podium-board`'s `lua/lib/token_bucket.lua`.

use super::{MAX_LIMIT, MAX_WINDOW_MS, RateLimitConfigError, RateLimitResult};

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
    // Visible to `config`, whose limits are valid by construction and build these directly.
    pub(super) capacity: u32,
    pub(super) refill_amount: u32,
    pub(super) refill_interval_ms: i64,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratelimit::{Algorithm, RateLimit};

    const T0: i64 = 1_795_000_000_000; // a multiple of 10 s

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
}
