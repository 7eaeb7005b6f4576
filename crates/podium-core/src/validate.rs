//! Validated newtypes for what clients and operators send: player and board ids, display names
//! and scores.
//!
//! A value of one of these types is valid by construction, so nothing past the API boundary checks
//! again. Scores are integers within ±(2^53−1): the range in which an IEEE double (a Redis
//! sorted-set score, a Lua number, a JavaScript number) holds every integer exactly.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

// The limits are the API's (`podium-wire`), stated once for the API, its document and the widget.
pub use podium_wire::{
    MAX_AROUND_RADIUS, MAX_BOARD_ID_BYTES, MAX_DISPLAY_NAME_CHARS, MAX_PAGE_SIZE,
    MAX_PLAYER_ID_BYTES, MAX_SAFE_INTEGER, MIN_SAFE_INTEGER,
};

/// Why a player or board id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} bytes, got {len}")]
    TooLong { len: usize, max: usize },
    #[error("may only contain A-Z, a-z, 0-9, '_', '.', ':' and '-', found {found:?} at byte {at}")]
    InvalidChar { found: char, at: usize },
    #[error("must not be {0:?}: URLs resolve it as a path step, so no route could name it")]
    DotSegment(&'static str),
}

/// A refused player id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid player id: {0}")]
pub struct PlayerIdError(pub IdError);

/// A refused board id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid board id: {0}")]
pub struct BoardIdError(pub IdError);

/// The charset keeps ids safe inside Redis keys (no `{`/`}` to break a hash tag), URLs and logs.
/// `.` and `..` are refused as well: every URL parser (workerd's, browsers', and `%2E%2E`
/// spelled out too) resolves them as dot-segments, so `DELETE …/players/..` would arrive as a
/// request for the board itself. No other id in the charset is changed by URL normalisation.
fn check_id(id: &str, max: usize) -> Result<(), IdError> {
    check_stored_id(id, max)?;
    match id {
        "." => Err(IdError::DotSegment(".")),
        ".." => Err(IdError::DotSegment("..")),
        _ => Ok(()),
    }
}

/// [`check_id`] without the dot-segment rule, which came later: ids already stored as `.` or
/// `..` stay readable and removable through routes that carry the id in the query.
fn check_stored_id(id: &str, max: usize) -> Result<(), IdError> {
    if id.is_empty() {
        return Err(IdError::Empty);
    }
    if id.len() > max {
        return Err(IdError::TooLong { len: id.len(), max });
    }
    match id
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-')))
    {
        Some((at, found)) => Err(IdError::InvalidChar { found, at }),
        None => Ok(()),
    }
}

macro_rules! string_newtype {
    ($name:ident, $error:ty, $check:expr) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $error;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                let check: fn(String) -> Result<String, $error> = $check;
                check(value).map(Self)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = $error;
            fn try_from(value: &str) -> Result<Self, Self::Error> {
                Self::try_from(value.to_owned())
            }
        }

        impl FromStr for $name {
            type Err = $error;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Self::try_from(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}

/// A player id: 1 to [`MAX_PLAYER_ID_BYTES`] bytes of `[A-Za-z0-9_.:-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlayerId(String);

string_newtype!(PlayerId, PlayerIdError, |id| {
    check_id(&id, MAX_PLAYER_ID_BYTES).map_err(PlayerIdError)?;
    Ok(id)
});

impl PlayerId {
    /// A player id as it may already be stored: like [`PlayerId::try_from`], but `.` and `..`
    /// (accepted before they were refused) are allowed, so that such players can still be read
    /// and removed. For lookups only; new scores and sessions go through `try_from`.
    pub fn stored(id: &str) -> Result<Self, PlayerIdError> {
        check_stored_id(id, MAX_PLAYER_ID_BYTES).map_err(PlayerIdError)?;
        Ok(Self(id.to_owned()))
    }
}

/// A board id: like a [`PlayerId`], at most [`MAX_BOARD_ID_BYTES`] bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BoardId(String);

string_newtype!(BoardId, BoardIdError, |id| {
    check_id(&id, MAX_BOARD_ID_BYTES).map_err(BoardIdError)?;
    Ok(id)
});

/// Why a display name (or a board title) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters, got {chars}")]
    TooLong { chars: usize, max: usize },
    #[error("must not contain control characters, found U+{code:04X} at character {at}")]
    ControlChar { code: u32, at: usize },
    #[error(
        "must not contain bidirectional overrides, which reorder the text around it, found U+{code:04X} at character {at}"
    )]
    BidiOverride { code: u32, at: usize },
    #[error("must not contain line or paragraph separators, found U+{code:04X} at character {at}")]
    Separator { code: u32, at: usize },
    #[error("must show at least one visible character, not only zero-width or invisible ones")]
    Invisible,
}

