//! Podium's leaderboard domain, shared by the API (and so the edge Worker), the board operations
//! and the seeder.
//!
//! Nothing in this crate does I/O or reads the clock (instants are arguments), so it builds for
//! native targets and `wasm32-unknown-unknown` alike and is tested natively.
//!
//! Layout:
//! - `secret`: bearer secrets compared in constant time.
//! - `session`: signed player-session tokens ([`SessionKey`], [`SessionClaims`]) and an
//!   isolate's copy of the ended ones ([`RevocationList`]).
//! - `validate`: validated newtypes for player and board ids, display names and scores.
//! - `board`: board configuration (`PODIUM_BOARDS`), validated at start.
//! - `period`: daily, weekly and monthly periods in a board's time zone: ids, resets, expiry.
//! - [`keys`]: every Redis key, all of a board's under one cluster hash tag.
//! - `cursor`: page cursors ([`Cursor`]): a place in a board's order, bound to its board and
//!   period, opaque to clients.
//! - [`tiebreak`]: sorted-set members that rank the earlier arrival first among equal scores.
//! - `ratelimit`: sliding-window and token-bucket decisions, headers, subjects, the block cache
//!   (one file each under `ratelimit/`).
//! - `api_error`: the API's stable error codes, their HTTP statuses and JSON shape.
//!
//! [`keys`] and [`tiebreak`] are public modules of free functions, read best qualified
//! (`keys::scores`, `tiebreak::member`); the other modules are private and their public items
//! are re-exported here.

mod api_error;
mod board;
mod cursor;
pub mod keys;
mod period;
mod ratelimit;
mod secret;
mod session;
pub mod tiebreak;
mod validate;

pub use api_error::{ApiError, ErrorCode, UnknownErrorCode};
pub use board::{
    Board, Boards, ConfigError, DEFAULT_RETENTION, LOCAL_BOARDS_JSON, MAX_RETENTION,
    MAX_TITLE_CHARS, Order, Policy, RateLimits,
};
pub use cursor::{CURSOR_VERSION, Cursor, CursorError, MAX_CURSOR_BYTES};
/// Board time zones are jiff's; re-exported so callers need no direct dependency.
pub use jiff::tz::TimeZone;
pub use period::{ALL_TIME_ID, Period, PeriodError, PeriodKind};
pub use ratelimit::{
    Algorithm, BlockCache, ClientAddress, MAX_BLOCKED_IDENTIFIERS, MAX_LIMIT, MAX_WINDOW_SECONDS,
    RateLimit, RateLimitConfigError, RateLimitResult, RateLimitSubject, SlidingWindow,
    SlidingWindowDecision, SlidingWindowState, TokenBucket, TokenBucketDecision, TokenBucketState,
};
pub use secret::{Secret, bearer_token};
pub use session::{
    MAX_SESSION_TOKEN_BYTES, REVOCATION_REFRESH_MS, RevocationList, SESSION_ID_BYTES,
    SESSION_TOKEN_VERSION, SessionClaims, SessionKey, TokenError,
};
pub use validate::{
    BoardId, BoardIdError, BoundsError, DisplayName, IdError, MAX_AROUND_RADIUS,
    MAX_BOARD_ID_BYTES, MAX_DISPLAY_NAME_CHARS, MAX_PAGE_SIZE, MAX_PLAYER_ID_BYTES,
    MAX_SAFE_INTEGER, MIN_SAFE_INTEGER, NameError, PlayerId, PlayerIdError, Score, ScoreBounds,
    ScoreError, parse_whole_number,
};
