//! What a request carries besides its path: query parameters, JSON bodies, the period it names.
//! One grammar for each, so every route reads them alike.

use podium_board::BoardError;
use podium_core::{ApiError, Board, ErrorCode, Period, PlayerId, parse_whole_number};
use podium_wire::{MAX_BODY_BYTES, Query};

use crate::http::ApiRequest;

/// The period a read or reset asks for: `?period=` (default: the board's first) and
/// optionally `?at=YYYY-MM-DD` for a past one still retained.
pub(crate) fn period(board: &Board, request: &ApiRequest, now_ms: i64) -> Result<Period, ApiError> {
    let requested = request.query_param(Query::Period.name());
    let kind = board.period_kind(requested.as_deref())?;
    Ok(match request.query_param(Query::At.name()) {
        Some(at) => board.period_at(kind, &at, now_ms)?,
        None => board.current_period(kind, now_ms)?,
    })
}

/// A whole-number query parameter within `min..=max`, `default` when absent.
pub(crate) fn number(
    request: &ApiRequest,
    query: Query,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ApiError> {
    let name = query.name();
    let Some(text) = request.query_param(name) else {
        return Ok(default);
    };
    parse_whole_number(&text)
        .filter(|value| (min..=max).contains(value))
        .ok_or_else(|| invalid(name, &text, &format!("a whole number from {min} to {max}")))
}

pub(crate) fn invalid(name: &str, value: &str, expected: &str) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidParameter,
        format!("{name}={value:?} is not valid: expected {expected}"),
    )
}

/// Where a player route takes its player id from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PlayerRef<'a> {
    /// `…/players/{player}`: any id a new score could have.
    Path(&'a str),
    /// `…/players?id={player}`: also the ids `.` and `..` stored before they were refused, which
    /// no path can carry (URL parsers resolve them as dot-segments).
    Query,
}

impl PlayerRef<'_> {
    pub(crate) fn resolve(self, request: &ApiRequest) -> Result<PlayerId, ApiError> {
        match self {
            Self::Path(player) => Ok(PlayerId::try_from(player)?),
            Self::Query => {
                let id = request.query_param(Query::Id.name()).ok_or_else(|| {
                    ApiError::missing_parameter("id", "name the player: ?id=<player id>")
                })?;
                Ok(PlayerId::stored(&id)?)
            }
        }
    }
}

/// The body as `B`, within [`MAX_BODY_BYTES`] and sent as `application/json` (or untyped).
pub(crate) fn json_body<B: serde::de::DeserializeOwned>(
    request: &ApiRequest,
) -> Result<B, ApiError> {
    if request.body.len() > MAX_BODY_BYTES {
        return Err(ApiError::body_too_large(MAX_BODY_BYTES));
    }
    // The media type without parameters (`; charset=utf-8`) must be exactly application/json:
    // a prefix test would also take `application/jsonp` or `application/json-seq`.
    if let Some(content_type) = request.header("content-type")
        && !content_type
            .split(';')
            .next()
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
    {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the body as application/json",
        ));
    }
    serde_json::from_slice(&request.body).map_err(|error| ApiError::from_body_error(&error))
}

/// A board operation's failure as the client sees it: the store's own words stay in the log.
pub(crate) fn board_error(error: BoardError) -> ApiError {
    let message = match error.code() {
        ErrorCode::UpstreamUnavailable => "the leaderboard store is unreachable",
        ErrorCode::UpstreamTimeout => "the leaderboard store did not answer in time",
        ErrorCode::Internal => "internal error",
        _ => return ApiError::new(error.code(), error.to_string()),
    };
    ApiError::new(error.code(), message).with_cause(error.to_string())
}
