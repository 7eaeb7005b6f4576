//! The ended player sessions, the only session state Redis holds.
//!
//! Sessions are signed tokens (`podium_core::SessionKey`): making one writes nothing, and a
//! session write is checked by the API before its one script call. Ending one early adds its
//! token id to the sorted set [`keys::ended_sessions`], scored by the token's expiry, which the
//! API's isolates read back at most once a second ([`ended_sessions`]).

use podium_core::keys;
use podium_redis::{Client, Command, Transport, Value};

use crate::error::BoardError;
use crate::reply::unexpected;

/// Records that the session `id`, valid until `expires_ms`, has ended, and drops the entries of
/// tokens expired by `now_ms` (refused by their expiry anyway), in one pipeline of two commands
/// whatever the number of boards. `false` when it had already been ended.
pub async fn end_session<T: Transport>(
    client: &Client<T>,
    id: &str,
    expires_ms: i64,
    now_ms: i64,
) -> Result<bool, BoardError> {
    let key = keys::ended_sessions();
    let commands = vec![
        Command::new("ZADD").arg(key).arg(expires_ms).arg(id),
        Command::new("ZREMRANGEBYSCORE")
            .arg(key)
            .arg("-inf")
            .arg(now_ms),
    ];
    let mut replies = client.pipeline(commands).await?.into_iter();
    let added = replies
        .next()
        .ok_or_else(|| unexpected("ZADD", "no reply".into()))?
        .map_err(podium_redis::Error::Server)?;
    for reply in replies {
        reply.map_err(podium_redis::Error::Server)?;
    }
    Ok(added.as_i64().is_some_and(|added| added > 0))
}

/// The sessions ended and not yet expired at `now_ms`: (token id, expiry in Unix ms), one read.
pub async fn ended_sessions<T: Transport>(
    client: &Client<T>,
    now_ms: i64,
) -> Result<Vec<(String, i64)>, BoardError> {
    let what = "the ended sessions";
    let command = Command::new("ZRANGEBYSCORE")
        .arg(keys::ended_sessions())
        .arg(format!("({now_ms}"))
        .arg("+inf")
        .arg("WITHSCORES");
    let Value::Array(items) = client.exec(command).await? else {
        return Err(unexpected(what, "not an array".into()));
    };
    let text = |value: &Value| {
        value
            .as_bytes()
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .map(str::to_owned)
            .ok_or_else(|| unexpected(what, "not text".into()))
    };
    items
        .chunks(2)
        .map(|pair| match pair {
            [id, score] => {
                let score = text(score)?;
                let expires_ms = score
                    .parse::<f64>()
                    .map_err(|_| unexpected(what, format!("score {score}")))?;
                // Expiries are whole milliseconds, far below 2^53: exact in a double.
                Ok((text(id)?, expires_ms as i64))
            }
            _ => Err(unexpected(what, "an odd number of items".into())),
        })
        .collect()
}
