//! The Lua scripts. Each runs with EVALSHA, and EVAL only when the server has not cached it
//! (`Client::evalsha_or_eval`), so a call is one short request.

use std::sync::LazyLock;

use podium_redis::Script;

static SUBMIT: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("../lua/submit.lua")));
static RANGE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("../lua/range.lua")));
static PLAYER: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("../lua/player.lua")));
static REMOVE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("../lua/remove.lua")));

/// The score write: rate limits, policy on every period, tie-break member, name, expiry, ranks.
pub fn submit_script() -> &'static Script {
    &SUBMIT
}

/// A page of entries with names and the total (`top`, `around`).
pub fn range_script() -> &'static Script {
    &RANGE
}

/// One player's rank, score, name and the total.
pub fn player_script() -> &'static Script {
    &PLAYER
}

/// A player removed from every period and the names hash.
pub fn remove_script() -> &'static Script {
    &REMOVE
}
