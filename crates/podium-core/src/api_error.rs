//! The worker API's errors: one table of stable codes, each with its HTTP status, sent as
//! `{"error":{"code":"…","message":"…"}}`.
//!
//! Clients branch on `code`, never on `message`, so codes never change meaning; messages are for
//! people and never carry internal details (an upstream's error text stays in the logs).

use std::fmt;
use std::str::FromStr;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::period::PeriodError;
use crate::validate::{BoardIdError, NameError, PlayerIdError, ScoreError};

macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident => $code:literal, $status:literal;)*) => {
        /// A stable error code of the API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[doc = $doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in table order.
            pub const ALL: &'static [ErrorCode] = &[$(Self::$variant,)*];

            /// The code as sent to clients.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }

            /// The HTTP status of a response carrying this code.
            pub fn status(self) -> u16 {
                match self {
                    $(Self::$variant => $status,)*
                }
            }
        }
    };
}

error_codes! {
    InvalidJson => "invalid_json", 400;
    InvalidScore => "invalid_score", 400;
    ScoreOutOfRange => "score_out_of_range", 400;
    InvalidPlayer => "invalid_player", 400;
    InvalidName => "invalid_name", 400;
    UnknownField => "unknown_field", 400;
    InvalidParameter => "invalid_parameter", 400;
    MissingParameter => "missing_parameter", 400;
    /// A page cursor (`after`, `before`) this API did not make: pass `next` or `prev` as given.
    InvalidCursor => "invalid_cursor", 400;
    /// A page cursor of another board or period (a daily board's cursor after its reset, say).
    CursorMismatch => "cursor_mismatch", 400;
    UnsupportedMediaType => "unsupported_media_type", 415;
    BodyTooLarge => "body_too_large", 413;
    UnknownBoard => "unknown_board", 404;
    /// A board configuration (`PUT /v1/boards/{board}`) that `PODIUM_BOARDS` would refuse too.
    InvalidBoard => "invalid_board", 400;
    /// A score write to a retired board; its reads stay until it is purged.
    BoardRetired => "board_retired", 410;
    /// The board is a `PODIUM_BOARDS` seed: the board API cannot change it.
    BoardFromConfig => "board_from_config", 409;
    /// A change that would corrupt the board's stored scores, without `?reset=true`.
    UnsafeBoardChange => "unsafe_board_change", 409;
    /// `If-Match` names another version than the board's current one.
    PreconditionFailed => "precondition_failed", 412;
    UnknownPeriod => "unknown_period", 400;
    PlayerNotFound => "player_not_found", 404;
    Unauthorized => "unauthorized", 401;
    Forbidden => "forbidden", 403;
    /// The server key on an admin route of a deployment that has `PODIUM_ADMIN_KEY`.
    AdminKeyRequired => "admin_key_required", 403;
    RateLimited => "rate_limited", 429;
    MethodNotAllowed => "method_not_allowed", 405;
    NotFound => "not_found", 404;
    UpstreamUnavailable => "upstream_unavailable", 503;
    UpstreamTimeout => "upstream_timeout", 504;
    Internal => "internal", 500;
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ErrorCode {
    type Err = UnknownErrorCode;
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|known| known.as_str() == code)
            .ok_or(UnknownErrorCode)
    }
}

/// A string that is not one of the API's error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown error code")]
pub struct UnknownErrorCode;

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// An error answer of the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// What went wrong behind a 5xx, for the operator's log; never part of the response.
    pub cause: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            cause: None,
        }
    }

    pub fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The response body.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an ApiError always serialises")
    }

    /// For failures whose details must stay out of responses.
    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "internal error")
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "no such route")
    }

    pub fn unknown_board(board: &str) -> Self {
        Self::new(ErrorCode::UnknownBoard, format!("no board named {board:?}"))
    }

    pub fn player_not_found(player: &str) -> Self {
        Self::new(
            ErrorCode::PlayerNotFound,
            format!("player {player:?} has no score in this period"),
        )
    }

    /// A query parameter the route will not guess: what a destructive route destroys, or the
    /// player of a query-form route.
    pub fn missing_parameter(name: &str, hint: &str) -> Self {
        Self::new(
            ErrorCode::MissingParameter,
            format!("?{name}= is required here: {hint}"),
        )
    }

    pub fn body_too_large(max_bytes: usize) -> Self {
        Self::new(
            ErrorCode::BodyTooLarge,
            format!("request body must be at most {max_bytes} bytes"),
        )
    }

    /// The error for a request body that serde could not read into the expected shape: an
    /// unknown field gets `unknown_field`, anything else (syntax, a missing field, a wrong type)
    /// `invalid_json`.
    pub fn from_body_error(error: &serde_json::Error) -> Self {
        let message = error.to_string();
        let code = if error.is_data() && message.starts_with("unknown field") {
            ErrorCode::UnknownField
        } else {
            ErrorCode::InvalidJson
        };
        Self::new(code, message)
    }
}

/// `{"error":{"code":…,"message":…}}`.
impl Serialize for ApiError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            code: ErrorCode,
            message: &'a str,
        }
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(
            "error",
            &Body {
                code: self.code,
                message: &self.message,
            },
        )?;
        map.end()
    }
}

impl From<ScoreError> for ApiError {
    fn from(error: ScoreError) -> Self {
        let code = if error.is_out_of_range() {
            ErrorCode::ScoreOutOfRange
        } else {
            ErrorCode::InvalidScore
        };
        Self::new(code, error.to_string())
    }
}

