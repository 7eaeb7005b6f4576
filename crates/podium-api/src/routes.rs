//! The routes. Each handler validates everything before touching Redis, so a bad request
//! costs no round trip and changes nothing.

use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use podium_board::{
    BoardError, LimitedBy, Page, PlayerRank, Refusal, SubmitOutcome, Writer, create_session,
    end_session, remove_player, reset_period, submit_score,
};
use podium_core::{
    ApiError, BlockCache, Board, DisplayName, ErrorCode, Period, PlayerId, RateLimitResult,
    RateLimitSubject, Score, bearer_token, parse_whole_number,
};
use podium_redis::{Client, Transport};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::auth::{Caller, caller};
use crate::config::{ApiConfig, MAX_BODY_BYTES};
use crate::http::{ApiRequest, ApiResponse, decode};
use crate::openapi::openapi_json;

/// Default and largest page sizes and around-radius.
const DEFAULT_LIMIT: usize = 10;
const DEFAULT_RADIUS: u32 = 5;

/// The API over one Upstash REST client. Keep one per isolate: it holds the block cache.
pub struct Api<T: Transport> {
    config: ApiConfig,
    client: Client<T>,
    /// Identifiers refused by a rate limit until their reset: refused again without Redis.
    blocked: Mutex<BlockCache>,
    /// Where the causes of 5xx answers go (the answers themselves stay generic).
    error_log: fn(&str),
}

impl<T: Transport> std::fmt::Debug for Api<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

type Handled = Result<ApiResponse, ApiError>;

impl<T: Transport> Api<T> {
    pub fn new(config: ApiConfig, client: Client<T>) -> Self {
        Self {
            config,
            client,
            blocked: Mutex::new(BlockCache::new()),
            error_log: |_| {},
        }
    }

    /// Sends one line per 5xx answer, with its cause (never a secret), to `log`.
    pub fn with_error_log(mut self, log: fn(&str)) -> Self {
        self.error_log = log;
        self
    }

    pub fn config(&self) -> &ApiConfig {
        &self.config
    }

    /// `response` with the CORS headers this request's `Origin` gets (none for origins off the
    /// allow list), replacing any it had: for responses served from an edge cache.
    pub fn with_cors(&self, request: &ApiRequest, response: ApiResponse) -> ApiResponse {
        response.with_cors(request, &self.config.cors_origins)
    }

    /// Answers one request. `now_ms` is the current time; `random` draws 32 fresh bytes from
    /// the platform's CSPRNG (`None` if it failed), called only when a session is created.
    pub async fn handle(
        &self,
        request: &ApiRequest,
        now_ms: i64,
        random: impl FnOnce() -> Option<[u8; 32]>,
    ) -> ApiResponse {
        let response = if request.method == "OPTIONS" {
            Ok(preflight())
        } else {
            self.route(request, now_ms, random).await
        };
        response
            .unwrap_or_else(|error| {
                if error.status() >= 500 {
                    let cause = error.cause.as_deref().unwrap_or(&error.message);
                    (self.error_log)(&format!(
                        "{} {} answered {} {}: {cause}",
                        request.method,
                        request.path,
                        error.status(),
                        error.code
                    ));
                }
                ApiResponse::error(&error)
            })
            .with_cors(request, &self.config.cors_origins)
    }

