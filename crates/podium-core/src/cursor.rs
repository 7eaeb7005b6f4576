//! Page cursors: where a walk over a board goes on, as `top?after=` and `top?before=` take them.
//!
//! # Design
//!
//! A board is read in one total order of `(score, member)` pairs (score first, then the
//! tie-break member's bytes; both reversed on higher-is-better boards, see [`tiebreak`]). A
//! cursor is the pair of one entry, so "the entries after this cursor" is well defined whatever
//! happened to the board since it was made: an entry whose score did not change keeps its pair
//! and so its side of every cursor. A walk by `next` cursors therefore meets each such entry
//! exactly once, however the others move; the read script finds the cursor's place with
//! `ZRANK` of its member, or, when that entry has moved since, by counting (see `range.lua`).
//!
//! A cursor is also bound to the board and period it was made for: one from another board or
//! period names a place in another order and is refused ([`CursorError::Mismatch`]).
//!
//! # Format
//!
//! Opaque to clients: base64url (no padding) of `1` (the format's version), the board id, the
//! period's kind and id, the score and the member, separated by newlines, none of which a field
//! can hold. At most [`MAX_CURSOR_BYTES`] as text.
//!
//! [`tiebreak`]: crate::tiebreak

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::api_error::{ApiError, ErrorCode};
use crate::period::Period;
use crate::tiebreak;
use crate::validate::{BoardId, MAX_SAFE_INTEGER, PlayerId, parse_whole_number};

/// The format's version, the first field of every cursor.
pub const CURSOR_VERSION: &str = "1";
/// Longest cursor text accepted; the longest one made (32-byte board id, 64-byte player id, a
/// week's period id and a 16-digit score) is under 250.
pub const MAX_CURSOR_BYTES: usize = 512;

const SEPARATOR: char = '\n';

/// A place in one period of one board: the `(score, member)` of the entry it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub score: i64,
    /// The entry's sorted-set member (`<16 hex digits>:<player>`).
    pub member: String,
}

/// Why a cursor was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// Not a cursor this API made: bad base64, another version, a missing or malformed field.
    #[error("not a cursor of this API: pass next or prev as a page gave it")]
    Malformed,
    /// A well-formed cursor of another board or period.
    #[error(
        "this cursor belongs to board {board:?}, period {period} {period_id}: start again from the first page"
    )]
    Mismatch {
        board: String,
        period: String,
        period_id: String,
    },
}

impl From<CursorError> for ApiError {
    fn from(error: CursorError) -> Self {
        let code = match error {
            CursorError::Malformed => ErrorCode::InvalidCursor,
            CursorError::Mismatch { .. } => ErrorCode::CursorMismatch,
        };
        Self::new(code, error.to_string())
    }
}

impl Cursor {
    /// The cursor of the entry `(score, member)` in `period` of `board`, as clients get it.
    pub fn encode(&self, board: &BoardId, period: &Period) -> String {
        let fields = [
            CURSOR_VERSION,
            board.as_str(),
            period.kind().as_str(),
            period.id(),
            &self.score.to_string(),
            &self.member,
        ];
        URL_SAFE_NO_PAD.encode(fields.join("\n"))
    }

    /// A cursor text read back for `period` of `board`: refused unless this API made it for
    /// exactly that board and period.
    pub fn decode(text: &str, board: &BoardId, period: &Period) -> Result<Self, CursorError> {
        if text.len() > MAX_CURSOR_BYTES {
            return Err(CursorError::Malformed);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| CursorError::Malformed)?;
        let text = String::from_utf8(bytes).map_err(|_| CursorError::Malformed)?;
        let fields: Vec<&str> = text.split(SEPARATOR).collect();
        let [version, cursor_board, kind, period_id, score, member] = fields[..] else {
            return Err(CursorError::Malformed);
        };
        if version != CURSOR_VERSION {
            return Err(CursorError::Malformed);
        }
        let score = parse_score(score).ok_or(CursorError::Malformed)?;
        let well_formed_member =
            tiebreak::player_of(member).is_some_and(|player| PlayerId::stored(player).is_ok());
        if !well_formed_member || BoardId::try_from(cursor_board).is_err() {
            return Err(CursorError::Malformed);
        }
        if cursor_board != board.as_str()
            || kind != period.kind().as_str()
            || period_id != period.id()
        {
            return Err(CursorError::Mismatch {
                board: cursor_board.to_owned(),
                period: kind.to_owned(),
                period_id: period_id.to_owned(),
            });
        }
        Ok(Self {
            score,
            member: member.to_owned(),
        })
    }
}

