//! Rank reads, each one round trip. The names to fetch (and, for `player`/`around`, the member
//! to rank) are only known after a first lookup, so a pipeline cannot do them in one request;
//! small read-only Lua scripts do.

use podium_core::{Board, Period, PlayerId, keys};
use podium_redis::{Client, Transport, Value};

use crate::error::BoardError;
use crate::reply::{Reply, unexpected};
use crate::script::{player_script, range_script};

/// Most entries one page returns; a larger `limit` is capped.
pub const MAX_PAGE_SIZE: usize = 100;
/// Largest radius [`around`] accepts (a window of 101 entries); a larger one is capped.
pub const MAX_AROUND_RADIUS: u32 = 50;

/// One row of a board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based. Positional (1, 2, 3, 4) unless shared ranks were asked for (1, 2, 2, 4).
    pub rank: u64,
    pub player: String,
    /// The display name, if one was ever given; bytes that are not UTF-8 are replaced.
    pub name: Option<String>,
    pub score: i64,
}

/// Some consecutive rows of a board and how many players the period holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub entries: Vec<Entry>,
    pub total: u64,
}

/// One player's standing in one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerRank {
    pub player: PlayerId,
    pub name: Option<String>,
    /// 1-based, positional: ties are ordered by arrival.
    pub rank: u64,
    pub score: i64,
    pub total: u64,
}

/// Rows `offset + 1 ..= offset + limit` of `period`, best first.
///
/// With `ties_shared`, equal scores share the rank of the first of them (1, 2, 2, 4). Within the
/// page that follows from the scores; for the page's first entry the script counts the entries
/// strictly better than its score (`ZCOUNT` with an exclusive bound), so a tie that started on
/// an earlier page still gets the exact shared rank.
pub async fn top<T: Transport>(
    client: &Client<T>,
    board: &Board,
    period: &Period,
    limit: usize,
    offset: u64,
    ties_shared: bool,
) -> Result<Page, BoardError> {
    let limit = limit.min(MAX_PAGE_SIZE) as u64;
    let start = offset.to_string();
    // An empty page asks for a stop before the start, which the script answers without a range.
    let stop = i128::from(offset) + i128::from(limit) - 1;
    let stop = stop.to_string();
    let args = [board.order().as_str(), "top", &start, &stop];
    let page = read_range(client, board, period, &args, ties_shared).await?;
    Ok(page.unwrap_or(Page {
        entries: Vec::new(),
        total: 0,
    }))
}

/// The `radius` rows above and below `player`, shifted at the edges so that a full window of
/// `2 · radius + 1` rows comes back whenever the board holds that many; `None` when the player
/// has no score in `period`.
pub async fn around<T: Transport>(
    client: &Client<T>,
    board: &Board,
    period: &Period,
    player: &PlayerId,
    radius: u32,
) -> Result<Option<Page>, BoardError> {
    let radius = radius.min(MAX_AROUND_RADIUS).to_string();
    let args = [board.order().as_str(), "around", player.as_str(), &radius];
    read_range(client, board, period, &args, false).await
}

async fn read_range<T: Transport>(
    client: &Client<T>,
    board: &Board,
    period: &Period,
    args: &[&str],
    ties_shared: bool,
) -> Result<Option<Page>, BoardError> {
    let id = board.id();
    let keys = [
        keys::scores(id, period),
        keys::names(id),
        keys::members(id, period),
    ];
    let reply: Value = client
        .evalsha_or_eval(range_script(), &keys, args.iter().copied())
        .await?;
    let mut reply = Reply::new("the range script", reply)?;
    let total = reply.count()?;
    let start = reply.int()?;
    let better_than_first = reply.count()?;
    let Ok(start) = u64::try_from(start) else {
        return Ok(None);
    };
    let mut entries: Vec<Entry> = Vec::with_capacity(reply.remaining() / 3);
    while reply.remaining() > 0 {
        let member = reply.text()?;
        let score = reply.score()?;
        let name = reply.lossy_text()?;
        let player = podium_core::tiebreak::player_of(&member)
            .ok_or_else(|| unexpected("the range script", format!("member {member:?}")))?
            .to_owned();
        let position = start + entries.len() as u64 + 1;
        let rank = match entries.last() {
            Some(previous) if ties_shared && previous.score == score => previous.rank,
            None if ties_shared => better_than_first + 1,
            _ => position,
        };
        entries.push(Entry {
            rank,
            player,
            name,
            score,
        });
    }
    Ok(Some(Page { entries, total }))
}

/// `player`'s rank, score and name in `period`; `None` when they have no score there.
pub async fn player<T: Transport>(
    client: &Client<T>,
    board: &Board,
    period: &Period,
    player: &PlayerId,
) -> Result<Option<PlayerRank>, BoardError> {
    let id = board.id();
    let keys = [
        keys::scores(id, period),
        keys::members(id, period),
        keys::names(id),
    ];
    let args = [board.order().as_str(), player.as_str()];
    let reply: Value = client.evalsha_or_eval(player_script(), &keys, args).await?;
    let mut reply = Reply::new("the player script", reply)?;
    let total = reply.count()?;
    if reply.remaining() == 0 {
        return Ok(None);
    }
    Ok(Some(PlayerRank {
        player: player.clone(),
        rank: reply.count()? + 1,
        score: reply.score()?,
        name: reply.lossy_text()?,
        total,
    }))
}