/// Embeddings, overrides and isolates (U+202A–202E, U+2066–2069) can make a name display
/// reversed or bleed into the rest of a leaderboard row.
fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Zero-width spaces, joiners, fillers and combining marks have no width: a name of only those
/// looks empty on a board, or impersonates a blank row. The Hangul choseong filler is the one
/// default-ignorable code point that `unicode-width` gives a width (it composes with jamo), and
/// shows nothing on its own.
fn is_visible(c: char) -> bool {
    c != '\u{115F}' && unicode_width::UnicodeWidthChar::width(c).is_some_and(|width| width > 0)
}

/// Trims `text` and checks it as a short human-readable label of at most `max` characters.
pub(crate) fn check_label(text: &str, max: usize) -> Result<&str, NameError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(NameError::Empty);
    }
    for (at, c) in trimmed.chars().enumerate() {
        if c.is_control() {
            return Err(NameError::ControlChar { code: c.into(), at });
        }
        if is_bidi_override(c) {
            return Err(NameError::BidiOverride { code: c.into(), at });
        }
        // U+2028 and U+2029 (Zl, Zp) break lines like a newline, and JavaScript before ES2019
        // read them as line ends even inside string literals.
        if matches!(c, '\u{2028}' | '\u{2029}') {
            return Err(NameError::Separator { code: c.into(), at });
        }
    }
    if !trimmed.chars().any(is_visible) {
        return Err(NameError::Invisible);
    }
    let chars = trimmed.chars().count();
    if chars > max {
        return Err(NameError::TooLong { chars, max });
    }
    Ok(trimmed)
}

/// A display name, trimmed: 1 to [`MAX_DISPLAY_NAME_CHARS`] characters, no control characters,
/// no bidirectional overrides.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

string_newtype!(DisplayName, NameError, |name| {
    let trimmed = check_label(&name, MAX_DISPLAY_NAME_CHARS)?;
    Ok(if trimmed.len() == name.len() {
        name
    } else {
        trimmed.to_owned()
    })
});

/// Why a score was refused; each way of getting it wrong has its own variant so that clients
/// get a precise message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    #[error("score is not valid JSON")]
    InvalidJson,
    #[error("score must be a JSON integer, not a string")]
    String,
    #[error("score must be a JSON integer, not a boolean")]
    Boolean,
    #[error(
        "score must be a JSON integer, not null (JSON.stringify turns NaN and Infinity into null)"
    )]
    Null,
    #[error("score must be a JSON integer, not an array")]
    Array,
    #[error("score must be a JSON integer, not an object")]
    Object,
    #[error("score must be an integer, without a fraction, decimal point or exponent")]
    Float,
    #[error("score must not be negative zero")]
    NegativeZero,
    #[error("score must be a finite integer: NaN and Infinity are not JSON numbers")]
    NonFinite,
    #[error("score must be between {MIN_SAFE_INTEGER} and {MAX_SAFE_INTEGER}")]
    Overflow,
    #[error("score must be at least {min} on this board")]
    BelowMin { min: i64 },
    #[error("score must be at most {max} on this board")]
    AboveMax { max: i64 },
}

impl ScoreError {
    /// True when the value was an integer, just not an acceptable one: clients get
    /// `score_out_of_range` rather than `invalid_score`.
    pub fn is_out_of_range(self) -> bool {
        matches!(
            self,
            Self::Overflow | Self::BelowMin { .. } | Self::AboveMax { .. }
        )
    }
}

