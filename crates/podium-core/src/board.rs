//! Board configuration: the JSON array in `PODIUM_BOARDS`, validated once at start so that a
//! mistake fails loudly with the board and field it is about, never at the first request.
//!
//! ```json
//! [{"id": "global", "title": "Global", "order": "higher", "policy": "best",
//!   "periods": ["alltime", "daily"], "timezone": "Europe/Berlin", "retention": 7,
//!   "min_score": 0, "max_score": 1000000,
//!   "rate_limits": {"player": {"limit": 10, "window_seconds": 10, "algorithm": "sliding"},
//!                   "ip": {"limit": 100, "window_seconds": 60, "algorithm": "token_bucket"}}}]
//! ```
//!
//! Only `id` is required. Defaults: title = id, order `higher`, policy `best`, periods
//! `["alltime"]`, timezone `UTC`, retention 7, the full safe score range, no rate limits.
//! Unknown fields are refused, so a misspelt option is not silently ignored.

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::period::{Period, PeriodError, PeriodKind};
use crate::ratelimit::{Algorithm, RateLimit, RateLimitConfigError};
use crate::validate::{BoardId, IdError, NameError, Score, ScoreBounds, ScoreError, check_label};

/// Longest board title, in characters after trimming.
pub const MAX_TITLE_CHARS: usize = 64;
/// Past periods kept readable when a board does not say.
pub const DEFAULT_RETENTION: u32 = 7;
/// Most past periods a board may keep: 1000 days is plenty, 1000 months already absurd.
pub const MAX_RETENTION: u32 = 1_000;

/// The configuration of the local stack: `global` and `speedrun`.
pub const LOCAL_BOARDS_JSON: &str = r#"[
  {"id": "global", "title": "Global", "order": "higher", "policy": "best",
   "periods": ["alltime", "daily"],
   "rate_limits": {"player": {"limit": 10, "window_seconds": 10}}},
  {"id": "speedrun", "title": "Speedrun", "order": "lower", "policy": "best",
   "periods": ["alltime"]}
]"#;

/// Which end of the board is the top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// Points: the highest score ranks first.
    #[default]
    Higher,
    /// Times: the lowest score ranks first.
    Lower,
}

impl Order {
    /// Whether `candidate` beats `current` on a board of this order; a tie does not.
    pub fn is_better(self, candidate: Score, current: Score) -> bool {
        match self {
            Self::Higher => candidate > current,
            Self::Lower => candidate < current,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Higher => "higher",
            Self::Lower => "lower",
        }
    }
}

/// What a new score does to a player's stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Keep the better of the two.
    #[default]
    Best,
    /// Overwrite.
    Latest,
    /// Add to it, like ZINCRBY.
    Sum,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Best => "best",
            Self::Latest => "latest",
            Self::Sum => "sum",
        }
    }
}

/// The limits a board applies to score writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct RateLimits {
    /// Per player, whatever the address.
    pub player: Option<RateLimit>,
    /// Per client address (`CF-Connecting-IP`).
    pub ip: Option<RateLimit>,
}

/// Why `PODIUM_BOARDS` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("board configuration must be a JSON array of boards: {0}")]
    NotAnArray(String),
    #[error("board configuration declares no boards")]
    NoBoards,
    #[error("board #{index}{}: {message}", name_suffix(.id))]
    Invalid {
        index: usize,
        id: Option<String>,
        message: String,
    },
    #[error("board #{index}: invalid id {id:?}: {source}")]
    InvalidId {
        index: usize,
        id: String,
        source: IdError,
    },
    #[error("board `{0}` is declared more than once")]
    DuplicateBoard(String),
    #[error("board `{board}`: title {source}")]
    InvalidTitle { board: String, source: NameError },
    #[error("board `{0}`: periods must not be empty")]
    NoPeriods(String),
    #[error("board `{board}`: period `{period}` is listed more than once")]
    DuplicatePeriod { board: String, period: PeriodKind },
    #[error(
        "board `{board}`: unknown time zone {timezone:?}, expected an IANA name such as Europe/Berlin"
    )]
    UnknownTimeZone { board: String, timezone: String },
    #[error("board `{board}`: retention must be at most {MAX_RETENTION} periods, got {retention}")]
    Retention { board: String, retention: u32 },
    #[error("board `{board}`: {field}: {source}")]
    InvalidBound {
        board: String,
        field: &'static str,
        source: ScoreError,
    },
    #[error("board `{board}`: min_score ({min}) must be less than max_score ({max})")]
    EmptyBounds { board: String, min: i64, max: i64 },
    #[error("board `{board}`: rate_limits.{subject}: {source}")]
    InvalidRateLimit {
        board: String,
        subject: &'static str,
        source: RateLimitConfigError,
    },
}

