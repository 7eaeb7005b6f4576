//! The board registry: boards made through the API rather than `PODIUM_BOARDS`, stored under
//! their own hash tag ([`keys::registry_boards`] and its siblings).
//!
//! Every change is one run of [`registry_script`](crate::registry_script): a compare-and-set of
//! one board that bumps the registry's version, which becomes that board's version. Readers
//! poll the version ([`registry_version`]) and re-read a board ([`registry_entry`]) only when it
//! moved. The registry's slot is not any board's, so no script touches both a board's data and
//! the registry; a board's data is deleted by [`delete_keys`] in bounded steps instead.

use podium_core::{Board, BoardId, PeriodKind, keys};
use podium_redis::{Client, Command, Transport, Value};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::error::BoardError;
use crate::moderation::retained_periods;
use crate::protocol::{Layout, RegistryArg, RegistryKey, RegistryStatus};
use crate::reply::{Reply, unexpected};
use crate::script::registry_script;

/// Most keys one purge (or reset) request deletes: `UNLINK` of this many keys is a few
/// milliseconds, far inside any gateway timeout, whatever the sets hold.
pub const PURGE_STEP_KEYS: usize = 100;

/// One board of the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryEntry {
    pub board: Board,
    /// The registry's version when this board last changed: its ETag.
    pub version: u64,
    /// Retired: writes refused, reads served until it is purged.
    pub retired: bool,
    /// How many of its data keys ([`board_data_keys`]) a purge has deleted so far.
    pub purged: usize,
}

/// The entry as stored after its version: the configuration every field explicit
/// ([`Board::to_value`]), so a default changed later never changes a stored board.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    config: Json,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    retired: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    purged: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl RegistryEntry {
    /// The JSON the registry script stores after the version.
    fn to_json(&self) -> String {
        let stored = Stored {
            config: self.board.to_value(),
            retired: self.retired,
            purged: self.purged,
        };
        serde_json::to_string(&stored).expect("an entry always serialises")
    }

    fn parse(text: &str) -> Result<Self, BoardError> {
        let what = "the board registry";
        let (version, json) = text
            .split_once(' ')
            .ok_or_else(|| unexpected(what, "an entry without a version".into()))?;
        let version = version
            .parse()
            .map_err(|_| unexpected(what, format!("version {version:?}")))?;
        let stored: Stored = serde_json::from_str(json)
            .map_err(|error| unexpected(what, format!("entry: {error}")))?;
        let board = Board::from_value(stored.config)
            .map_err(|error| unexpected(what, format!("board: {error}")))?;
        Ok(Self {
            board,
            version,
            retired: stored.retired,
            purged: stored.purged,
        })
    }
}

/// The registry's version: 0 before its first change.
pub async fn registry_version<T: Transport>(client: &Client<T>) -> Result<u64, BoardError> {
    let version = client.get(&keys::registry_version()).await?;
    Ok(version.and_then(|text| text.parse().ok()).unwrap_or(0))
}

/// The board `id` of the registry, if there is one.
pub async fn registry_entry<T: Transport>(
    client: &Client<T>,
    id: &BoardId,
) -> Result<Option<RegistryEntry>, BoardError> {
    let stored = client.hget(&keys::registry_boards(), id.as_str()).await?;
    stored.as_deref().map(RegistryEntry::parse).transpose()
}

/// Up to `limit` boards of the registry in id order, after the id `after` (from the first
/// when `None`): two round trips, `ZRANGEBYLEX` then `HMGET`.
pub async fn registry_page<T: Transport>(
    client: &Client<T>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<RegistryEntry>, BoardError> {
    let from = match after {
        Some(id) => format!("({id}"),
        None => "-".to_owned(),
    };
    let ids: Vec<String> = client
        .query(
            Command::new("ZRANGEBYLEX")
                .arg(keys::registry_ids())
                .arg(from)
                .arg("+")
                .arg("LIMIT")
                .arg(0)
                .arg(limit),
        )
        .await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let stored: Vec<Option<String>> = client
        .query(
            Command::new("HMGET")
                .arg(keys::registry_boards())
                .args(ids.iter().map(String::as_str)),
        )
        .await?;
    // An id whose entry went between the two reads was removed meanwhile: skipped.
    stored
        .iter()
        .flatten()
        .map(|text| RegistryEntry::parse(text))
        .collect()
}

/// What a registry change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryWrite {
    /// Stored or removed; the board's (and registry's) new version.
    Written(u64),
    /// The board's version was not the one expected; the current one (0: no such board).
    Stale(u64),
}