/// An integer score within ±(2^53−1).
///
/// Built from a [`serde_json::Value`] with `TryFrom`, from raw JSON text with `FromStr`, or from
/// an `i64` with `TryFrom`; board bounds are checked by [`ScoreBounds`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Score(i64);

impl Score {
    pub const MIN: Score = Score(MIN_SAFE_INTEGER);
    pub const MAX: Score = Score(MAX_SAFE_INTEGER);

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Score> for i64 {
    fn from(score: Score) -> i64 {
        score.0
    }
}

impl TryFrom<i64> for Score {
    type Error = ScoreError;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        if (MIN_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&value) {
            Ok(Score(value))
        } else {
            Err(ScoreError::Overflow)
        }
    }
}

impl TryFrom<&Value> for Score {
    type Error = ScoreError;

    /// The magnitude is judged before the form, so `1e300` is an overflow and `1.5` a float.
    fn try_from(value: &Value) -> Result<Self, Self::Error> {
        let number = match value {
            Value::Number(number) => number,
            Value::String(_) => return Err(ScoreError::String),
            Value::Bool(_) => return Err(ScoreError::Boolean),
            Value::Null => return Err(ScoreError::Null),
            Value::Array(_) => return Err(ScoreError::Array),
            Value::Object(_) => return Err(ScoreError::Object),
        };
        if let Some(integer) = number.as_i64() {
            return Score::try_from(integer);
        }
        if number.as_u64().is_some() {
            return Err(ScoreError::Overflow);
        }
        // serde_json reads `-0`, fractions, exponents and integers beyond u64 as doubles.
        let float = number.as_f64().ok_or(ScoreError::NonFinite)?;
        if !float.is_finite() {
            Err(ScoreError::NonFinite)
        } else if float == 0.0 && float.is_sign_negative() {
            Err(ScoreError::NegativeZero)
        } else if float.fract() == 0.0 && float.abs() > MAX_SAFE_INTEGER as f64 {
            Err(ScoreError::Overflow)
        } else {
            Err(ScoreError::Float)
        }
    }
}

impl TryFrom<Value> for Score {
    type Error = ScoreError;
    fn try_from(value: Value) -> Result<Self, Self::Error> {
        Score::try_from(&value)
    }
}

impl FromStr for Score {
    type Err = ScoreError;

    /// Parses raw JSON text, such as a `RawValue` taken from a request body, so that the
    /// non-JSON spellings `NaN` and `Infinity` and numbers too large for a double get their own
    /// errors instead of a generic parse failure.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim_matches([' ', '\t', '\n', '\r']);
        if is_non_finite_text(text) {
            return Err(ScoreError::NonFinite);
        }
        match serde_json::from_str::<Value>(text) {
            Ok(value) => Score::try_from(&value),
            // serde_json refuses numbers beyond the range of a double (`1e400`).
            Err(_) if is_json_number(text) => Err(ScoreError::Overflow),
            Err(_) => Err(ScoreError::InvalidJson),
        }
    }
}

/// `NaN`, `Infinity`, `-Infinity`, `inf`…: what Python's `json.dumps` and others write for
/// non-finite numbers.
fn is_non_finite_text(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    ["nan", "infinity", "inf"]
        .iter()
        .any(|spelling| unsigned.eq_ignore_ascii_case(spelling))
}

/// A non-negative whole number written as JSON writes it (`0|[1-9][0-9]*`): the grammar of the
/// bodies, used for query parameters too, so `+5`, `05`, `5.0` and `1e2` are refused in both.
pub fn parse_whole_number(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let json_integer = match bytes {
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    json_integer.then(|| text.parse().ok()).flatten()
}

/// True when `text` follows the JSON number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(text: &str) -> bool {
    fn digits(bytes: &[u8]) -> usize {
        bytes.iter().take_while(|b| b.is_ascii_digit()).count()
    }
    let bytes = text.as_bytes();
    let mut at = usize::from(bytes.first() == Some(&b'-'));
    match bytes.get(at) {
        Some(b'0') => at += 1,
        Some(b'1'..=b'9') => at += digits(&bytes[at..]),
        _ => return false,
    }
    if bytes.get(at) == Some(&b'.') {
        let fraction = digits(&bytes[at + 1..]);
        if fraction == 0 {
            return false;
        }
        at += 1 + fraction;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let exponent = digits(&bytes[at..]);
        if exponent == 0 {
            return false;
        }
        at += exponent;
    }
    at == bytes.len()
}