    async fn route(
        &self,
        request: &ApiRequest,
        now_ms: i64,
        random: impl FnOnce() -> Option<[u8; 32]>,
    ) -> Handled {
        let segments: Vec<String> = request
            .path
            .trim_matches('/')
            .split('/')
            .map(decode)
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let method = request.method.as_str();
        match (method, segments.as_slice()) {
            ("GET" | "HEAD", ["v1", "health"]) => self.health().await,
            ("GET" | "HEAD", ["v1", "openapi.json"]) => Ok(openapi()),
            ("GET" | "HEAD", ["v1", "boards"]) => Ok(self.boards(now_ms)),
            ("GET" | "HEAD", ["v1", "boards", board, "top"]) => {
                self.top(request, board, now_ms).await
            }
            ("GET" | "HEAD", ["v1", "boards", board, "players", player]) => {
                self.player(request, board, PlayerRef::Path(player), now_ms)
                    .await
            }
            ("GET" | "HEAD", ["v1", "boards", board, "players"]) => {
                self.player(request, board, PlayerRef::Query, now_ms).await
            }
            ("GET" | "HEAD", ["v1", "boards", board, "players", player, "around"]) => {
                self.around(request, board, player, now_ms).await
            }
            ("POST", ["v1", "sessions"]) => self.create_session(request, random).await,
            ("DELETE", ["v1", "sessions", "current"]) => self.end_session(request).await,
            ("POST", ["v1", "boards", board, "scores"]) => {
                self.submit(request, board, now_ms).await
            }
            ("DELETE", ["v1", "boards", board, "players", player]) => {
                self.remove_player(request, board, PlayerRef::Path(player), now_ms)
                    .await
            }
            ("DELETE", ["v1", "boards", board, "players"]) => {
                self.remove_player(request, board, PlayerRef::Query, now_ms)
                    .await
            }
            ("DELETE", ["v1", "boards", board]) => self.reset(request, board, now_ms).await,
            (_, path) if known_path(path) => Err(ApiError::new(
                ErrorCode::MethodNotAllowed,
                format!("{method} is not allowed here"),
            )),
            _ => Err(ApiError::not_found()),
        }
    }

    async fn health(&self) -> Handled {
        match self.client.ping().await {
            Ok(_) => Ok(ApiResponse::json(200, &json!({"status": "ok"}))),
            Err(error) => Err(ApiError::new(
                BoardError::from(error).code(),
                "the leaderboard store is unreachable",
            )),
        }
    }

    fn boards(&self, now_ms: i64) -> ApiResponse {
        let boards: Vec<Value> = self
            .config
            .boards
            .iter()
            .map(|board| {
                let periods: Vec<Value> = board
                    .periods()
                    .iter()
                    .filter_map(|&kind| board.current_period(kind, now_ms).ok())
                    .map(|period| {
                        json!({
                            "period": period.kind().as_str(),
                            "id": period.id(),
                            "resets_at": period.end_ms(),
                        })
                    })
                    .collect();
                json!({
                    "id": board.id().as_str(),
                    "title": board.title(),
                    "order": board.order().as_str(),
                    "policy": board.policy().as_str(),
                    "timezone": board.timezone_name(),
                    "periods": periods,
                })
            })
            .collect();
        ApiResponse::json(200, &json!({ "boards": boards }))
    }

    async fn top(&self, request: &ApiRequest, board: &str, now_ms: i64) -> Handled {
        let board = self.board(board)?;
        let period = period(board, request, now_ms)?;
        let limit = number_param(request, "limit", DEFAULT_LIMIT as u64, 1, 100)? as usize;
        let offset = number_param(request, "offset", 0, 0, 1_000_000)?;
        let ties_shared = match request.query_param("ties").as_deref() {
            None | Some("arrival") => false,
            Some("shared") => true,
            Some(other) => return Err(invalid_parameter("ties", other, "arrival or shared")),
        };
        let page = podium_board::top(&self.client, board, &period, limit, offset, ties_shared)
            .await
            .map_err(board_error)?;
        let body = page_json(board, &period, &page);
        Ok(ApiResponse::json(200, &body).cacheable(request, self.config.cache_seconds))
    }

    async fn player(
        &self,
        request: &ApiRequest,
        board: &str,
        player: PlayerRef<'_>,
        now_ms: i64,
    ) -> Handled {
        let board = self.board(board)?;
        let player = player.resolve(request)?;
        let period = period(board, request, now_ms)?;
        let rank = podium_board::player(&self.client, board, &period, &player)
            .await
            .map_err(board_error)?
            .ok_or_else(|| ApiError::player_not_found(player.as_str()))?;
        let body = player_json(board, &period, &rank);
        // Live (max-age 0: a player sees their own write at once), but an unchanged answer is a 304.
        Ok(ApiResponse::json(200, &body).cacheable(request, 0))
    }