/// A score as [`Cursor::encode`] writes it: an optional `-` and a whole number without leading
/// zeros (never `-0`), within ±(2^53−1).
fn parse_score(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(digits) if digits != "0" => (true, digits),
        Some(_) => return None,
        None => (false, text),
    };
    let magnitude = i64::try_from(parse_whole_number(digits)?).ok()?;
    (magnitude <= MAX_SAFE_INTEGER).then_some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TimeZone;
    use crate::board::Order;
    use crate::period::PeriodKind;

    /// 2026-11-25T12:00:00Z.
    const T0: i64 = 1_795_608_000_000;

    fn board(id: &str) -> BoardId {
        BoardId::try_from(id).unwrap()
    }

    fn period(kind: PeriodKind, now_ms: i64) -> Period {
        Period::current(kind, &TimeZone::UTC, now_ms).unwrap()
    }

    fn cursor(score: i64, player: &str) -> Cursor {
        Cursor {
            score,
            member: tiebreak::member(Order::Higher, 7, &PlayerId::try_from(player).unwrap()),
        }
    }

    #[test]
    fn cursors_round_trip_for_their_board_and_period() {
        let (global, daily) = (board("global"), period(PeriodKind::Daily, T0));
        for cursor in [
            cursor(0, "alice"),
            cursor(-MAX_SAFE_INTEGER, "a"),
            cursor(MAX_SAFE_INTEGER, &"p".repeat(64)),
            cursor(12, "team:x.y-z_1"),
        ] {
            let text = cursor.encode(&global, &daily);
            assert!(text.len() <= MAX_CURSOR_BYTES, "{text}");
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "URL-safe: {text}"
            );
            assert_eq!(Cursor::decode(&text, &global, &daily), Ok(cursor));
        }
    }

    #[test]
    fn the_longest_cursor_fits() {
        let weekly = period(PeriodKind::Weekly, T0);
        let text =
            cursor(-MAX_SAFE_INTEGER, &"p".repeat(64)).encode(&board(&"b".repeat(32)), &weekly);
        assert!(text.len() < 250, "{}", text.len());
    }

    #[test]
    fn a_cursor_of_another_board_or_period_is_a_mismatch() {
        let (global, alltime) = (board("global"), period(PeriodKind::AllTime, T0));
        let text = cursor(5, "alice").encode(&global, &alltime);
        let other_board = Cursor::decode(&text, &board("other"), &alltime);
        assert!(matches!(other_board, Err(CursorError::Mismatch { .. })));
        let daily = period(PeriodKind::Daily, T0);
        let yesterday = period(PeriodKind::Daily, T0 - 86_400_000);
        let text = cursor(5, "alice").encode(&global, &yesterday);
        for (period, case) in [(&daily, "the next day"), (&alltime, "another kind")] {
            let error = Cursor::decode(&text, &global, period).unwrap_err();
            assert!(matches!(error, CursorError::Mismatch { .. }), "{case}");
            assert_eq!(ApiError::from(error).code, ErrorCode::CursorMismatch);
        }
    }

    #[test]
    fn anything_else_is_malformed() {
        let (global, alltime) = (board("global"), period(PeriodKind::AllTime, T0));
        let encode = |text: &str| URL_SAFE_NO_PAD.encode(text);
        let member = cursor(1, "alice").member;
        let long = "A".repeat(MAX_CURSOR_BYTES + 1);
        let cases = [
            String::new(),
            "not base64!".to_owned(),
            "YQ=".to_owned(),
            long,
            encode("garbage"),
            encode(&format!("2\nglobal\nalltime\nall\n1\n{member}")),
            encode(&format!("1\nglobal\nalltime\nall\n1.5\n{member}")),
            encode(&format!("1\nglobal\nalltime\nall\n+1\n{member}")),
            encode(&format!(
                "1\nglobal\nalltime\nall\n9007199254740992\n{member}"
            )),
            encode(&format!("1\nglobal\nalltime\nall\n\n{member}")),
            encode("1\nglobal\nalltime\nall\n1\nalice"),
            encode("1\nglobal\nalltime\nall\n1\n0000000000000001:a b"),
            encode(&format!("1\nglobal\nalltime\nall\n1\n{member}\nextra")),
            encode("1\nglobal\nalltime\nall\n1"),
            encode(&format!("1\nbad board\nalltime\nall\n1\n{member}")),
            URL_SAFE_NO_PAD.encode([0xff, 0xfe, b'\n']),
        ];
        for text in cases {
            let error = Cursor::decode(&text, &global, &alltime);
            assert_eq!(error, Err(CursorError::Malformed), "{text:?}");
        }
        let error = ApiError::from(CursorError::Malformed);
        assert_eq!(
            (error.code, error.status()),
            (ErrorCode::InvalidCursor, 400)
        );
    }
}
