//! Boards as a whole: the list, one board's public configuration, moderation (emptying a
//! period, removing a player), and the board API, which keeps boards in the registry: creating
//! or replacing one (`PUT`), retiring and purging one.
//!
//! Configured boards (`PODIUM_BOARDS`) are seeds the board API reads but never changes
//! (`board_from_config`); a registry board of the same id is hidden by the seed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use podium_board::{
    PURGE_STEP_KEYS, RegistryEntry, RegistryWrite, board_data_keys, delete_keys, has_scores,
    registry_entry, registry_page, registry_write, remove_player, reset_period,
};
use podium_core::{ApiError, Board, BoardId, ConfigError, ErrorCode};
use podium_redis::Transport;
use podium_wire::{BoardInfo, Boards, MAX_PAGE_SIZE, PeriodInfo, Query, Retirement};
use serde_json::Value;

use super::{Api, BoardRef, Handled};
use crate::http::{ApiRequest, ApiResponse};
use crate::params::{PlayerRef, board_error, invalid, json_body, number, period};

impl<T: Transport> Api<T> {
    /// A page of every board, configured and registry, merged in id order.
    pub(super) async fn list_boards(&self, request: &ApiRequest, now_ms: i64) -> Handled {
        let limit = number(request, Query::ListLimit, MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)? as usize;
        let after = match request.query_param(Query::Cursor.name()) {
            None => None,
            Some(cursor) => Some(decode_cursor(&cursor)?),
        };
        let after = after.as_deref();
        let mut seeds: Vec<&Board> = self
            .config
            .boards
            .iter()
            .filter(|board| after.is_none_or(|after| board.id().as_str() > after))
            .collect();
        seeds.sort_by(|a, b| a.id().as_str().cmp(b.id().as_str()));
        let fetched = registry_page(&self.client, after, limit + 1)
            .await
            .map_err(board_error)?;
        let registry_full = fetched.len() > limit;
        let last_fetched = fetched.last().map(|entry| entry.board.id().to_string());
        let registry: Vec<RegistryEntry> = fetched
            .into_iter()
            .filter(|entry| self.config.boards.get(entry.board.id().as_str()).is_none())
            .collect();
        let mut merged: Vec<BoardInfo<'_>> = Vec::with_capacity(limit + 1);
        let (mut seeds, mut registry) = (seeds.into_iter().peekable(), registry.iter().peekable());
        while merged.len() <= limit {
            let seed_first = match (seeds.peek(), registry.peek()) {
                (Some(seed), Some(entry)) => seed.id().as_str() < entry.board.id().as_str(),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            merged.push(if seed_first {
                let seed = seeds.next().expect("peeked");
                board_info(seed, now_ms, None, false)
            } else {
                let entry = registry.next().expect("peeked");
                board_info(&entry.board, now_ms, Some(entry.version), entry.retired)
            });
        }
        let next_cursor = if merged.len() > limit {
            merged.truncate(limit);
            merged.last().map(|info| info.id.to_string())
        } else if registry_full {
            last_fetched
        } else {
            None
        };
        let body = Boards {
            boards: merged,
            next_cursor: next_cursor.map(|id| URL_SAFE_NO_PAD.encode(id).into()),
        };
        Ok(ApiResponse::json(200, &body))
    }

    /// One board as the list shows it; public and the same for everyone, so cached like `top`.
    pub(super) async fn get_board(
        &self,
        request: &ApiRequest,
        board: &str,
        now_ms: i64,
    ) -> Handled {
        let board = self.board(board, now_ms).await?;
        let body = board_ref_info(&board, now_ms);
        Ok(ApiResponse::json(200, &body).cacheable(request, self.config.cache_seconds))
    }

    /// Creates (201) or replaces (200) a registry board, its version as the ETag. Everything is
    /// validated before any Redis call; the write is a compare-and-set with the version read,
    /// so of concurrent edits exactly one wins and the others get `precondition_failed`.
    pub(super) async fn put_board(
        &self,
        request: &ApiRequest,
        board: &str,
        now_ms: i64,
    ) -> Handled {
        let id = BoardId::try_from(board).map_err(|error| {
            ApiError::new(ErrorCode::InvalidBoard, format!("board id: {error}"))
        })?;
        let mut config: Value = json_body(request)?;
        let Some(fields) = config.as_object_mut() else {
            return Err(ApiError::new(
                ErrorCode::InvalidBoard,
                "the body must be a board: a JSON object",
            ));
        };
        match fields.get("id") {
            None => {
                fields.insert("id".into(), Value::from(board));
            }
            Some(Value::String(named)) if named == board => {}
            Some(other) => {
                return Err(ApiError::new(
                    ErrorCode::InvalidBoard,
                    format!("id {other} is not the path's board {board:?}"),
                ));
            }
        }
        let new = Board::from_value(config).map_err(config_error)?;
        let reset = flag(request, Query::Reset)?;
        let precondition = if_match(request)?;
        self.caller(request, now_ms)
            .await?
            .require_admin(&self.config)?;
        self.refuse_seed(board)?;
        let current = registry_entry(&self.client, &id)
            .await
            .map_err(board_error)?;
        check_precondition(precondition, current.as_ref())?;
        if let Some(current) = &current {
            if current.retired {
                return Err(retired(board));
            }
            let unsafe_change = current.board.unsafe_change(&new);
            if reset {
                self.reset_board(&current.board, now_ms).await?;
            } else if let Some(reason) = unsafe_change
                && has_scores(&self.client, &current.board, now_ms)
                    .await
                    .map_err(board_error)?
            {
                return Err(ApiError::new(
                    ErrorCode::UnsafeBoardChange,
                    format!("{reason}; send ?reset=true to delete its scores with the change"),
                ));
            }
        }
        let entry = RegistryEntry {
            board: new,
            version: 0,
            retired: false,
            purged: 0,
        };
        let expected = current.as_ref().map_or(0, |current| current.version);
        let version = self.write_registry(&id, expected, Some(&entry)).await?;
        let status = if current.is_some() { 200 } else { 201 };
        let body = board_info(&entry.board, now_ms, Some(version), false);
        Ok(ApiResponse::json(status, &body).with_header("etag", format!("\"{version}\"")))
    }

    /// Retires a registry board (200); with `?purge=true` also deletes up to
    /// [`PURGE_STEP_KEYS`] of its keys per call: 202 while some remain, 200 once the board is
    /// gone from the registry and its id free again.
    pub(super) async fn retire_board(
        &self,
        request: &ApiRequest,
        board: &str,
        now_ms: i64,
    ) -> Handled {
        let id = BoardId::try_from(board)?;
        let purge = flag(request, Query::Purge)?;
        let precondition = if_match(request)?;
        // An unknown board is refused before the credentials, as on every route naming one
        // (which boards exist is public: `GET /v1/boards`).
        let seeded = self.config.boards.get(board).is_some();
        let current = match seeded {
            true => None,
            false => Some(
                registry_entry(&self.client, &id)
                    .await
                    .map_err(board_error)?
                    .ok_or_else(|| ApiError::unknown_board(board))?,
            ),
        };
        self.caller(request, now_ms)
            .await?
            .require_admin(&self.config)?;
        self.refuse_seed(board)?;
        let current = current.ok_or_else(ApiError::internal)?;
        check_precondition(precondition, Some(&current))?;
        let answer = |status: u16, remaining: bool, version: Option<u64>| {
            let body = Retirement {
                board: board.into(),
                remaining,
            };
            let response = ApiResponse::json(status, &body);
            match version {
                Some(version) => response.with_header("etag", format!("\"{version}\"")),
                None => response,
            }
        };
        let mut entry = RegistryEntry {
            retired: true,
            ..current.clone()
        };
        if !purge {
            if current.retired {
                return Ok(answer(200, true, Some(current.version)));
            }
            let version = self
                .write_registry(&id, current.version, Some(&entry))
                .await?;
            return Ok(answer(200, true, Some(version)));
        }
        let keys = board_data_keys(&current.board, now_ms).map_err(board_error)?;
        let from = current.purged.min(keys.len());
        let to = (from + PURGE_STEP_KEYS).min(keys.len());
        delete_keys(&self.client, &keys[from..to])
            .await
            .map_err(board_error)?;
        if to == keys.len() {
            self.write_registry(&id, current.version, None).await?;
            return Ok(answer(200, false, None));
        }
        entry.purged = to;
        let version = self
            .write_registry(&id, current.version, Some(&entry))
            .await?;
        Ok(answer(202, true, Some(version)))
    }

    pub(super) async fn reset(&self, request: &ApiRequest, board: &str, now_ms: i64) -> Handled {
        let board = self.board(board, now_ms).await?;
        // Emptying a period is never a default: a request that does not name one may be another
        // route's URL after normalisation (`…/players/..` arrives as `DELETE /v1/boards/{board}`).
        if request.query_param(Query::PeriodToEmpty.name()).is_none() {
            let kept: Vec<&str> = board.periods().iter().map(|kind| kind.as_str()).collect();
            return Err(ApiError::missing_parameter(
                "period",
                &format!(
                    "name the period to empty (this board keeps {})",
                    kept.join(", ")
                ),
            ));
        }
        let period = period(&board, request, now_ms)?;
        self.caller(request, now_ms)
            .await?
            .require_admin(&self.config)?;
        reset_period(&self.client, &board, &period)
            .await
            .map_err(board_error)?;
        Ok(ApiResponse::no_content())
    }

    pub(super) async fn remove_player(
        &self,
        request: &ApiRequest,
        board: &str,
        player: PlayerRef<'_>,
        now_ms: i64,
    ) -> Handled {
        let board = self.board(board, now_ms).await?;
        let player = player.resolve(request)?;
        self.caller(request, now_ms)
            .await?
            .require_admin(&self.config)?;
        let removed = remove_player(&self.client, &board, &player, now_ms)
            .await
            .map_err(board_error)?;
        if removed == 0 {
            return Err(ApiError::player_not_found(player.as_str()));
        }
        Ok(ApiResponse::no_content())
    }

    fn refuse_seed(&self, board: &str) -> Result<(), ApiError> {
        match self.config.boards.get(board) {
            Some(_) => Err(ApiError::new(
                ErrorCode::BoardFromConfig,
                format!("board {board:?} is configured in PODIUM_BOARDS; change it there"),
            )),
            None => Ok(()),
        }
    }

    /// Deletes `board`'s scores for `?reset=true`, in one step or not at all.
    async fn reset_board(&self, board: &Board, now_ms: i64) -> Result<(), ApiError> {
        let keys = board_data_keys(board, now_ms).map_err(board_error)?;
        if keys.len() > PURGE_STEP_KEYS {
            return Err(ApiError::new(
                ErrorCode::UnsafeBoardChange,
                format!(
                    "its data spans {} keys, more than one request deletes ({PURGE_STEP_KEYS}): retire and purge the board, then create it again",
                    keys.len()
                ),
            ));
        }
        delete_keys(&self.client, &keys)
            .await
            .map_err(board_error)?;
        Ok(())
    }

    /// One compare-and-set of the registry; this isolate forgets the board at once.
    async fn write_registry(
        &self,
        id: &BoardId,
        expected: u64,
        entry: Option<&RegistryEntry>,
    ) -> Result<u64, ApiError> {
        let written = registry_write(&self.client, id, expected, entry)
            .await
            .map_err(board_error)?;
        self.registry.forget(id.as_str());
        match written {
            RegistryWrite::Written(version) => Ok(version),
            RegistryWrite::Stale(_) => Err(ApiError::new(
                ErrorCode::PreconditionFailed,
                "the board changed meanwhile: read it again",
            )),
        }
    }
}

/// What `If-Match` asks for.
#[derive(Debug, Clone, Copy)]
enum Precondition {
    /// `*`: the board must exist.
    Exists,
    /// `"<version>"`: the board must be at this version.
    Version(u64),
}

fn if_match(request: &ApiRequest) -> Result<Option<Precondition>, ApiError> {
    let Some(header) = request.header("if-match") else {
        return Ok(None);
    };
    let tag = header.trim();
    if tag == "*" {
        return Ok(Some(Precondition::Exists));
    }
    tag.trim_start_matches("W/")
        .strip_prefix('"')
        .and_then(|tag| tag.strip_suffix('"'))
        .and_then(|version| version.parse().ok())
        .map(|version| Some(Precondition::Version(version)))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::PreconditionFailed,
                "If-Match must be * or a board version as its ETag gives it (\"12\")",
            )
        })
}

