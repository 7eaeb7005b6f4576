//! Podium's leaderboard operations, written once over [`podium_redis::Client`] so that they run
//! natively (tests, tools) and in the Cloudflare Worker (wasm32) unchanged.
//!
//! Nothing here does I/O except through the client, and nothing reads the clock: every
//! operation that depends on time takes `now_ms` (Unix milliseconds).
//!
//! Layout:
//! - `script`: the Lua scripts (`lua/*.lua`, composed by `build.rs` with the functions of
//!   `lua/lib/` and the constants of `protocol`) and their SHA-1s, listed by [`scripts`];
//!   [`submit_script`] is the one atomic score write.
//! - `protocol`: the submit script's calling convention, defined once for Rust and Lua: the
//!   places of its keys and arguments and its reply statuses.
//! - `submit`: [`submit_score`]: rate limits, policy, tie-break and name in one round trip;
//!   [`SubmitCall`] and [`decode_submit_reply`] for tools that pipeline many writes.
//! - `reads`: [`top`], [`page_from`] (cursor pages), [`player`] and [`around`], each one round
//!   trip.
//! - `moderation`: [`remove_player`] and [`reset_period`].
//! - `registry`: boards made through the API: [`registry_entry`], [`registry_page`],
//!   [`registry_write`] (a compare-and-set script), and deleting a board's data in steps.
//! - `session`: [`end_session`] and [`ended_sessions`]: the ended sessions, the only session
//!   state in Redis (the tokens are signed, see `podium_core::SessionKey`).
//! - `reply`: decoding script replies (scores, ranks, names).
//! - `error`: [`BoardError`], mapped onto the API's [`ErrorCode`](podium_core::ErrorCode)s.

mod error;
mod moderation;
mod protocol;
mod reads;
mod registry;
mod reply;
mod script;
mod session;
mod submit;

pub use error::BoardError;
pub use moderation::{remove_player, reset_period, retained_periods};
pub use reads::{
    Around, Entry, MAX_AROUND_RADIUS, MAX_PAGE_SIZE, Page, PlayerRank, Side, around, page_from,
    player, top,
};
pub use registry::{
    PURGE_STEP_KEYS, RegistryEntry, RegistryWrite, board_data_keys, delete_keys, has_scores,
    registry_entry, registry_page, registry_version, registry_write,
};
pub use script::{
    player_script, range_script, registry_script, remove_script, scripts, submit_script,
};
pub use session::{end_session, ended_sessions};
pub use submit::{
    LimitedBy, Refusal, SubmitCall, SubmitOutcome, Submitted, decode_submit_reply, submit_score,
};