    async fn around(
        &self,
        request: &ApiRequest,
        board: &str,
        player: &str,
        now_ms: i64,
    ) -> Handled {
        let board = self.board(board)?;
        let player = PlayerId::try_from(player)?;
        let period = period(board, request, now_ms)?;
        let radius = number_param(request, "radius", u64::from(DEFAULT_RADIUS), 0, 50)? as u32;
        let page = podium_board::around(&self.client, board, &period, &player, radius)
            .await
            .map_err(board_error)?
            .ok_or_else(|| ApiError::player_not_found(player.as_str()))?;
        let mut body = page_json(board, &period, &page);
        body["player"] = json!(player.as_str());
        // Polled by the widget for the viewer's pinned row: live like the player read, and an
        // unchanged neighbourhood is a 304.
        Ok(ApiResponse::json(200, &body).cacheable(request, 0))
    }

    async fn create_session(
        &self,
        request: &ApiRequest,
        random: impl FnOnce() -> Option<[u8; 32]>,
    ) -> Handled {
        caller(&self.config, &self.client, request)
            .await?
            .require_server()?;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct NewSession {
            player: String,
            name: Option<String>,
        }
        let body: NewSession = json_body(request)?;
        let player = PlayerId::try_from(body.player.as_str())?;
        let name = body
            .name
            .as_deref()
            .map(DisplayName::try_from)
            .transpose()?;
        let random = random().ok_or_else(|| {
            ApiError::new(ErrorCode::Internal, "the platform's random source failed")
        })?;
        let token = URL_SAFE_NO_PAD.encode(random);
        create_session(
            &self.client,
            &self.config.boards,
            &player,
            name.as_ref(),
            self.config.session_ttl_secs,
            &token,
        )
        .await
        .map_err(board_error)?;
        let body = json!({
            "token": token,
            "player": player.as_str(),
            "expires_in": self.config.session_ttl_secs,
        });
        Ok(ApiResponse::json(201, &body).with_header("cache-control", "no-store"))
    }