fn check_precondition(
    precondition: Option<Precondition>,
    current: Option<&RegistryEntry>,
) -> Result<(), ApiError> {
    let holds = match (precondition, current) {
        (None, _) => true,
        (Some(Precondition::Exists), current) => current.is_some(),
        (Some(Precondition::Version(version)), Some(current)) => current.version == version,
        (Some(Precondition::Version(_)), None) => false,
    };
    if holds {
        return Ok(());
    }
    let now = current.map_or_else(
        || "no such board".to_owned(),
        |c| format!("version \"{}\"", c.version),
    );
    Err(ApiError::new(
        ErrorCode::PreconditionFailed,
        format!("If-Match does not hold: the board is at {now}"),
    ))
}

/// `?name=true|false`, false when absent.
fn flag(request: &ApiRequest, query: Query) -> Result<bool, ApiError> {
    let name = query.name();
    match request.query_param(name).as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(invalid(name, other, "true or false")),
    }
}

fn decode_cursor(cursor: &str) -> Result<String, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|id| BoardId::try_from(id.as_str()).is_ok())
        .ok_or_else(|| invalid("cursor", cursor, "a next_cursor of this API"))
}

fn retired(board: &str) -> ApiError {
    ApiError::new(
        ErrorCode::BoardRetired,
        format!(
            "board {board:?} is retired: purge it (POST …/retire?purge=true) before reusing its id"
        ),
    )
}

