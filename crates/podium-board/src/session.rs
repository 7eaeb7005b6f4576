//! Player sessions: a short-lived token that lets a game client write its own player's scores.
//!
//! The key is the SHA-256 of the token ([`keys::session`]), so whoever reads the store cannot
//! use what they find. The caller makes the token (random, from the platform's CSPRNG): this
//! crate does no I/O of its own.

use podium_core::{BoardId, Boards, DisplayName, PlayerId, keys};
use podium_redis::{Client, Command, Transport};
use serde_json::json;

use crate::error::BoardError;
use crate::reply::unexpected;

/// What a session stores: the player it may write for, and the name given when it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub player: PlayerId,
    pub name: Option<DisplayName>,
}

/// Stores a session for `token` on every board, expiring after `ttl_secs` (at least 1), with
/// `SET … EX` in one pipeline. One copy per board keeps each under its board's hash tag, where
/// the score-write script reads it.
pub async fn create_session<T: Transport>(
    client: &Client<T>,
    boards: &Boards,
    player: &PlayerId,
    name: Option<&DisplayName>,
    ttl_secs: u64,
    token: &str,
) -> Result<(), BoardError> {
    let value = json!({"player": player, "name": name}).to_string();
    let commands = boards
        .iter()
        .map(|board| {
            Command::new("SET")
                .arg(keys::session(board.id(), token))
                .arg(value.as_str())
                .arg("EX")
                .arg(ttl_secs.max(1))
        })
        .collect();
    for reply in client.pipeline(commands).await? {
        reply.map_err(podium_redis::Error::Server)?;
    }
    Ok(())
}

/// The session of `token` (as stored for `board`), or `None` when it never existed, has
/// expired or was ended.
pub async fn session_player<T: Transport>(
    client: &Client<T>,
    board: &BoardId,
    token: &str,
) -> Result<Option<Session>, BoardError> {
    let Some(stored) = client.get(&keys::session(board, token)).await? else {
        return Ok(None);
    };
    let corrupt = || unexpected("a session key", "not a session written by podium".into());
    let value: serde_json::Value = serde_json::from_str(&stored).map_err(|_| corrupt())?;
    let player = value["player"]
        .as_str()
        .and_then(|player| PlayerId::stored(player).ok())
        .ok_or_else(corrupt)?;
    let name = match &value["name"] {
        serde_json::Value::Null => None,
        name => Some(
            name.as_str()
                .and_then(|name| DisplayName::try_from(name).ok())
                .ok_or_else(corrupt)?,
        ),
    };
    Ok(Some(Session { player, name }))
}

/// Ends the session of `token` on every board; `false` when there was none.
pub async fn end_session<T: Transport>(
    client: &Client<T>,
    boards: &Boards,
    token: &str,
) -> Result<bool, BoardError> {
    let commands = boards
        .iter()
        .map(|board| Command::new("DEL").arg(keys::session(board.id(), token)))
        .collect();
    let mut deleted = 0;
    for reply in client.pipeline(commands).await? {
        deleted += reply
            .map_err(podium_redis::Error::Server)?
            .as_i64()
            .unwrap_or(0);
    }
    Ok(deleted > 0)
}
