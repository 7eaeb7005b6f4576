//! The answer every algorithm gives, its headers, and how several answers combine.

use serde::Serialize;

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

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_795_000_000_000; // a multiple of 10 s

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
}
