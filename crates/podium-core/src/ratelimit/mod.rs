//! Rate-limit decisions as pure functions of (configuration, stored state, now).
//!
//! The worker runs the same arithmetic atomically in Lua next to the data (`podium-board`'s
//! `lua/lib/`); these functions are its specification and its tests. Every algorithm answers
//! with the same [`RateLimitResult`], and a refusal is a value, not an error (as in
//! `@upstash/ratelimit`).
//!
//! - `result`: [`RateLimitResult`], its headers and [`most_restrictive`](RateLimitResult::most_restrictive).
//! - `subject`: [`RateLimitSubject`] and [`ClientAddress`], as they appear in keys.
//! - `config`: [`RateLimit`] as configured, and the [`Algorithm`] it uses.
//! - `sliding_window`: [`SlidingWindow`]: upstash's sliding window, integer arithmetic only.
//! - `token_bucket`: [`TokenBucket`]: upstash's token bucket.
//! - `block_cache`: [`BlockCache`], refusals remembered until their reset.
//!
//! All numbers stay far below 2^53 so that Lua's doubles compute them exactly.

mod block_cache;
mod config;
mod result;
mod sliding_window;
mod subject;
mod token_bucket;

pub use block_cache::{BlockCache, MAX_BLOCKED_IDENTIFIERS};
pub use config::{Algorithm, RateLimit, RateLimitConfigError};
pub use result::RateLimitResult;
pub use sliding_window::{SlidingWindow, SlidingWindowDecision, SlidingWindowState};
pub use subject::{ClientAddress, RateLimitSubject};
pub use token_bucket::{TokenBucket, TokenBucketDecision, TokenBucketState};

/// Largest configurable request count per window.
pub const MAX_LIMIT: u32 = 1_000_000;
/// Longest configurable window: a week.
pub const MAX_WINDOW_SECONDS: u32 = 7 * 24 * 60 * 60;
const MAX_WINDOW_MS: i64 = MAX_WINDOW_SECONDS as i64 * 1000;
