// The submit script's calling convention, defined once: `build.rs` includes this file and writes
// each definition into the composed Lua as a constant (`STATUS_ACCEPTED`, `ARG_NOW_MS`, …), and
// `submit.rs` builds its arguments and reads its reply through the same definitions. So this file holds no inner
// doc comment and nothing beyond `std`: it also compiles as part of the build script.

/// A block of script inputs (fixed arguments, one period's arguments, one limit's keys, …):
/// `ALL` in the order sent, which the Lua reads by name (`ARGV[ARG_NOW_MS]`, the 1-based place
/// in `ALL`); the block's length is `<LUA_TABLE>_SIZE`.
pub(crate) trait Layout: Copy + 'static {
    #[allow(dead_code, reason = "read by build.rs, which writes the Lua constants")]
    const LUA_TABLE: &'static str;
    const ALL: &'static [Self];
    #[allow(dead_code, reason = "read by build.rs, which writes the Lua constants")]
    fn lua_field(self) -> &'static str;
}

macro_rules! layout {
    ($(#[$doc:meta])* $name:ident as $table:literal { $($variant:ident = $field:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum $name {
            $($variant),+
        }

        impl Layout for $name {
            const LUA_TABLE: &'static str = $table;
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            fn lua_field(self) -> &'static str {
                match self {
                    $(Self::$variant => $field),+
                }
            }
        }
    };
}

layout! {
    /// The submit script's first keys.
    SubmitKey as "KEY" { Sequence = "sequence", Names = "names" }
}

layout! {
    /// The keys of each period, after [`SubmitKey`], in the board's period order.
    PeriodKey as "PERIOD_KEY" { Scores = "scores", Members = "members" }
}

layout! {
    /// The keys of a sliding-window limit, after the periods' keys: the counters of the window
    /// before `now` and of the window containing it.
    SlidingWindowKey as "SLIDING_WINDOW_KEY" { Previous = "previous", Current = "current" }
}

layout! {
    /// The key of a token-bucket limit: its hash of `tokens` and `refilled_at`.
    TokenBucketKey as "TOKEN_BUCKET_KEY" { Bucket = "bucket" }
}

layout! {
    /// The submit script's fixed arguments. No session input: the API checks a session token
    /// before the write, so the script writes for whichever player it is sent.
    SubmitArg as "ARG" {
        NowMs = "now_ms",
        Player = "player",
        Score = "score",
        Policy = "policy",
        Order = "order",
        Name = "name",
        PeriodCount = "period_count",
        LimitCount = "limit_count",
    }
}

layout! {
    /// The arguments of each period, after [`SubmitArg`]. `expires_at_ms` is 0 for never.
    PeriodArg as "PERIOD_ARG" { ExpiresAtMs = "expires_at_ms" }
}

layout! {
    /// The arguments of each limit, after the periods'. A sliding window sends its limit and
    /// window (and no refill); a token bucket its capacity, refill interval and refill amount.
    LimitArg as "LIMIT_ARG" {
        Algorithm = "algorithm",
        Limit = "limit",
        IntervalMs = "interval_ms",
        RefillAmount = "refill_amount",
    }
}

layout! {
    /// The registry script's keys ([`podium_core::keys::registry_boards`] and the others).
    RegistryKey as "REGISTRY_KEY" { Boards = "boards", Ids = "ids", Version = "version" }
}

layout! {
    /// The registry script's arguments: the board, the version its caller read (0: none), and
    /// the entry to store, empty to remove the board.
    RegistryArg as "REGISTRY_ARG" { Board = "board", Expected = "expected", Entry = "entry" }
}

/// The first element of every registry reply, the script's `REGISTRY_<NAME>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i64)]
pub(crate) enum RegistryStatus {
    /// `{status, current}`: the board's version is not the one expected; nothing written.
    Stale = 0,
    /// `{status, version}`: stored (or removed); `version` is the registry's new version.
    Written = 1,
}

impl RegistryStatus {
    pub(crate) const ALL: &'static [Self] = &[Self::Stale, Self::Written];

    #[allow(dead_code, reason = "read by build.rs, which writes the Lua constants")]
    pub(crate) fn lua_name(self) -> &'static str {
        match self {
            Self::Stale => "STALE",
            Self::Written => "WRITTEN",
        }
    }

    pub(crate) fn from_code(code: i64) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|status| *status as i64 == code)
    }
}

/// Constants the script compares its text arguments with, written into the Lua as
/// `local <TABLE>_<FIELD> = '<value>'`.
#[allow(dead_code, reason = "read by build.rs, which writes the Lua constants")]
pub(crate) const LUA_STRINGS: &[(&str, &[(&str, &str)])] = &[
    (
        "ALGORITHM",
        &[
            ("sliding_window", SLIDING_WINDOW),
            ("token_bucket", TOKEN_BUCKET),
        ],
    ),
    (
        "RANGE",
        &[
            ("top", RANGE_TOP),
            ("around", RANGE_AROUND),
            ("after", RANGE_AFTER),
            ("before", RANGE_BEFORE),
        ],
    ),
];

/// The range script's modes (its second argument): rows by position, a player's neighbours,
/// the rows just after or just before a cursor's place.
pub(crate) const RANGE_TOP: &str = "top";
pub(crate) const RANGE_AROUND: &str = "around";
pub(crate) const RANGE_AFTER: &str = "after";
pub(crate) const RANGE_BEFORE: &str = "before";

/// [`LimitArg::Algorithm`] of a sliding window.
pub(crate) const SLIDING_WINDOW: &str = "sw";
/// [`LimitArg::Algorithm`] of a token bucket.
pub(crate) const TOKEN_BUCKET: &str = "tb";

/// The first element of every submit reply, the script's `STATUS_<NAME>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i64)]
pub(crate) enum SubmitStatus {
    /// `{status, limit, remaining, reset, refusing}`: a rate limit refused, `refusing` is its
    /// 1-based place among the limits sent.
    RateLimited = 0,
    /// `{status, limit, remaining, reset, score, rank, previous_rank, improved}`.
    Accepted = 1,
    /// `{status, limit, remaining, reset, total}`: a sum would leave ±(2^53−1).
    SumOutOfRange = 2,
}

impl SubmitStatus {
    pub(crate) const ALL: &'static [Self] =
        &[Self::RateLimited, Self::Accepted, Self::SumOutOfRange];

    #[allow(dead_code, reason = "read by build.rs, which writes the Lua constants")]
    pub(crate) fn lua_name(self) -> &'static str {
        match self {
            Self::RateLimited => "RATE_LIMITED",
            Self::Accepted => "ACCEPTED",
            Self::SumOutOfRange => "SUM_OUT_OF_RANGE",
        }
    }

    pub(crate) fn from_code(code: i64) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|status| *status as i64 == code)
    }
}
