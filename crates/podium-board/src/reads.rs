//! Rank reads, each one round trip. The names to fetch (and, for `player`/`around`, the member
//! to rank) are only known after a first lookup, so a pipeline cannot do them in one request;
//! small read-only Lua scripts do.

use podium_core::{Board, Cursor, Period, PlayerId, keys, tiebreak};
use podium_redis::{Client, Transport, Value};

use crate::error::BoardError;
use crate::protocol::{RANGE_AFTER, RANGE_AROUND, RANGE_BEFORE, RANGE_TOP};
use crate::reply::{Reply, unexpected};
use crate::script::{player_script, range_script};

/// Most entries one page returns (the API's `limit` bound); a larger `limit` is capped.
pub const MAX_PAGE_SIZE: usize = podium_core::MAX_PAGE_SIZE as usize;
/// Largest radius [`around`] accepts (the API's `radius` bound); a larger one is capped.
pub const MAX_AROUND_RADIUS: u32 = podium_core::MAX_AROUND_RADIUS as u32;

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
    /// The place of the last entry when rows follow it, for the page after this one.
    pub next: Option<Cursor>,
    /// The place of the first entry when rows precede it, for the page before this one.
    pub prev: Option<Cursor>,
}

impl Page {
    fn empty() -> Self {
        Self {
            entries: Vec::new(),
            total: 0,
            next: None,
            prev: None,
        }
    }
}

/// A player's neighbours ([`around`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Around {
    pub page: Page,
    /// Whether the player has a score in the period; when not, the page is the board's top.
    pub ranked: bool,
}

/// Which side of a cursor [`page_from`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The rows just after the cursor's place (`?after=`).
    After,
    /// The rows just before it, still best first (`?before=`).
    Before,
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
    let args = [board.order().as_str(), RANGE_TOP, &start, &stop];
    let (page, _) = read_range(client, board, period, &args, ties_shared).await?;
    Ok(page)
}

/// Up to `limit` rows on `side` of `cursor`'s place in `period`, best first: O(log N + limit) at
/// any depth while the cursor's entry is there, O(log N · log ties + limit) once it moved.
///
/// The place is the cursor's `(score, member)` in the board's order, whether or not that entry
/// is still there, so a walk from page to page by `next` (or `prev`) meets every entry whose
/// score did not change during the walk exactly once: such an entry keeps its pair, and so its
/// side of each cursor. An entry that moved is met where it is when its page is read: twice, or
/// not at all, if it jumped across the walk's place.
pub async fn page_from<T: Transport>(
    client: &Client<T>,
    board: &Board,
    period: &Period,
    cursor: &Cursor,
    side: Side,
    limit: usize,
    ties_shared: bool,
) -> Result<Page, BoardError> {
    let limit = limit.min(MAX_PAGE_SIZE).to_string();
    let score = cursor.score.to_string();
    let mode = match side {
        Side::After => RANGE_AFTER,
        Side::Before => RANGE_BEFORE,
    };
    let args = [board.order().as_str(), mode, &score, &cursor.member, &limit];
    let (page, _) = read_range(client, board, period, &args, ties_shared).await?;
    Ok(page)
}

/// The `radius` rows above and below `player`, shifted at the edges so that a full window of
/// `2 · radius + 1` rows comes back whenever the board holds that many; the top `2 · radius + 1`
/// rows, not ranked, when the player has no score in `period`.
pub async fn around<T: Transport>(
    client: &Client<T>,
    board: &Board,
    period: &Period,
    player: &PlayerId,
    radius: u32,
) -> Result<Around, BoardError> {
    let radius = radius.min(MAX_AROUND_RADIUS).to_string();
    let args = [
        board.order().as_str(),
        RANGE_AROUND,
        player.as_str(),
        &radius,
    ];
    let (page, rank) = read_range(client, board, period, &args, false).await?;
    Ok(Around {
        page,
        ranked: rank.is_some(),
    })
}

/// The range script's page, and the "around" player's 0-based rank when they have one.
async fn read_range<T: Transport>(
    client: &Client<T>,
    board: &Board,
    period: &Period,
    args: &[&str],
    ties_shared: bool,
) -> Result<(Page, Option<u64>), BoardError> {
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
    let start = reply.count()?;
    let better_than_first = reply.count()?;
    let player_rank = u64::try_from(reply.int()?).ok();
    let mut entries: Vec<Entry> = Vec::with_capacity(reply.remaining() / 3);
    let (mut first, mut last) = (None, None);
    while reply.remaining() > 0 {
        let member = reply.text()?;
        let score = reply.score()?;
        let name = reply.lossy_text()?;
        let player = tiebreak::player_of(&member)
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
        let place = Cursor { score, member };
        if first.is_none() {
            first = Some(place.clone());
        }
        last = Some(place);
    }
    let end = start + entries.len() as u64;
    let page = Page {
        entries,
        total,
        next: last.filter(|_| end < total),
        prev: first.filter(|_| start > 0),
    };
    if page.entries.is_empty() && total == 0 {
        return Ok((Page::empty(), player_rank));
    }
    Ok((page, player_rank))
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
