//! The API's handlers. [`Api::handle`] routes a request to its operation once, through
//! `podium-wire`'s table, and each operation's handler validates everything before touching
//! Redis, so a bad request costs no round trip and changes nothing.
//!
//! - `boards`: the board list, one board, emptying a period.
//! - `reads`: health, `top`, one player, `around`.
//! - `scores`: the score write and the isolate's refusal cache.
//! - `sessions`: making and ending player sessions.

mod boards;
mod reads;
mod scores;
mod sessions;

use std::sync::Mutex;

use podium_core::{ApiError, BlockCache, Board, ErrorCode};
use podium_redis::{Client, Transport};
use podium_wire::{Operation, RouteError};

use crate::auth::{self, Caller, EndedSessions};
use crate::config::ApiConfig;
use crate::http::{ApiRequest, ApiResponse, decode};
use crate::params::PlayerRef;

/// The OpenAPI document as served; derived from the table and the bodies by `openapi.rs`
/// natively, where a test fails when this copy is not what it derives.
const OPENAPI_DOCUMENT: &[u8] = include_bytes!("../../openapi.json");

/// The API over one Upstash REST client. Keep one per isolate: it holds the block cache.
pub struct Api<T: Transport> {
    config: ApiConfig,
    client: Client<T>,
    /// Writes refused by a rate limit until their reset: refused again without Redis.
    blocked: Mutex<BlockCache>,
    /// The ended sessions, as last read (at most once a second, for session requests only).
    ended: EndedSessions,
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
            ended: EndedSessions::default(),
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
        let segments: Vec<String> = podium_wire::segments(&request.path).map(decode).collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let endpoint =
            podium_wire::route(&request.method, &segments).map_err(|error| match error {
                RouteError::NotFound => ApiError::not_found(),
                RouteError::MethodNotAllowed => ApiError::new(
                    ErrorCode::MethodNotAllowed,
                    format!("{} is not allowed here", request.method),
                ),
            })?;
        let (board, player) = (endpoint.board, endpoint.player);
        match endpoint.operation {
            Operation::Health => self.health().await,
            Operation::OpenApi => Ok(ApiResponse::json_text(200, OPENAPI_DOCUMENT)),
            Operation::ListBoards => Ok(self.list_boards(now_ms)),
            Operation::GetBoard => self.get_board(request, board, now_ms),
            Operation::ResetPeriod => self.reset(request, board, now_ms).await,
            Operation::Top => self.top(request, board, now_ms).await,
            Operation::SubmitScore => self.submit(request, board, now_ms).await,
            Operation::PlayerRankById => {
                self.player(request, board, PlayerRef::Query, now_ms).await
            }
            Operation::RemovePlayerById => {
                self.remove_player(request, board, PlayerRef::Query, now_ms)
                    .await
            }
            Operation::PlayerRank => {
                self.player(request, board, PlayerRef::Path(player), now_ms)
                    .await
            }
            Operation::RemovePlayer => {
                self.remove_player(request, board, PlayerRef::Path(player), now_ms)
                    .await
            }
            Operation::Around => self.around(request, board, player, now_ms).await,
            Operation::CreateSession => self.create_session(request, now_ms, random).await,
            Operation::EndSession => self.end_session(request, now_ms).await,
        }
    }

    /// Who sent `request`: see [`auth::caller`].
    async fn caller(&self, request: &ApiRequest, now_ms: i64) -> Result<Caller, ApiError> {
        auth::caller(&self.config, &self.client, &self.ended, request, now_ms).await
    }

    fn board(&self, id: &str) -> Result<&Board, ApiError> {
        self.config
            .boards
            .get(id)
            .ok_or_else(|| ApiError::unknown_board(id))
    }
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
