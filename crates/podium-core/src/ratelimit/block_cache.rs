//! Refusals remembered per isolate until their reset, so repeated requests skip Redis.

use std::collections::HashMap;

use super::RateLimitResult;

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
