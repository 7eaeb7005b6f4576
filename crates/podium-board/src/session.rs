//! Player sessions: a short-lived token that lets a game client write its own player's scores.
//!
//! The key is the SHA-256 of the token ([`keys::session`]), so whoever reads the store cannot
//! use what they find. The caller makes the token (random, from the platform's CSPRNG): this
//! crate does no I/O of its own.

use podium_core::{DisplayName, PlayerId, keys};
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

/// Stores a session for `token` that expires after `ttl_secs` (at least 1), with `SET … EX`.
pub async fn create_session<T: Transport>(
    client: &Client<T>,
    player: &PlayerId,
    name: Option<&DisplayName>,
    ttl_secs: u64,
    token: &str,
) -> Result<(), BoardError> {
    let value = json!({"player": player, "name": name}).to_string();
    client
        .set_ex(&keys::session(token), value, ttl_secs.max(1))
        .await?;
    Ok(())
}

/// The session of `token`, or `None` when it never existed, has expired or was ended.
pub async fn session_player<T: Transport>(
    client: &Client<T>,
    token: &str,
) -> Result<Option<Session>, BoardError> {
    let Some(stored) = client.get(&keys::session(token)).await? else {
        return Ok(None);
    };
    let corrupt = || unexpected("a session key", "not a session written by podium".into());
    let value: serde_json::Value = serde_json::from_str(&stored).map_err(|_| corrupt())?;
    let player = value["player"]
        .as_str()
        .and_then(|player| PlayerId::try_from(player).ok())
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

/// Ends the session of `token`; `false` when there was none.
pub async fn end_session<T: Transport>(
    client: &Client<T>,
    token: &str,
) -> Result<bool, BoardError> {
    let deleted: i64 = client
        .query(Command::new("DEL").arg(keys::session(token)))
        .await?;
    Ok(deleted > 0)
}