    async fn end_session(&self, request: &ApiRequest) -> Handled {
        match caller(&self.config, &self.client, request).await? {
            Caller::Player(token) => {
                end_session(&self.client, &self.config.boards, &token)
                    .await
                    .map_err(board_error)?;
                Ok(ApiResponse::no_content())
            }
            _ => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "send the session token to end it",
            )),
        }
    }

    async fn submit(&self, request: &ApiRequest, board: &str, now_ms: i64) -> Handled {
        let board = self.board(board)?;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct NewScore {
            player: String,
            /// Kept as its JSON text: a number too large for a double (`1e400`) is then
            /// `score_out_of_range` rather than a parse failure of the whole body.
            score: Box<RawValue>,
            name: Option<String>,
        }
        let body: NewScore = json_body(request)?;
        let player = PlayerId::try_from(body.player.as_str())?;
        let score = board.bounds().check(body.score.get().parse::<Score>()?)?;
        let name = body
            .name
            .as_deref()
            .map(DisplayName::try_from)
            .transpose()?;
        // The server key is checked here; a session token is checked by the write script
        // itself, so that a player's write is still one round trip.
        let token = request.header("authorization").map(|header| {
            bearer_token(header).ok_or_else(|| {
                ApiError::new(ErrorCode::Unauthorized, "use Authorization: Bearer <token>")
            })
        });
        let writer = match token.transpose()? {
            Some(token) if self.config.server_key.matches(token) => Writer::Server,
            Some(token) => Writer::Session(token),
            None => {
                return Err(ApiError::new(
                    ErrorCode::Unauthorized,
                    "writes need a player session or the server key",
                ));
            }
        };
        if let Some(refusal) = self.blocked(board, &player, writer, request, now_ms) {
            return Ok(refusal);
        }
        let outcome = submit_score(
            &self.client,
            board,
            writer,
            &player,
            score,
            name.as_ref(),
            request.client_address,
            now_ms,
        )
        .await
        .map_err(board_error)?;
        match outcome {
            SubmitOutcome::Accepted(written) => {
                // The rank is the one in the board's default period, so that is the period
                // (and reset time) the answer names.
                let period = board
                    .current_period(board.default_period(), now_ms)
                    .map_err(|error| ApiError::new(ErrorCode::Internal, error.to_string()))?;
                let body = ScoreWritten {
                    board: board.id().as_str(),
                    improved: written.improved,
                    period: PeriodJson::new(&period),
                    player: player.as_str(),
                    previous_rank: written.previous_rank,
                    rank: written.rank,
                    resets_at: period.end_ms(),
                    score: written.score,
                };
                let response = ApiResponse::json(200, &body);
                Ok(match &written.rate_limit {
                    Some(limit) => response.with_rate_limit(limit, now_ms),
                    None => response,
                })
            }
            SubmitOutcome::RateLimited(refusal) => {
                self.block(board, &player, writer, request, refusal, now_ms);
                Ok(rate_limited(&refusal.result, now_ms))
            }
            SubmitOutcome::NoSession => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "the token is not a valid server key or live session",
            )),
            SubmitOutcome::OtherPlayer => Err(ApiError::new(
                ErrorCode::Forbidden,
                "a session may only write its own player's scores",
            )),
        }
    }

    /// Refuses without a Redis call when the script refused this writer recently, for this
    /// player's limit or this address's, and that window has not reset yet, with the same
    /// headers (`Retry-After`, `RateLimit-*`) as the refusal the script made.
    fn blocked(
        &self,
        board: &Board,
        player: &PlayerId,
        writer: Writer<'_>,
        request: &ApiRequest,
        now_ms: i64,
    ) -> Option<ApiResponse> {
        let mut blocked = self
            .blocked
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if blocked.is_empty() {
            return None;
        }
        let writer = WriterTag::new(writer);
        let refusal = [LimitedBy::Player, LimitedBy::Address]
            .into_iter()
            .filter_map(|by| block_key(board, by, player, request, &writer))
            .filter_map(|key| blocked.refusal(&key, now_ms))
            .max_by_key(|refusal| refusal.reset)?;
        Some(rate_limited(&refusal, now_ms))
    }

    /// Remembers the script's refusal under the limit that refused (the player's or the
    /// address's) and the writer it refused, so that it is never answered to a write the script
    /// would accept: the same player from another address after an address refusal, or a caller
    /// the script has not authenticated.
    fn block(
        &self,
        board: &Board,
        player: &PlayerId,
        writer: Writer<'_>,
        request: &ApiRequest,
        refusal: Refusal,
        now_ms: i64,
    ) {
        let writer = WriterTag::new(writer);
        if let Some(key) = block_key(board, refusal.by, player, request, &writer) {
            self.blocked
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .block(&key, &refusal.result, now_ms);
        }
    }

    async fn remove_player(
        &self,
        request: &ApiRequest,
        board: &str,
        player: PlayerRef<'_>,
        now_ms: i64,
    ) -> Handled {
        let board = self.board(board)?;
        let player = player.resolve(request)?;
        caller(&self.config, &self.client, request)
            .await?
            .require_server()?;
        let removed = remove_player(&self.client, board, &player, now_ms)
            .await
            .map_err(board_error)?;
        if removed == 0 {
            return Err(ApiError::player_not_found(player.as_str()));
        }
        Ok(ApiResponse::no_content())
    }

    async fn reset(&self, request: &ApiRequest, board: &str, now_ms: i64) -> Handled {
        let board = self.board(board)?;
        // Emptying a period is never a default: a request that does not name one may be another
        // route's URL after normalisation (`…/players/..` arrives as `DELETE /v1/boards/{board}`).
        if request.query_param("period").is_none() {
            let kept: Vec<&str> = board.periods().iter().map(|kind| kind.as_str()).collect();
            return Err(ApiError::missing_parameter(
                "period",
                &format!(
                    "name the period to empty (this board keeps {})",
                    kept.join(", ")
                ),
            ));
        }
        let period = period(board, request, now_ms)?;
        caller(&self.config, &self.client, request)
            .await?
            .require_server()?;
        reset_period(&self.client, board, &period)
            .await
            .map_err(board_error)?;
        Ok(ApiResponse::no_content())
    }

    fn board(&self, id: &str) -> Result<&Board, ApiError> {
        self.config
            .boards
            .get(id)
            .ok_or_else(|| ApiError::unknown_board(id))
    }
}

