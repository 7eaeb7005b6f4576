//! The request and response bodies of the API, as the API serialises them, the OpenAPI
//! document describes them (their JSON Schemas, with the `schema` feature) and the widget
//! reads them.
//!
//! Text fields are `Cow`s so the API can answer with borrowed strings, as the hottest routes
//! need, while readers decode owned ones. Fields are declared in alphabetical order: the order
//! they have always been sent in.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

#[cfg(feature = "schema")]
use crate::limits::{MAX_DISPLAY_NAME_CHARS, MAX_SAFE_INTEGER, MIN_SAFE_INTEGER};

/// A player id as new scores, sessions and paths take it: `[A-Za-z0-9_.:-]`, 1 to
/// [`MAX_PLAYER_ID_BYTES`](crate::MAX_PLAYER_ID_BYTES) bytes, not `.` or `..` (without a
/// lookahead, which not every JSON Schema validator supports). A test builds it from the limit.
pub const PLAYER_ID_PATTERN: &str = r"^([A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,63}|\.[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,62}|\.\.[A-Za-z0-9_.:-]{1,62})$";
/// A board id, as [`PLAYER_ID_PATTERN`] with [`MAX_BOARD_ID_BYTES`](crate::MAX_BOARD_ID_BYTES).
pub const BOARD_ID_PATTERN: &str = r"^([A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,31}|\.[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,30}|\.\.[A-Za-z0-9_.:-]{1,30})$";

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Health<'a> {
    pub status: Cow<'a, str>,
}

/// Which period an answer is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(rename = "Period")
)]
pub struct PeriodRef<'a> {
    /// The period's id: `all`, a local date, an ISO week or a month.
    pub id: Cow<'a, str>,
    /// `alltime`, `daily`, `weekly` or `monthly`.
    pub period: Cow<'a, str>,
}

/// One ranked player.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Entry<'a> {
    pub name: Option<Cow<'a, str>>,
    pub player: Cow<'a, str>,
    /// 1-based.
    pub rank: u64,
    pub score: i64,
}

/// Consecutive rows of a board: a `top` page, or a player's neighbours (`around`, which names
/// the player).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Page<'a> {
    pub board: Cow<'a, str>,
    pub entries: Vec<Entry<'a>>,
    /// `top?after=` this for the rows after the last entry; null when none follow (or the page
    /// is empty). Opaque; bound to this board and period.
    #[serde(default)]
    pub next: Option<Cow<'a, str>>,
    pub period: PeriodRef<'a>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player: Option<Cow<'a, str>>,
    /// `top?before=` this for the rows before the first entry; null when none precede it.
    #[serde(default)]
    pub prev: Option<Cow<'a, str>>,
    /// `around` only: whether the player has a score in the period. When false the answer is
    /// still 200, and `entries` is the top of the board (as wide as the window would be).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranked: Option<bool>,
    /// Unix ms of the period's next reset; null for all-time.
    pub resets_at: Option<i64>,
    /// Players in the period.
    pub total: u64,
}

/// One player's standing in one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlayerRank<'a> {
    pub board: Cow<'a, str>,
    pub name: Option<Cow<'a, str>>,
    pub period: PeriodRef<'a>,
    pub player: Cow<'a, str>,
    pub rank: u64,
    pub resets_at: Option<i64>,
    pub score: i64,
    pub total: u64,
}

/// The answer to a score write: the score after the board's policy, ranked in the board's
/// default period, which the answer names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Submitted<'a> {
    pub board: Cow<'a, str>,
    /// The stored score is better than before per the board's order, or is the first one.
    pub improved: bool,
    pub period: PeriodRef<'a>,
    pub player: Cow<'a, str>,
    pub previous_rank: Option<u64>,
    pub rank: u64,
    /// The default period's next reset (rank is in that period).
    pub resets_at: Option<i64>,
    pub score: i64,
}

/// One of a board's periods as it stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PeriodInfo<'a> {
    pub id: Cow<'a, str>,
    pub period: Cow<'a, str>,
    /// Unix ms of its next reset; null for all-time.
    pub resets_at: Option<i64>,
}

/// A board's public configuration and current periods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BoardInfo<'a> {
    pub id: Cow<'a, str>,
    /// `higher` or `lower` is better.
    pub order: Cow<'a, str>,
    pub periods: Vec<PeriodInfo<'a>>,
    /// `best`, `latest` or `sum`.
    pub policy: Cow<'a, str>,
    /// Retired: score writes are refused (`board_retired`); reads stay until it is purged.
    #[serde(default)]
    pub retired: bool,
    /// `config` for a `PODIUM_BOARDS` board, `registry` for one made through the board API.
    #[serde(default)]
    pub source: Cow<'a, str>,
    /// The IANA zone its periods reset in.
    pub timezone: Cow<'a, str>,
    /// For people; the id when the board has none.
    pub title: Cow<'a, str>,
    /// A registry board's version, which `If-Match: "<version>"` names; null for a configured one.
    #[serde(default)]
    pub version: Option<u64>,
}

