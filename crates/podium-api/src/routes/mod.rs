//! The API's handlers. [`Api::handle`] routes a request to its operation once, through
//! `podium-wire`'s table, and each operation's handler validates everything before touching
//! Redis, so a bad request costs no round trip and changes nothing.
//!
//! - `boards`: the board list, one board, emptying a period, and the board API (creating,
//!   replacing, retiring and purging registry boards).
//! - `reads`: health, `top`, one player, `around`.
//! - `scores`: the score write and the isolate's refusal cache.
//! - `sessions`: making and ending player sessions.

mod boards;
mod reads;
mod scores;
mod sessions;

use std::ops::Deref;
use std::sync::{Arc, Mutex};

use podium_board::{RegistryEntry, registry_entry, registry_version};
use podium_core::{ApiError, BlockCache, Board, BoardId, ErrorCode};
use podium_redis::{Client, Transport};
use podium_wire::{Operation, RouteError};

use crate::auth::{self, Caller, EndedSessions};
use crate::config::ApiConfig;
use crate::http::{ApiRequest, ApiResponse, decode};
use crate::params::{PlayerRef, board_error};
use crate::registry::RegistryCache;

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
    /// The boards of the registry this isolate has read, refreshed at most once a second.
    registry: RegistryCache,
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
            registry: RegistryCache::default(),
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
            Operation::ListBoards => self.list_boards(request, now_ms).await,
            Operation::GetBoard => self.get_board(request, board, now_ms).await,
            Operation::PutBoard => self.put_board(request, board, now_ms).await,
            Operation::RetireBoard => self.retire_board(request, board, now_ms).await,
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

    /// The board `id`: a configured one, else the registry's (through the isolate's copy).
    async fn board(&self, id: &str, now_ms: i64) -> Result<BoardRef<'_>, ApiError> {
        if let Some(board) = self.config.boards.get(id) {
            return Ok(BoardRef::Config(board));
        }
        let board_id = BoardId::try_from(id)?;
        self.registry_board(&board_id, now_ms)
            .await?
            .map(BoardRef::Registry)
            .ok_or_else(|| ApiError::unknown_board(id))
    }

    async fn registry_board(
        &self,
        id: &BoardId,
        now_ms: i64,
    ) -> Result<Option<Arc<RegistryEntry>>, ApiError> {
        if self.registry.due(now_ms) {
            let version = registry_version(&self.client).await.map_err(board_error)?;
            self.registry.observe(version, now_ms);
        }
        if let Some(cached) = self.registry.get(id.as_str()) {
            return Ok(cached);
        }
        let version = self.registry.version();
        let entry = registry_entry(&self.client, id)
            .await
            .map_err(board_error)?
            .map(Arc::new);
        self.registry.insert(id.as_str(), version, entry.clone());
        Ok(entry)
    }
}

/// A board a request names: configured (`PODIUM_BOARDS`) or from the registry.
pub(crate) enum BoardRef<'a> {
    Config(&'a Board),
    Registry(Arc<RegistryEntry>),
}

impl BoardRef<'_> {
    /// Retired: writes refused, reads kept until it is purged.
    pub(crate) fn retired(&self) -> bool {
        matches!(self, Self::Registry(entry) if entry.retired)
    }
}

impl Deref for BoardRef<'_> {
    type Target = Board;
    fn deref(&self) -> &Board {
        match self {
            Self::Config(board) => board,
            Self::Registry(entry) => &entry.board,
        }
    }
}

fn preflight() -> ApiResponse {
    ApiResponse::no_content()
        .with_header(
            "access-control-allow-methods",
            "GET, HEAD, POST, PUT, DELETE, OPTIONS",
        )
        .with_header(
            "access-control-allow-headers",
            "Authorization, Content-Type, If-Match, If-None-Match",
        )
        .with_header("access-control-max-age", "86400")
}