/// Where a player route takes its player id from.
#[derive(Debug, Clone, Copy)]
enum PlayerRef<'a> {
    /// `…/players/{player}`: any id a new score could have.
    Path(&'a str),
    /// `…/players?id={player}`: also the ids `.` and `..` stored before they were refused, which
    /// no path can carry (URL parsers resolve them as dot-segments).
    Query,
}

impl PlayerRef<'_> {
    fn resolve(self, request: &ApiRequest) -> Result<PlayerId, ApiError> {
        match self {
            Self::Path(player) => Ok(PlayerId::try_from(player)?),
            Self::Query => {
                let id = request.query_param("id").ok_or_else(|| {
                    ApiError::missing_parameter("id", "name the player: ?id=<player id>")
                })?;
                Ok(PlayerId::stored(&id)?)
            }
        }
    }
}

/// Whom a cached refusal may be answered to, as part of its key: the server key (checked before
/// the cache is asked) or one session token, by digest, that the write script accepted for the
/// player when it refused. Any other token (unknown, ended, another player's) misses the cache
/// and gets the script's 401 or 403, so a cached 429 never tells an unauthenticated caller that
/// a player is throttled, nor for how long.
struct WriterTag(String);

impl WriterTag {
    fn new(writer: Writer<'_>) -> Self {
        Self(match writer {
            Writer::Server => "server".to_owned(),
            Writer::Session(token) => {
                let digest = Sha256::digest(token.as_bytes());
                format!("session:{}", crate::http::hex(&digest[..16]))
            }
        })
    }
}

/// The block-cache key of one limit of `board`, for `writer`; `None` when the board has no such
/// limit or the request no address.
fn block_key(
    board: &Board,
    by: LimitedBy,
    player: &PlayerId,
    request: &ApiRequest,
    writer: &WriterTag,
) -> Option<String> {
    let limits = board.rate_limits();
    let subject = match by {
        LimitedBy::Player => limits.player.map(|_| RateLimitSubject::Player(player))?,
        LimitedBy::Address => limits
            .ip
            .and(request.client_address)
            .map(RateLimitSubject::Address)?,
    };
    Some(format!(
        "{}:{}:{}",
        board.id(),
        subject.key_part(),
        writer.0
    ))
}

fn rate_limited(result: &RateLimitResult, now_ms: i64) -> ApiResponse {
    let error = ApiError::new(ErrorCode::RateLimited, "too many writes; slow down");
    ApiResponse::error(&error).with_rate_limit(result, now_ms)
}

fn preflight() -> ApiResponse {
    ApiResponse::no_content()
        .with_header(
            "access-control-allow-methods",
            "GET, HEAD, POST, DELETE, OPTIONS",
        )
        .with_header(
            "access-control-allow-headers",
            "Authorization, Content-Type, If-None-Match",
        )
        .with_header("access-control-max-age", "86400")
}

fn openapi() -> ApiResponse {
    ApiResponse::json(200, &openapi_json())
}