/// Why a pair of score bounds was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("min_score ({min}) must be less than max_score ({max})")]
pub struct BoundsError {
    pub min: i64,
    pub max: i64,
}

/// A board's inclusive score bounds, `min < max`, both within ±(2^53−1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScoreBounds {
    min: Score,
    max: Score,
}

impl ScoreBounds {
    /// Every score a double holds exactly.
    pub const FULL: ScoreBounds = ScoreBounds {
        min: Score::MIN,
        max: Score::MAX,
    };

    pub fn new(min: Score, max: Score) -> Result<Self, BoundsError> {
        if min < max {
            Ok(Self { min, max })
        } else {
            Err(BoundsError {
                min: min.get(),
                max: max.get(),
            })
        }
    }

    pub fn min(self) -> Score {
        self.min
    }

    pub fn max(self) -> Score {
        self.max
    }

    /// The score, if these bounds allow it.
    pub fn check(self, score: Score) -> Result<Score, ScoreError> {
        if score < self.min {
            Err(ScoreError::BelowMin {
                min: self.min.get(),
            })
        } else if score > self.max {
            Err(ScoreError::AboveMax {
                max: self.max.get(),
            })
        } else {
            Ok(score)
        }
    }

    /// Parses a JSON score and checks it against these bounds.
    pub fn parse(self, value: &Value) -> Result<Score, ScoreError> {
        self.check(Score::try_from(value)?)
    }
}

