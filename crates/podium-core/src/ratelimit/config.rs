//! A configured limit (`limit` per `window_seconds`, either algorithm), validated, and the
//! exact integer parameters it gives each algorithm.

use serde::{Deserialize, Serialize};

use super::{MAX_LIMIT, MAX_WINDOW_SECONDS, SlidingWindow, TokenBucket};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