fn known_path(path: &[&str]) -> bool {
    matches!(
        path,
        ["v1", "health"]
            | ["v1", "openapi.json"]
            | ["v1", "boards"]
            | ["v1", "boards", _]
            | ["v1", "boards", _, "top" | "scores"]
            | ["v1", "boards", _, "players"]
            | ["v1", "boards", _, "players", _]
            | ["v1", "boards", _, "players", _, "around"]
            | ["v1", "sessions"]
            | ["v1", "sessions", "current"]
    )
}

/// The period a read or reset asks for: `?period=` (default: the board's first) and
/// optionally `?at=YYYY-MM-DD` for a past one still retained.
fn period(board: &Board, request: &ApiRequest, now_ms: i64) -> Result<Period, ApiError> {
    let requested = request.query_param("period");
    let kind = board.period_kind(requested.as_deref())?;
    Ok(match request.query_param("at") {
        Some(at) => board.period_at(kind, &at, now_ms)?,
        None => board.current_period(kind, now_ms)?,
    })
}

fn number_param(
    request: &ApiRequest,
    name: &str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ApiError> {
    let Some(text) = request.query_param(name) else {
        return Ok(default);
    };
    parse_whole_number(&text)
        .filter(|value| (min..=max).contains(value))
        .ok_or_else(|| {
            invalid_parameter(name, &text, &format!("a whole number from {min} to {max}"))
        })
}

fn invalid_parameter(name: &str, value: &str, expected: &str) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidParameter,
        format!("{name}={value:?} is not valid: expected {expected}"),
    )
}

fn json_body<B: serde::de::DeserializeOwned>(request: &ApiRequest) -> Result<B, ApiError> {
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

fn board_error(error: BoardError) -> ApiError {
    let message = match error.code() {
        ErrorCode::UpstreamUnavailable => "the leaderboard store is unreachable",
        ErrorCode::UpstreamTimeout => "the leaderboard store did not answer in time",
        ErrorCode::Internal => "internal error",
        _ => return ApiError::new(error.code(), error.to_string()),
    };
    ApiError::new(error.code(), message).with_cause(error.to_string())
}

fn period_json(period: &Period) -> Value {
    json!(PeriodJson::new(period))
}

/// `{id, period}`: which period an answer is about.
#[derive(Serialize)]
struct PeriodJson<'a> {
    id: &'a str,
    period: &'static str,
}

impl<'a> PeriodJson<'a> {
    fn new(period: &'a Period) -> Self {
        Self {
            id: period.id(),
            period: period.kind().as_str(),
        }
    }
}

/// The answer to a score write, the hottest route: a struct rather than `json!`, which builds
/// (and drops) a map of owned keys and values first. Fields in the order `json!` wrote them.
#[derive(Serialize)]
struct ScoreWritten<'a> {
    board: &'a str,
    improved: bool,
    period: PeriodJson<'a>,
    player: &'a str,
    previous_rank: Option<u64>,
    rank: u64,
    resets_at: Option<i64>,
    score: i64,
}

/// A page of a board: `{board, period, resets_at, total, entries}`.
fn page_json(board: &Board, period: &Period, page: &Page) -> Value {
    json!({
        "board": board.id().as_str(),
        "period": period_json(period),
        "resets_at": period.end_ms(),
        "total": page.total,
        "entries": entries_json(page),
    })
}

fn entries_json(page: &Page) -> Vec<Value> {
    page.entries
        .iter()
        .map(|entry| {
            json!({
                "rank": entry.rank,
                "player": entry.player,
                "name": entry.name,
                "score": entry.score,
            })
        })
        .collect()
}

fn player_json(board: &Board, period: &Period, rank: &PlayerRank) -> Value {
    json!({
        "board": board.id().as_str(),
        "period": period_json(period),
        "resets_at": period.end_ms(),
        "player": rank.player.as_str(),
        "name": rank.name,
        "rank": rank.rank,
        "score": rank.score,
        "total": rank.total,
    })
}