impl Default for ScoreBounds {
    fn default() -> Self {
        Self::FULL
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn player_ids_accept_the_documented_charset_and_lengths() {
        for id in [
            "a",
            "Player_1",
            "team.red:alice-2",
            &"x".repeat(MAX_PLAYER_ID_BYTES),
        ] {
            assert_eq!(PlayerId::try_from(id).unwrap().as_str(), id);
        }
    }

    #[test]
    fn player_ids_refuse_empty_long_and_foreign_characters() {
        assert_eq!(PlayerId::try_from(""), Err(PlayerIdError(IdError::Empty)));
        assert_eq!(
            PlayerId::try_from("x".repeat(MAX_PLAYER_ID_BYTES + 1)),
            Err(PlayerIdError(IdError::TooLong { len: 65, max: 64 }))
        );
        assert_eq!(
            "ali ce".parse::<PlayerId>(),
            Err(PlayerIdError(IdError::InvalidChar { found: ' ', at: 3 }))
        );
        for id in ["a{b}", "é", "a/b", "a\nb", "a*"] {
            assert!(PlayerId::try_from(id).is_err(), "{id:?}");
        }
    }

    #[test]
    fn board_ids_are_shorter_than_player_ids() {
        assert!(BoardId::try_from("x".repeat(MAX_BOARD_ID_BYTES)).is_ok());
        assert_eq!(
            BoardId::try_from("x".repeat(MAX_BOARD_ID_BYTES + 1)),
            Err(BoardIdError(IdError::TooLong { len: 33, max: 32 }))
        );
    }

    #[test]
    fn ids_deserialize_through_validation() {
        let id: PlayerId = serde_json::from_value(json!("bob")).unwrap();
        assert_eq!(id.as_str(), "bob");
        assert!(serde_json::from_value::<PlayerId>(json!("bo b")).is_err());
        assert_eq!(serde_json::to_value(&id).unwrap(), json!("bob"));
    }

    #[test]
    fn display_names_are_trimmed_and_counted_in_characters() {
        assert_eq!(DisplayName::try_from("  Zoë  ").unwrap().as_str(), "Zoë");
        let longest = "é".repeat(MAX_DISPLAY_NAME_CHARS);
        assert_eq!(
            DisplayName::try_from(longest.as_str()).unwrap().as_str(),
            longest
        );
        assert_eq!(
            DisplayName::try_from("é".repeat(MAX_DISPLAY_NAME_CHARS + 1)),
            Err(NameError::TooLong { chars: 33, max: 32 })
        );
        assert_eq!(DisplayName::try_from(" \t "), Err(NameError::Empty));
    }

    #[test]
    fn display_names_refuse_control_characters_and_bidi_overrides() {
        assert_eq!(
            DisplayName::try_from("a\u{0007}b"),
            Err(NameError::ControlChar { code: 7, at: 1 })
        );
        assert_eq!(
            DisplayName::try_from("a\nb"),
            Err(NameError::ControlChar { code: 10, at: 1 })
        );
        for (name, code) in [
            ("\u{202E}evil", 0x202E),
            ("x\u{202A}", 0x202A),
            ("\u{2066}x", 0x2066),
            ("\u{2069}x", 0x2069),
        ] {
            let error = DisplayName::try_from(name).unwrap_err();
            assert!(
                matches!(error, NameError::BidiOverride { code: c, .. } if c == code),
                "{name:?}"
            );
        }
        // Marks just outside the ranges are ordinary text.
        assert!(DisplayName::try_from("a\u{202F}b").is_ok());
        assert!(DisplayName::try_from("a\u{206A}b").is_ok());
    }

    #[test]
    fn display_names_refuse_separators_and_names_with_nothing_visible() {
        assert_eq!(
            DisplayName::try_from("a\u{2028}b"),
            Err(NameError::Separator {
                code: 0x2028,
                at: 1
            })
        );
        assert_eq!(
            DisplayName::try_from("x\u{2029}y"),
            Err(NameError::Separator {
                code: 0x2029,
                at: 1
            })
        );
        // At either end they are white space, trimmed like any other.
        assert_eq!(
            DisplayName::try_from("\u{2029}x").map(String::from),
            Ok("x".to_owned())
        );
        for name in [
            "\u{200B}",
            "\u{200B}\u{200B}\u{200B}",
            "\u{200C}\u{200D}",
            "\u{2060}",
            "\u{FEFF}",
            "\u{00AD}",
            "\u{3164}",
            "\u{115F}\u{1160}",
            "\u{0301}",
            "\u{FE0F}",
            " \u{200B} ",
        ] {
            assert_eq!(
                DisplayName::try_from(name),
                Err(NameError::Invisible),
                "{name:?}"
            );
        }
        // Invisible characters beside visible ones are text: joiners inside emoji, for one.
        for name in ["a\u{200B}b", "👩\u{200D}🚀", "e\u{0301}", "❤\u{FE0F}"] {
            assert!(DisplayName::try_from(name).is_ok(), "{name:?}");
        }
    }

    #[test]
    fn whole_numbers_follow_the_json_grammar() {
        for (text, value) in [
            ("0", 0),
            ("5", 5),
            ("100", 100),
            ("18446744073709551615", u64::MAX),
        ] {
            assert_eq!(parse_whole_number(text), Some(value), "{text:?}");
        }
        for text in [
            "",
            "+5",
            "-0",
            "-1",
            "05",
            "00",
            "5.0",
            "1e2",
            " 5",
            "5 ",
            "0x10",
            "18446744073709551616",
        ] {
            assert_eq!(parse_whole_number(text), None, "{text:?}");
        }
    }

    #[test]
    fn ids_are_never_dot_segments() {
        for id in [".", ".."] {
            assert_eq!(
                PlayerId::try_from(id),
                Err(PlayerIdError(IdError::DotSegment(if id == "." {
                    "."
                } else {
                    ".."
                })))
            );
            assert!(BoardId::try_from(id).is_err(), "{id:?}");
            // Stored before the rule: still readable and removable by id.
            assert_eq!(PlayerId::stored(id).map(String::from), Ok(id.to_owned()));
        }
        for id in ["...", ".a", "a.", "a..b", "..a", "._"] {
            assert!(PlayerId::try_from(id).is_ok(), "{id:?}");
            assert!(BoardId::try_from(id).is_ok(), "{id:?}");
        }
        for id in ["", "a b", "/"] {
            assert!(PlayerId::stored(id).is_err(), "{id:?}");
        }
    }

    #[test]
    fn scores_accept_integers_up_to_the_safe_limit() {
        for (value, expected) in [
            (json!(0), 0),
            (json!(-17), -17),
            (json!(MAX_SAFE_INTEGER), MAX_SAFE_INTEGER),
            (json!(MIN_SAFE_INTEGER), MIN_SAFE_INTEGER),
        ] {
            assert_eq!(Score::try_from(&value).unwrap().get(), expected);
        }
    }

    #[test]
    fn scores_refuse_each_non_integer_with_its_own_error() {
        for (value, error) in [
            (json!("12"), ScoreError::String),
            (json!(true), ScoreError::Boolean),
            (json!(null), ScoreError::Null),
            (json!([1]), ScoreError::Array),
            (json!({"v": 1}), ScoreError::Object),
            (json!(1.0), ScoreError::Float),
            (json!(1.5), ScoreError::Float),
            (json!(-0.0), ScoreError::NegativeZero),
            (json!(MAX_SAFE_INTEGER + 1), ScoreError::Overflow),
            (json!(MIN_SAFE_INTEGER - 1), ScoreError::Overflow),
            (json!(u64::MAX), ScoreError::Overflow),
        ] {
            assert_eq!(Score::try_from(&value), Err(error), "{value}");
        }
    }

    #[test]
    fn scores_from_raw_json_text() {
        for (text, expected) in [
            ("42", Ok(42)),
            (" -42\n", Ok(-42)),
            ("9007199254740991", Ok(MAX_SAFE_INTEGER)),
            ("9007199254740992", Err(ScoreError::Overflow)),
            ("-9007199254740992", Err(ScoreError::Overflow)),
            ("100000000000000000000000", Err(ScoreError::Overflow)),
            ("1e400", Err(ScoreError::Overflow)),
            ("1e300", Err(ScoreError::Overflow)),
            ("1.0", Err(ScoreError::Float)),
            ("1e3", Err(ScoreError::Float)),
            ("0.0", Err(ScoreError::Float)),
            ("-0", Err(ScoreError::NegativeZero)),
            ("-0.0", Err(ScoreError::NegativeZero)),
            ("NaN", Err(ScoreError::NonFinite)),
            ("Infinity", Err(ScoreError::NonFinite)),
            ("-Infinity", Err(ScoreError::NonFinite)),
            ("\"5\"", Err(ScoreError::String)),
            ("false", Err(ScoreError::Boolean)),
            ("null", Err(ScoreError::Null)),
            ("0x10", Err(ScoreError::InvalidJson)),
            ("01", Err(ScoreError::InvalidJson)),
            ("", Err(ScoreError::InvalidJson)),
        ] {
            assert_eq!(text.parse::<Score>().map(Score::get), expected, "{text:?}");
        }
    }

    #[test]
    fn the_json_number_grammar_is_strict() {
        for text in ["0", "-0", "12", "1.5", "1e5", "1E+5", "-1.25e-3"] {
            assert!(is_json_number(text), "{text}");
        }
        for text in ["", "-", "01", "1.", ".5", "1e", "1e+", "+1", "1x", "NaN"] {
            assert!(!is_json_number(text), "{text}");
        }
    }

    #[test]
    fn only_range_errors_are_out_of_range() {
        assert!(ScoreError::Overflow.is_out_of_range());
        assert!(ScoreError::AboveMax { max: 1 }.is_out_of_range());
        assert!(!ScoreError::Float.is_out_of_range());
        assert!(!ScoreError::NonFinite.is_out_of_range());
    }

    #[test]
    fn bounds_are_inclusive_and_ordered() {
        let bounds = ScoreBounds::new(Score(0), Score(100)).unwrap();
        assert_eq!(bounds.parse(&json!(0)), Ok(Score(0)));
        assert_eq!(bounds.parse(&json!(100)), Ok(Score(100)));
        assert_eq!(
            bounds.parse(&json!(-1)),
            Err(ScoreError::BelowMin { min: 0 })
        );
        assert_eq!(
            bounds.parse(&json!(101)),
            Err(ScoreError::AboveMax { max: 100 })
        );
        assert_eq!(bounds.parse(&json!(1.5)), Err(ScoreError::Float));
        assert_eq!(
            ScoreBounds::new(Score(5), Score(5)),
            Err(BoundsError { min: 5, max: 5 })
        );
        assert_eq!(ScoreBounds::default(), ScoreBounds::FULL);
    }
}
