//! Moderation: taking a player off a board, and resetting one period.

use podium_core::{Board, Period, PeriodKind, PlayerId, keys};
use podium_redis::{Client, Command, Transport};

use crate::error::BoardError;
use crate::script::remove_script;

/// Every period of `board` whose keys may still exist at `now_ms`: for each kind the board keeps,
/// the current period and the `retention` before it (older ones have expired).
pub fn retained_periods(board: &Board, now_ms: i64) -> Result<Vec<Period>, BoardError> {
    let mut periods = Vec::new();
    for &kind in board.periods() {
        let mut period = board.current_period(kind, now_ms)?;
        if kind == PeriodKind::AllTime {
            periods.push(period);
            continue;
        }
        for _ in 0..=board.retention() {
            let start = period
                .start_ms()
                .ok_or(podium_core::PeriodError::OutOfRange)?;
            let previous = board.current_period(kind, start - 1)?;
            periods.push(std::mem::replace(&mut period, previous));
        }
    }
    Ok(periods)
}

/// Removes `player`'s scores from every retained period and forgets their display name,
/// atomically (one script). Returns how many periods held a score of theirs.
pub async fn remove_player<T: Transport>(
    client: &Client<T>,
    board: &Board,
    player: &PlayerId,
    now_ms: i64,
) -> Result<u64, BoardError> {
    let id = board.id();
    let mut keys = vec![keys::names(id)];
    for period in retained_periods(board, now_ms)? {
        keys.push(keys::scores(id, &period));
        keys.push(keys::members(id, &period));
    }
    let removed: i64 = client
        .evalsha_or_eval(remove_script(), &keys, [player.as_str()])
        .await?;
    Ok(removed.unsigned_abs())
}

/// Empties one period of a board (its scores and tie-break members; names are board-wide and
/// stay). Returns whether there was anything to delete.
pub async fn reset_period<T: Transport>(
    client: &Client<T>,
    board: &Board,
    period: &Period,
) -> Result<bool, BoardError> {
    let id = board.id();
    let delete = Command::new("DEL")
        .arg(keys::scores(id, period))
        .arg(keys::members(id, period));
    let deleted: i64 = client.query(delete).await?;
    Ok(deleted > 0)
}