/// Stores `entry` under `id` (its version is ignored: the script assigns the next), or removes
/// the board when `None`, if the board's stored version is `expected` (0: it must not exist).
pub async fn registry_write<T: Transport>(
    client: &Client<T>,
    id: &BoardId,
    expected: u64,
    entry: Option<&RegistryEntry>,
) -> Result<RegistryWrite, BoardError> {
    let keys: Vec<String> = RegistryKey::ALL
        .iter()
        .map(|key| match key {
            RegistryKey::Boards => keys::registry_boards(),
            RegistryKey::Ids => keys::registry_ids(),
            RegistryKey::Version => keys::registry_version(),
        })
        .collect();
    let args: Vec<String> = RegistryArg::ALL
        .iter()
        .map(|arg| match arg {
            RegistryArg::Board => id.to_string(),
            RegistryArg::Expected => expected.to_string(),
            RegistryArg::Entry => entry.map(RegistryEntry::to_json).unwrap_or_default(),
        })
        .collect();
    let what = "the registry script";
    let reply: Value = client
        .evalsha_or_eval(registry_script(), keys, args)
        .await?;
    let mut reply = Reply::new(what, reply)?;
    let code = reply.int()?;
    let version = reply.count()?;
    match RegistryStatus::from_code(code) {
        Some(RegistryStatus::Written) => Ok(RegistryWrite::Written(version)),
        Some(RegistryStatus::Stale) => Ok(RegistryWrite::Stale(version)),
        None => Err(unexpected(what, format!("status {code}"))),
    }
}

/// Every key of `board`'s scores that may exist at `now_ms`, all-time first: its names and
/// arrival counter, then each retained period's scores and members. Rate-limit counters and
/// sessions expire by themselves and are not listed. Known without a `SCAN`, so deleting them
/// is bounded: at most `2 + 2 × periods × (retention + 1)` keys.
pub fn board_data_keys(board: &Board, now_ms: i64) -> Result<Vec<String>, BoardError> {
    let id = board.id();
    let mut periods = retained_periods(board, now_ms)?;
    // All time first: a purge cut short has then removed the board's biggest sets.
    periods.sort_by_key(|period| period.kind() != PeriodKind::AllTime);
    let mut keys = vec![keys::names(id), keys::sequence(id)];
    for period in periods {
        keys.push(keys::scores(id, &period));
        keys.push(keys::members(id, &period));
    }
    Ok(keys)
}

/// Whether `board` holds any score now: its names hash or a current period's scores exist.
pub async fn has_scores<T: Transport>(
    client: &Client<T>,
    board: &Board,
    now_ms: i64,
) -> Result<bool, BoardError> {
    let id = board.id();
    let mut command = Command::new("EXISTS").arg(keys::names(id));
    for &kind in board.periods() {
        command = command.arg(keys::scores(id, &board.current_period(kind, now_ms)?));
    }
    let found: i64 = client.query(command).await?;
    Ok(found > 0)
}

/// Deletes `keys` (of one board: one slot) with `UNLINK`, which frees big sets in the
/// background, so a step's time grows with the number of keys and not with their size.
pub async fn delete_keys<T: Transport>(
    client: &Client<T>,
    keys: &[String],
) -> Result<u64, BoardError> {
    if keys.is_empty() {
        return Ok(0);
    }
    let deleted: i64 = client
        .query(Command::new("UNLINK").args(keys.iter().map(String::as_str)))
        .await?;
    Ok(deleted.unsigned_abs())
}