/// `GET /v1/boards`: one page, in id order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Boards<'a> {
    pub boards: Vec<BoardInfo<'a>>,
    /// `?cursor=` for the next page; null on the last.
    #[serde(default)]
    pub next_cursor: Option<Cow<'a, str>>,
}

/// `PUT /v1/boards/{board}`: a board as an entry of `PODIUM_BOARDS` takes it (`id` may be left
/// out; when present it must be the path's). Only what is sent changes from the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewBoard {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(regex(pattern = BOARD_ID_PATTERN)))]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `higher` (default) or `lower`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// `best` (default), `latest` or `sum`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Of `alltime` (default), `daily`, `weekly`, `monthly`; the first is the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periods: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_score: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_score: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limits: Option<NewRateLimits>,
}

/// A board's write limits, per player and per client address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRateLimits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player: Option<NewRateLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<NewRateLimit>,
}

/// `limit` writes per `window_seconds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRateLimit {
    pub limit: u32,
    pub window_seconds: u32,
    /// `sliding` (default) or `token_bucket`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
}

/// `POST /v1/boards/{board}/retire`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Retirement<'a> {
    pub board: Cow<'a, str>,
    /// With `?purge=true`: whether data remains to delete (call again); false once the board is
    /// gone and its id free.
    pub remaining: bool,
}

/// A short-lived player session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Session<'a> {
    /// Seconds it lives.
    pub expires_in: u64,
    pub player: Cow<'a, str>,
    /// The bearer token for the player's own writes.
    pub token: Cow<'a, str>,
}

/// `POST /v1/boards/{board}/scores`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewScore {
    #[cfg_attr(feature = "schema", schemars(regex(pattern = PLAYER_ID_PATTERN)))]
    pub player: String,
    /// Kept as its JSON text: a number too large for a double (`1e400`) is then
    /// `score_out_of_range` rather than a parse failure of the whole body.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "i64", range(min = MIN_SAFE_INTEGER, max = MAX_SAFE_INTEGER))
    )]
    pub score: Box<RawValue>,
    /// Display name; null is the same as leaving it out.
    #[cfg_attr(feature = "schema", schemars(length(max = MAX_DISPLAY_NAME_CHARS)))]
    pub name: Option<String>,
}

/// `POST /v1/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    #[cfg_attr(feature = "schema", schemars(regex(pattern = PLAYER_ID_PATTERN)))]
    pub player: String,
    /// Display name; null is the same as leaving it out.
    #[cfg_attr(feature = "schema", schemars(length(max = MAX_DISPLAY_NAME_CHARS)))]
    pub name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{MAX_BOARD_ID_BYTES, MAX_PLAYER_ID_BYTES};

    fn id_pattern(max: usize) -> String {
        let (rest, after_dot) = (max - 1, max - 2);
        format!(
            r"^([A-Za-z0-9_:-][A-Za-z0-9_.:-]{{0,{rest}}}|\.[A-Za-z0-9_:-][A-Za-z0-9_.:-]{{0,{after_dot}}}|\.\.[A-Za-z0-9_.:-]{{1,{after_dot}}})$"
        )
    }

    #[test]
    fn the_id_patterns_follow_the_limits() {
        assert_eq!(PLAYER_ID_PATTERN, id_pattern(MAX_PLAYER_ID_BYTES));
        assert_eq!(BOARD_ID_PATTERN, id_pattern(MAX_BOARD_ID_BYTES));
    }

    #[test]
    fn a_page_reads_back_what_it_wrote_with_the_fields_in_their_order() {
        let page = Page {
            board: "global".into(),
            entries: vec![Entry {
                name: None,
                player: "alice".into(),
                rank: 1,
                score: 10,
            }],
            period: PeriodRef {
                id: "all".into(),
                period: "alltime".into(),
            },
            next: None,
            player: None,
            prev: None,
            ranked: None,
            resets_at: None,
            total: 1,
        };
        let json = serde_json::to_string(&page).expect("serialises");
        assert_eq!(
            json,
            r#"{"board":"global","entries":[{"name":null,"player":"alice","rank":1,"score":10}],"next":null,"period":{"id":"all","period":"alltime"},"prev":null,"resets_at":null,"total":1}"#
        );
        assert_eq!(
            serde_json::from_str::<Page>(&json).expect("reads back"),
            page
        );
    }
}