impl From<PlayerIdError> for ApiError {
    fn from(error: PlayerIdError) -> Self {
        Self::new(ErrorCode::InvalidPlayer, error.to_string())
    }
}

/// A board id that is not even well formed names no board.
impl From<BoardIdError> for ApiError {
    fn from(error: BoardIdError) -> Self {
        Self::new(ErrorCode::UnknownBoard, error.to_string())
    }
}

impl From<NameError> for ApiError {
    fn from(error: NameError) -> Self {
        Self::new(ErrorCode::InvalidName, format!("invalid name: {error}"))
    }
}

/// Every period error is about what the reader asked for, except an instant out of range,
/// which only a broken clock produces.
impl From<PeriodError> for ApiError {
    fn from(error: PeriodError) -> Self {
        match error {
            PeriodError::OutOfRange => Self::internal(),
            other => Self::new(ErrorCode::UnknownPeriod, other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashSet;

    #[test]
    fn the_table_maps_every_code_to_its_status() {
        let expected = [
            ("invalid_json", 400),
            ("invalid_score", 400),
            ("score_out_of_range", 400),
            ("invalid_player", 400),
            ("invalid_name", 400),
            ("unknown_field", 400),
            ("invalid_parameter", 400),
            ("missing_parameter", 400),
            ("invalid_cursor", 400),
            ("cursor_mismatch", 400),
            ("unsupported_media_type", 415),
            ("body_too_large", 413),
            ("unknown_board", 404),
            ("invalid_board", 400),
            ("board_retired", 410),
            ("board_from_config", 409),
            ("unsafe_board_change", 409),
            ("precondition_failed", 412),
            ("unknown_period", 400),
            ("player_not_found", 404),
            ("unauthorized", 401),
            ("forbidden", 403),
            ("admin_key_required", 403),
            ("rate_limited", 429),
            ("method_not_allowed", 405),
            ("not_found", 404),
            ("upstream_unavailable", 503),
            ("upstream_timeout", 504),
            ("internal", 500),
        ];
        let actual: Vec<_> = ErrorCode::ALL
            .iter()
            .map(|code| (code.as_str(), code.status()))
            .collect();
        assert_eq!(actual, expected);
    }

    #[test]
    fn codes_are_unique_and_parse_back() {
        let names: HashSet<_> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        for &code in ErrorCode::ALL {
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(code));
        }
        assert_eq!("teapot".parse::<ErrorCode>(), Err(UnknownErrorCode));
    }

    #[test]
    fn errors_serialise_in_the_documented_envelope() {
        let error = ApiError::new(ErrorCode::RateLimited, "slow down");
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            json!({"error": {"code": "rate_limited", "message": "slow down"}})
        );
        assert_eq!(
            error.to_json(),
            r#"{"error":{"code":"rate_limited","message":"slow down"}}"#
        );
        assert_eq!(error.status(), 429);
    }

    #[test]
    fn validation_errors_map_to_their_codes() {
        assert_eq!(
            ApiError::from(ScoreError::Float).code,
            ErrorCode::InvalidScore
        );
        assert_eq!(
            ApiError::from(ScoreError::NonFinite).code,
            ErrorCode::InvalidScore
        );
        assert_eq!(
            ApiError::from(ScoreError::Overflow).code,
            ErrorCode::ScoreOutOfRange
        );
        assert_eq!(
            ApiError::from(ScoreError::AboveMax { max: 10 }).code,
            ErrorCode::ScoreOutOfRange
        );
        let player = crate::PlayerId::try_from("a b").unwrap_err();
        assert_eq!(ApiError::from(player).code, ErrorCode::InvalidPlayer);
        let board = crate::BoardId::try_from("").unwrap_err();
        assert_eq!(ApiError::from(board).code, ErrorCode::UnknownBoard);
        let name = crate::DisplayName::try_from("").unwrap_err();
        assert_eq!(ApiError::from(name).code, ErrorCode::InvalidName);
        let period = PeriodError::Unknown("hourly".into());
        assert_eq!(ApiError::from(period).code, ErrorCode::UnknownPeriod);
        let period = PeriodError::NotOnBoard(crate::PeriodKind::Weekly);
        assert_eq!(ApiError::from(period).code, ErrorCode::UnknownPeriod);
        assert_eq!(
            ApiError::from(PeriodError::OutOfRange),
            ApiError::internal()
        );
    }

    #[test]
    fn body_errors_distinguish_unknown_fields_from_bad_json() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[expect(dead_code, reason = "only the shape of the body matters here")]
        struct Body {
            player: String,
        }
        let classify = |text: &str| {
            ApiError::from_body_error(&serde_json::from_str::<Body>(text).unwrap_err()).code
        };
        assert_eq!(
            classify(r#"{"player": "a", "extra": 1}"#),
            ErrorCode::UnknownField
        );
        assert_eq!(classify(r#"{"player": "a""#), ErrorCode::InvalidJson);
        assert_eq!(classify(r#"{"player": 5}"#), ErrorCode::InvalidJson);
        assert_eq!(classify("{}"), ErrorCode::InvalidJson);
    }

    #[test]
    fn internal_errors_reveal_nothing() {
        assert_eq!(
            ApiError::internal().to_json(),
            r#"{"error":{"code":"internal","message":"internal error"}}"#
        );
    }
}