fn name_suffix(id: &Option<String>) -> String {
    id.as_ref()
        .map(|id| format!(" ({id:?})"))
        .unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBoard {
    id: String,
    title: Option<String>,
    #[serde(default)]
    order: Order,
    #[serde(default)]
    policy: Policy,
    periods: Option<Vec<PeriodKind>>,
    timezone: Option<String>,
    retention: Option<u32>,
    // Read as JSON values so that bounds get the same precise errors as submitted scores.
    min_score: Option<Value>,
    max_score: Option<Value>,
    #[serde(default)]
    rate_limits: RawRateLimits,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRateLimits {
    player: Option<RawRateLimit>,
    ip: Option<RawRateLimit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRateLimit {
    limit: u32,
    window_seconds: u32,
    #[serde(default)]
    algorithm: Algorithm,
}

/// One validated board.
#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    id: BoardId,
    title: String,
    order: Order,
    policy: Policy,
    periods: Vec<PeriodKind>,
    timezone_name: String,
    timezone: TimeZone,
    retention: u32,
    bounds: ScoreBounds,
    rate_limits: RateLimits,
}

impl Board {
    pub fn id(&self) -> &BoardId {
        &self.id
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn order(&self) -> Order {
        self.order
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The periods this board keeps, never empty; the first is the default.
    pub fn periods(&self) -> &[PeriodKind] {
        &self.periods
    }

    /// The period a read without `?period=` uses.
    pub fn default_period(&self) -> PeriodKind {
        self.periods[0]
    }

    /// The IANA name, as configured.
    pub fn timezone_name(&self) -> &str {
        &self.timezone_name
    }

    pub fn timezone(&self) -> &TimeZone {
        &self.timezone
    }

    /// How many past periods stay readable.
    pub fn retention(&self) -> u32 {
        self.retention
    }

    pub fn bounds(&self) -> ScoreBounds {
        self.bounds
    }

    pub fn rate_limits(&self) -> RateLimits {
        self.rate_limits
    }

    /// The period kind named by a `?period=` parameter, or the default when there is none;
    /// refused when this board does not keep it.
    pub fn period_kind(&self, requested: Option<&str>) -> Result<PeriodKind, PeriodError> {
        let Some(name) = requested else {
            return Ok(self.default_period());
        };
        let kind = name.parse::<PeriodKind>()?;
        if self.periods.contains(&kind) {
            Ok(kind)
        } else {
            Err(PeriodError::NotOnBoard(kind))
        }
    }

    /// The current period of `kind` in this board's time zone.
    pub fn current_period(&self, kind: PeriodKind, now_ms: i64) -> Result<Period, PeriodError> {
        Period::current(kind, &self.timezone, now_ms)
    }

    /// The period a reader selects with `?at=YYYY-MM-DD`, within this board's retention.
    pub fn period_at(
        &self,
        kind: PeriodKind,
        at: &str,
        now_ms: i64,
    ) -> Result<Period, PeriodError> {
        Period::parse_at(kind, &self.timezone, at, now_ms, self.retention)
    }

    /// When the keys of `period` may expire; `None` for all time.
    pub fn expires_at_ms(&self, period: &Period) -> Result<Option<i64>, PeriodError> {
        period.expires_at_ms(&self.timezone, self.retention)
    }

    fn from_raw(index: usize, raw: RawBoard) -> Result<Board, ConfigError> {
        let id = BoardId::try_from(raw.id.as_str()).map_err(|error| ConfigError::InvalidId {
            index,
            id: raw.id.clone(),
            source: error.0,
        })?;
        let board = raw.id;
        let title = match &raw.title {
            Some(title) => check_label(title, MAX_TITLE_CHARS)
                .map_err(|source| ConfigError::InvalidTitle {
                    board: board.clone(),
                    source,
                })?
                .to_owned(),
            None => board.clone(),
        };
        let periods = raw.periods.unwrap_or_else(|| vec![PeriodKind::AllTime]);
        if periods.is_empty() {
            return Err(ConfigError::NoPeriods(board));
        }
        let repeated = (1..periods.len()).find(|&at| periods[..at].contains(&periods[at]));
        if let Some(at) = repeated {
            let period = periods[at];
            return Err(ConfigError::DuplicatePeriod { board, period });
        }
        let timezone_name = raw.timezone.unwrap_or_else(|| "UTC".to_owned());
        let timezone = TimeZone::get(&timezone_name).map_err(|_| ConfigError::UnknownTimeZone {
            board: board.clone(),
            timezone: timezone_name.clone(),
        })?;
        let retention = raw.retention.unwrap_or(DEFAULT_RETENTION);
        if retention > MAX_RETENTION {
            return Err(ConfigError::Retention { board, retention });
        }
        let bound = |value: Option<Value>, field: &'static str, default: Score| match value {
            None => Ok(default),
            Some(value) => Score::try_from(&value).map_err(|source| ConfigError::InvalidBound {
                board: board.clone(),
                field,
                source,
            }),
        };
        let min = bound(raw.min_score, "min_score", Score::MIN)?;
        let max = bound(raw.max_score, "max_score", Score::MAX)?;
        let bounds = ScoreBounds::new(min, max).map_err(|error| ConfigError::EmptyBounds {
            board: board.clone(),
            min: error.min,
            max: error.max,
        })?;
        let limit = |raw: Option<RawRateLimit>, subject: &'static str| {
            raw.map(|raw| RateLimit::new(raw.limit, raw.window_seconds, raw.algorithm))
                .transpose()
                .map_err(|source| ConfigError::InvalidRateLimit {
                    board: board.clone(),
                    subject,
                    source,
                })
        };
        let rate_limits = RateLimits {
            player: limit(raw.rate_limits.player, "player")?,
            ip: limit(raw.rate_limits.ip, "ip")?,
        };
        Ok(Board {
            id,
            title,
            order: raw.order,
            policy: raw.policy,
            periods,
            timezone_name,
            timezone,
            retention,
            bounds,
            rate_limits,
        })
    }
}

impl Board {
    /// One board as a JSON object, as an entry of `PODIUM_BOARDS` or the body of the board API,
    /// validated the same way (unknown fields refused).
    pub fn from_value(entry: Value) -> Result<Board, ConfigError> {
        let id = entry.get("id").and_then(Value::as_str).map(str::to_owned);
        let raw = RawBoard::deserialize(entry).map_err(|error| ConfigError::Invalid {
            index: 0,
            id,
            message: error.to_string(),
        })?;
        Board::from_raw(0, raw)
    }

    /// The board's whole configuration, every field explicit, as [`Board::from_value`] reads it
    /// back: what the registry stores, so a default changed later never changes a stored board.
    pub fn to_value(&self) -> Value {
        let limit = |limit: Option<RateLimit>| {
            limit.map(|limit| {
                serde_json::json!({
                    "limit": limit.limit(),
                    "window_seconds": limit.window_seconds(),
                    "algorithm": limit.algorithm(),
                })
            })
        };
        let mut rate_limits = serde_json::Map::new();
        for (subject, value) in [
            ("player", limit(self.rate_limits.player)),
            ("ip", limit(self.rate_limits.ip)),
        ] {
            if let Some(value) = value {
                rate_limits.insert(subject.to_owned(), value);
            }
        }
        serde_json::json!({
            "id": self.id.as_str(),
            "title": self.title,
            "order": self.order,
            "policy": self.policy,
            "periods": self.periods,
            "timezone": self.timezone_name,
            "retention": self.retention,
            "min_score": self.bounds.min().get(),
            "max_score": self.bounds.max().get(),
            "rate_limits": rate_limits,
        })
    }

    /// Why replacing this board's configuration by `new` would corrupt the data it already
    /// stores, or `None` when it would not: ranks stored under one order read backwards under
    /// the other; a `sum` total is not a best and a best is not a total; a removed period's keys
    /// would never be read nor purged again; another time zone names other local dates.
    pub fn unsafe_change(&self, new: &Board) -> Option<String> {
        if self.order != new.order {
            return Some(format!(
                "order {} → {} would reverse the stored ranks",
                self.order.as_str(),
                new.order.as_str()
            ));
        }
        if self.policy != new.policy && (self.policy == Policy::Sum || new.policy == Policy::Sum) {
            return Some(format!(
                "policy {} → {} would mix totals and single scores",
                self.policy.as_str(),
                new.policy.as_str()
            ));
        }
        if let Some(kind) = self.periods.iter().find(|kind| !new.periods.contains(kind)) {
            return Some(format!(
                "removing the {kind} period would leave its scores unreachable"
            ));
        }
        let dated = self.periods.iter().any(|&kind| kind != PeriodKind::AllTime);
        if dated && self.timezone_name != new.timezone_name {
            return Some(format!(
                "time zone {} → {} would change which stored period is current",
                self.timezone_name, new.timezone_name
            ));
        }
        None
    }
}

/// Every configured board, in configuration order.
#[derive(Debug, Clone, PartialEq)]
pub struct Boards {
    boards: Vec<Board>,
}

impl Boards {
    /// Parses and validates `PODIUM_BOARDS`.
    pub fn from_json(json: &str) -> Result<Boards, ConfigError> {
        let entries: Vec<Value> = serde_json::from_str(json)
            .map_err(|error| ConfigError::NotAnArray(error.to_string()))?;
        if entries.is_empty() {
            return Err(ConfigError::NoBoards);
        }
        let mut boards: Vec<Board> = Vec::with_capacity(entries.len());
        for (index, entry) in entries.into_iter().enumerate() {
            let id = entry.get("id").and_then(Value::as_str).map(str::to_owned);
            let raw = RawBoard::deserialize(entry).map_err(|error| ConfigError::Invalid {
                index,
                id,
                message: error.to_string(),
            })?;
            let board = Board::from_raw(index, raw)?;
            if boards.iter().any(|other| other.id == board.id) {
                return Err(ConfigError::DuplicateBoard(board.id.to_string()));
            }
            boards.push(board);
        }
        Ok(Boards { boards })
    }

    /// The boards of the local stack ([`LOCAL_BOARDS_JSON`]).
    pub fn local_default() -> Boards {
        Self::from_json(LOCAL_BOARDS_JSON).expect("the built-in board configuration is valid")
    }

    pub fn get(&self, id: &str) -> Option<&Board> {
        self.boards.iter().find(|board| board.id.as_str() == id)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Board> {
        self.boards.iter()
    }

    pub fn len(&self) -> usize {
        self.boards.len()
    }

    /// Always false for a validated configuration; here for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.boards.is_empty()
    }
}

impl<'a> IntoIterator for &'a Boards {
    type Item = &'a Board;
    type IntoIter = std::slice::Iter<'a, Board>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::MAX_SAFE_INTEGER;

    fn one(board: &str) -> Result<Boards, ConfigError> {
        Boards::from_json(&format!("[{board}]"))
    }

    fn error(board: &str) -> ConfigError {
        one(board).unwrap_err()
    }

    #[test]
    fn the_local_default_has_global_and_speedrun() {
        let boards = Boards::local_default();
        assert_eq!(boards.len(), 2);
        let global = boards.get("global").unwrap();
        assert_eq!(
            (global.order(), global.policy()),
            (Order::Higher, Policy::Best)
        );
        assert_eq!(global.periods(), [PeriodKind::AllTime, PeriodKind::Daily]);
        let player = global.rate_limits().player.unwrap();
        assert_eq!(
            (player.limit(), player.window_seconds(), player.algorithm()),
            (10, 10, Algorithm::Sliding)
        );
        let speedrun = boards.get("speedrun").unwrap();
        assert_eq!(
            (speedrun.order(), speedrun.policy()),
            (Order::Lower, Policy::Best)
        );
        assert_eq!(speedrun.periods(), [PeriodKind::AllTime]);
        assert_eq!(
            boards.iter().map(|b| b.id().as_str()).collect::<Vec<_>>(),
            ["global", "speedrun"]
        );
    }

    #[test]
    fn a_minimal_board_gets_the_defaults() {
        let boards = one(r#"{"id": "points"}"#).unwrap();
        let board = boards.get("points").unwrap();
        assert_eq!(board.title(), "points");
        assert_eq!(
            (board.order(), board.policy()),
            (Order::Higher, Policy::Best)
        );
        assert_eq!(board.default_period(), PeriodKind::AllTime);
        assert_eq!(board.timezone_name(), "UTC");
        assert_eq!(board.retention(), DEFAULT_RETENTION);
        assert_eq!(board.bounds(), ScoreBounds::FULL);
        assert_eq!(board.rate_limits(), RateLimits::default());
    }

    #[test]
    fn a_full_board_keeps_every_setting() {
        let boards = one(
            r#"{"id": "weekly-points", "title": " Weekly ", "order": "lower", "policy": "sum",
                "periods": ["weekly", "alltime"], "timezone": "Europe/Berlin", "retention": 3,
                "min_score": -5, "max_score": 9007199254740991,
                "rate_limits": {"ip": {"limit": 100, "window_seconds": 60, "algorithm": "token_bucket"}}}"#,
        )
        .unwrap();
        let board = boards.get("weekly-points").unwrap();
        assert_eq!(board.title(), "Weekly");
        assert_eq!((board.order(), board.policy()), (Order::Lower, Policy::Sum));
        assert_eq!(board.default_period(), PeriodKind::Weekly);
        assert_eq!(board.timezone(), &TimeZone::get("Europe/Berlin").unwrap());
        assert_eq!(board.retention(), 3);
        assert_eq!(
            (board.bounds().min().get(), board.bounds().max().get()),
            (-5, MAX_SAFE_INTEGER)
        );
        let ip = board.rate_limits().ip.unwrap();
        assert_eq!(
            (ip.limit(), ip.window_seconds(), ip.algorithm()),
            (100, 60, Algorithm::TokenBucket)
        );
        assert_eq!(board.rate_limits().player, None);
    }

    #[test]
    fn unknown_fields_are_refused_at_every_level() {
        for (board, field) in [
            (r#"{"id": "a", "colour": "red"}"#, "colour"),
            (
                r#"{"id": "a", "rate_limits": {"user": {"limit": 1, "window_seconds": 1}}}"#,
                "user",
            ),
            (
                r#"{"id": "a", "rate_limits": {"ip": {"limit": 1, "window_seconds": 1, "burst": 2}}}"#,
                "burst",
            ),
        ] {
            match error(board) {
                ConfigError::Invalid {
                    index: 0,
                    id,
                    message,
                } => {
                    assert_eq!(id.as_deref(), Some("a"));
                    assert!(
                        message.contains(&format!("unknown field `{field}`")),
                        "{message}"
                    );
                }
                other => panic!("{board}: {other:?}"),
            }
        }
    }

    #[test]
    fn enumerations_are_refused_with_the_allowed_values() {
        for board in [
            r#"{"id": "a", "order": "desc"}"#,
            r#"{"id": "a", "policy": "max"}"#,
            r#"{"id": "a", "periods": ["hourly"]}"#,
            r#"{"id": "a", "rate_limits": {"ip": {"limit": 1, "window_seconds": 1, "algorithm": "fixed"}}}"#,
        ] {
            assert!(
                matches!(error(board), ConfigError::Invalid { .. }),
                "{board}"
            );
        }
        assert!(
            error(r#"{"title": "no id"}"#)
                .to_string()
                .contains("missing field `id`")
        );
    }

    #[test]
    fn each_invalid_setting_has_a_clear_error() {
        assert!(matches!(
            error(r#"{"id": "a b"}"#),
            ConfigError::InvalidId {
                source: IdError::InvalidChar { .. },
                ..
            }
        ));
        assert!(matches!(
            error(&format!(r#"{{"id": "{}"}}"#, "x".repeat(33))),
            ConfigError::InvalidId {
                source: IdError::TooLong { .. },
                ..
            }
        ));
        assert!(matches!(
            error(r#"{"id": "a", "title": " "}"#),
            ConfigError::InvalidTitle { .. }
        ));
        assert_eq!(
            error(r#"{"id": "a", "periods": []}"#),
            ConfigError::NoPeriods("a".into())
        );
        assert_eq!(
            error(r#"{"id": "a", "periods": ["daily", "weekly", "daily"]}"#),
            ConfigError::DuplicatePeriod {
                board: "a".into(),
                period: PeriodKind::Daily
            }
        );
        assert_eq!(
            error(r#"{"id": "a", "timezone": "Mars/Olympus"}"#),
            ConfigError::UnknownTimeZone {
                board: "a".into(),
                timezone: "Mars/Olympus".into()
            }
        );
        assert_eq!(
            error(r#"{"id": "a", "retention": 1001}"#),
            ConfigError::Retention {
                board: "a".into(),
                retention: 1001
            }
        );
        assert!(matches!(
            error(r#"{"id": "a", "retention": -1}"#),
            ConfigError::Invalid { .. }
        ));
    }

    #[test]
    fn score_bounds_are_safe_integers_in_order() {
        for (bounds, field, source) in [
            (r#""min_score": 1.5"#, "min_score", ScoreError::Float),
            (
                r#""max_score": 9007199254740992"#,
                "max_score",
                ScoreError::Overflow,
            ),
            (r#""max_score": "10""#, "max_score", ScoreError::String),
        ] {
            assert_eq!(
                error(&format!(r#"{{"id": "a", {bounds}}}"#)),
                ConfigError::InvalidBound {
                    board: "a".into(),
                    field,
                    source
                }
            );
        }
        assert_eq!(
            error(r#"{"id": "a", "min_score": 10, "max_score": 10}"#),
            ConfigError::EmptyBounds {
                board: "a".into(),
                min: 10,
                max: 10
            }
        );
    }

    #[test]
    fn rate_limits_are_validated() {
        assert_eq!(
            error(r#"{"id": "a", "rate_limits": {"player": {"limit": 0, "window_seconds": 10}}}"#),
            ConfigError::InvalidRateLimit {
                board: "a".into(),
                subject: "player",
                source: RateLimitConfigError::Limit(0)
            }
        );
        assert!(matches!(
            error(r#"{"id": "a", "rate_limits": {"ip": {"limit": 5, "window_seconds": 0}}}"#),
            ConfigError::InvalidRateLimit { subject: "ip", .. }
        ));
    }

    #[test]
    fn the_document_must_be_a_non_empty_array_of_distinct_boards() {
        assert!(matches!(
            Boards::from_json("{}"),
            Err(ConfigError::NotAnArray(_))
        ));
        assert!(matches!(
            Boards::from_json("[{"),
            Err(ConfigError::NotAnArray(_))
        ));
        assert_eq!(Boards::from_json("[]"), Err(ConfigError::NoBoards));
        assert_eq!(
            Boards::from_json(r#"[{"id": "a"}, {"id": "b"}, {"id": "a"}]"#),
            Err(ConfigError::DuplicateBoard("a".into()))
        );
        let message = Boards::from_json(r#"[{"id": "a"}, {"id": "b", "x": 1}]"#)
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with(r#"board #1 ("b"): unknown field `x`"#),
            "{message}"
        );
    }

    #[test]
    fn reads_choose_among_the_boards_periods() {
        let boards = Boards::local_default();
        let global = boards.get("global").unwrap();
        assert_eq!(global.period_kind(None), Ok(PeriodKind::AllTime));
        assert_eq!(global.period_kind(Some("daily")), Ok(PeriodKind::Daily));
        assert_eq!(
            global.period_kind(Some("weekly")),
            Err(PeriodError::NotOnBoard(PeriodKind::Weekly))
        );
        assert_eq!(
            global.period_kind(Some("yearly")),
            Err(PeriodError::Unknown("yearly".into()))
        );
        let now = 1_795_000_000_000;
        let today = global.current_period(PeriodKind::Daily, now).unwrap();
        assert_eq!(
            global.expires_at_ms(&today).unwrap(),
            Some(today.end_ms().unwrap() + 7 * 86_400_000)
        );
        assert_eq!(
            global.period_at(PeriodKind::Daily, today.id(), now),
            Ok(today)
        );
    }

    #[test]
    fn a_board_reads_back_its_own_configuration() {
        for json in [
            r#"{"id": "points"}"#,
            r#"{"id": "w", "title": "W", "order": "lower", "policy": "sum",
                "periods": ["weekly", "alltime"], "timezone": "Europe/Berlin", "retention": 3,
                "min_score": -5, "max_score": 9007199254740991,
                "rate_limits": {"ip": {"limit": 100, "window_seconds": 60, "algorithm": "token_bucket"},
                                "player": {"limit": 3, "window_seconds": 9}}}"#,
        ] {
            let board = Board::from_value(serde_json::from_str(json).unwrap()).unwrap();
            let again = Board::from_value(board.to_value()).unwrap();
            assert_eq!(again, board, "{json}");
            assert_eq!(&one(json).unwrap().boards[0], &board);
        }
        let unknown = Board::from_value(serde_json::json!({"id": "a", "colour": 1})).unwrap_err();
        assert!(
            unknown.to_string().contains("unknown field `colour`"),
            "{unknown}"
        );
    }

    #[test]
    fn changes_that_would_corrupt_stored_scores_are_named() {
        let board = |json: serde_json::Value| Board::from_value(json).unwrap();
        let old =
            board(serde_json::json!({"id": "a", "policy": "sum", "periods": ["alltime", "daily"]}));
        let safe = board(serde_json::json!({"id": "a", "policy": "sum", "title": "A",
            "periods": ["alltime", "daily", "weekly"], "retention": 2, "max_score": 10,
            "rate_limits": {"player": {"limit": 1, "window_seconds": 1}}}));
        assert_eq!(old.unsafe_change(&safe), None);
        for (new, words) in [
            (
                serde_json::json!({"id": "a", "policy": "sum", "order": "lower", "periods": ["alltime", "daily"]}),
                "order",
            ),
            (
                serde_json::json!({"id": "a", "policy": "best", "periods": ["alltime", "daily"]}),
                "policy",
            ),
            (
                serde_json::json!({"id": "a", "policy": "sum", "periods": ["alltime"]}),
                "daily",
            ),
            (
                serde_json::json!({"id": "a", "policy": "sum", "periods": ["alltime", "daily"], "timezone": "Asia/Tokyo"}),
                "time zone",
            ),
        ] {
            let reason = old.unsafe_change(&board(new.clone())).unwrap_or_default();
            assert!(reason.contains(words), "{new}: {reason}");
        }
        let best = board(serde_json::json!({"id": "b"}));
        let latest =
            board(serde_json::json!({"id": "b", "policy": "latest", "timezone": "Asia/Tokyo"}));
        assert_eq!(
            best.unsafe_change(&latest),
            None,
            "best and latest both store one score; all time has no dates"
        );
    }

    #[test]
    fn orders_compare_scores_without_favouring_ties() {
        let (one, two) = (Score::try_from(1).unwrap(), Score::try_from(2).unwrap());
        assert!(Order::Higher.is_better(two, one) && !Order::Higher.is_better(one, two));
        assert!(Order::Lower.is_better(one, two) && !Order::Lower.is_better(two, one));
        assert!(!Order::Higher.is_better(one, one) && !Order::Lower.is_better(one, one));
    }
}