/// A board the API refused, as configuration would have: unknown fields keep their own code.
fn config_error(error: ConfigError) -> ApiError {
    let message = error.to_string();
    let code = match &error {
        ConfigError::Invalid { message, .. } if message.starts_with("unknown field") => {
            ErrorCode::UnknownField
        }
        _ => ErrorCode::InvalidBoard,
    };
    ApiError::new(code, message)
}

fn board_ref_info<'a>(board: &'a BoardRef<'_>, now_ms: i64) -> BoardInfo<'a> {
    match board {
        BoardRef::Config(board) => board_info(board, now_ms, None, false),
        BoardRef::Registry(entry) => {
            board_info(&entry.board, now_ms, Some(entry.version), entry.retired)
        }
    }
}

/// A board's public configuration, with the periods it keeps as they stand at `now_ms`;
/// `version` is a registry board's (`None`: configured).
fn board_info(board: &Board, now_ms: i64, version: Option<u64>, retired: bool) -> BoardInfo<'_> {
    let periods = board
        .periods()
        .iter()
        .filter_map(|&kind| board.current_period(kind, now_ms).ok())
        .map(|period| PeriodInfo {
            id: period.id().to_owned().into(),
            period: period.kind().as_str().into(),
            resets_at: period.end_ms(),
        })
        .collect();
    BoardInfo {
        id: board.id().as_str().into(),
        order: board.order().as_str().into(),
        periods,
        policy: board.policy().as_str().into(),
        retired,
        source: if version.is_some() {
            "registry"
        } else {
            "config"
        }
        .into(),
        timezone: board.timezone_name().into(),
        title: board.title().into(),
        version,
    }
}
