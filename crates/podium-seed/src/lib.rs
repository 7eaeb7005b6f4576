//! Fills a board with synthetic players, for demos and benchmarks (`npm run seed`).
//!
//! # Why the write script, pipelined
//!
//! Each seeded score is one run of podium-board's `submit.lua`, with exactly the keys and
//! arguments that `submit_score` sends ([`SubmitCall`]), sent as `EVALSHA` in batches through
//! the REST endpoint's `/pipeline` (Podium's gateway or Upstash) with a few batches in flight.
//! So key names, tie-break members, display names, period expiry and the board's policy are the
//! Worker's own and cannot drift, and seeding a board that already holds players stays correct
//! (a second seed applies `best`/`latest`/`sum` like any write). Multi-member `ZADD`s would be
//! faster per player but would copy the layout and break re-seeding; the script path already
//! seeds 100 000 players in seconds.
//!
//! Layout: [`SeedPlan`] decides who gets which score (pure, deterministic from a seed), and
//! [`seed`] writes a plan and reports how long it took.

use std::time::{Duration, Instant};

use futures::StreamExt;
use podium_board::{BoardError, SubmitCall, SubmitOutcome, decode_submit_reply, submit_script};
use podium_core::{Board, DisplayName, Order, PlayerId, Score};
use podium_redis::{Client, Command, RedisServerError, Transport};

/// Scripts per `/pipeline` request: enough to amortise the request, few enough that Redis runs
/// other clients' commands between batches (at most the gateway's `--max-pipeline`, 1000).
pub const DEFAULT_BATCH: usize = 500;
/// Batches in flight at once: enough to keep the gateway and Redis busy while one is in transit.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Why seeding stopped.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The plan cannot be written to this board (bounds, ids, names).
    #[error("{0}")]
    Plan(String),
    #[error(transparent)]
    Board(#[from] BoardError),
    #[error(transparent)]
    Redis(#[from] podium_redis::Error),
}

/// One synthetic player and their score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededPlayer {
    pub id: PlayerId,
    pub name: DisplayName,
    pub score: Score,
}

/// Who gets which score: players `<prefix>000000` … with names like "Swift Otter 42" and
/// scores between `min` and `max`, most of them mediocre and a few near the board's top end.
/// The same seed always gives the same players and scores.
#[derive(Debug, Clone)]
pub struct SeedPlan {
    board: Board,
    players: u64,
    prefix: String,
    min: i64,
    max: i64,
    seed: u64,
}

impl SeedPlan {
    /// Checks up front what would otherwise fail mid-way: the score range against the board's
    /// bounds and the first and last player ids.
    pub fn new(
        board: Board,
        players: u64,
        prefix: &str,
        min: i64,
        max: i64,
        seed: u64,
    ) -> Result<Self, SeedError> {
        if min > max {
            return Err(SeedError::Plan(format!(
                "the minimum score {min} is above the maximum {max}"
            )));
        }
        for bound in [min, max] {
            let score = Score::try_from(bound)
                .map_err(|error| SeedError::Plan(format!("score {bound}: {error}")))?;
            board
                .bounds()
                .check(score)
                .map_err(|error| SeedError::Plan(format!("score {bound}: {error}")))?;
        }
        let plan = Self {
            board,
            players,
            prefix: prefix.to_owned(),
            min,
            max,
            seed,
        };
        if players > 0 {
            plan.player(0)?;
            plan.player(players - 1)?;
        }
        Ok(plan)
    }

    pub fn board(&self) -> &Board {
        &self.board
    }

    pub fn players(&self) -> u64 {
        self.players
    }

    /// Player number `index` of the plan.
    pub fn player(&self, index: u64) -> Result<SeededPlayer, SeedError> {
        let id = format!("{}{index:06}", self.prefix);
        let id = PlayerId::try_from(id.as_str())
            .map_err(|error| SeedError::Plan(format!("player id {id:?}: {error}")))?;
        let draw = splitmix64(self.seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let adjective = ADJECTIVES[(draw % ADJECTIVES.len() as u64) as usize];
        let animal = ANIMALS[((draw >> 8) % ANIMALS.len() as u64) as usize];
        let name = format!("{adjective} {animal} {index}");
        let name = DisplayName::try_from(name.as_str())
            .map_err(|error| SeedError::Plan(format!("name {name:?}: {error}")))?;
        // A uniform draw cubed: most players far from the top, a few close to it.
        let unit = (splitmix64(draw) >> 11) as f64 / (1u64 << 53) as f64;
        let span = (self.max - self.min) as f64;
        let offset = ((unit * unit * unit * (span + 1.0)) as i64).min(self.max - self.min);
        let score = match self.board.order() {
            Order::Higher => self.min + offset,
            Order::Lower => self.max - offset,
        };
        let score = Score::try_from(score)
            .map_err(|error| SeedError::Plan(format!("score {score}: {error}")))?;
        Ok(SeededPlayer { id, name, score })
    }

    fn call(&self, index: u64, now_ms: i64) -> Result<(PlayerId, SubmitCall), SeedError> {
        let player = self.player(index)?;
        let call = SubmitCall::new(
            &self.board,
            &player.id,
            player.score,
            Some(&player.name),
            None,
            now_ms,
        )?;
        Ok((player.id, call))
    }
}

/// How seeding went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeedReport {
    /// Writes the script accepted (stored, or kept the better score already stored).
    pub written: u64,
    /// Writes refused by the board's per-player rate limit (a player seeded too often).
    pub rate_limited: u64,
    pub elapsed: Duration,
    /// Players on the board's default period afterwards, seeded or not.
    pub board_total: u64,
}

impl SeedReport {
    pub fn players_per_second(&self) -> f64 {
        (self.written + self.rate_limited) as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Writes every player of `plan` through `client` in pipelines of `batch` commands, `concurrency`
/// at a time. `now_ms` is read once per batch (periods and rate-limit windows follow the clock);
/// `progress` gets the number of players written so far after each batch.
pub async fn seed<T: Transport>(
    client: &Client<T>,
    plan: &SeedPlan,
    batch: usize,
    concurrency: usize,
    now_ms: impl Fn() -> i64,
    mut progress: impl FnMut(u64),
) -> Result<SeedReport, SeedError> {
    let started = Instant::now();
    let batch = batch.max(1) as u64;
    let mut tally = Tally::default();
    if plan.players > 0 {
        // One write on its own loads the script (EVAL on NOSCRIPT) on the node that holds the
        // board, so the pipelines after it can all be EVALSHA.
        let (_, call) = plan.call(0, now_ms())?;
        let reply = client
            .evalsha_or_eval(submit_script(), &call.keys, &call.args)
            .await?;
        tally.add(decode_submit_reply(reply, &call.limits)?);
        progress(1);
    }
    let ranges = (1..plan.players)
        .step_by(batch as usize)
        .map(|start| start..(start + batch).min(plan.players));
    let mut batches = futures::stream::iter(ranges)
        .map(|range| write_batch(client, plan, range, now_ms()))
        .buffer_unordered(concurrency.max(1));
    while let Some(done) = batches.next().await {
        let done = done?;
        tally.written += done.written;
        tally.rate_limited += done.rate_limited;
        progress(tally.written + tally.rate_limited);
    }
    let elapsed = started.elapsed();
    let period = plan
        .board
        .current_period(plan.board.default_period(), now_ms())
        .map_err(BoardError::from)?;
    let page = podium_board::top(client, &plan.board, &period, 1, 0, false).await?;
    Ok(SeedReport {
        written: tally.written,
        rate_limited: tally.rate_limited,
        elapsed,
        board_total: page.total,
    })
}

#[derive(Debug, Default)]
struct Tally {
    written: u64,
    rate_limited: u64,
}

impl Tally {
    fn add(&mut self, outcome: SubmitOutcome) {
        match outcome {
            SubmitOutcome::Accepted(_) => self.written += 1,
            SubmitOutcome::RateLimited(_) => self.rate_limited += 1,
        }
    }
}

async fn write_batch<T: Transport>(
    client: &Client<T>,
    plan: &SeedPlan,
    range: std::ops::Range<u64>,
    now_ms: i64,
) -> Result<Tally, SeedError> {
    let calls = range
        .map(|index| plan.call(index, now_ms))
        .collect::<Result<Vec<_>, _>>()?;
    let commands = calls
        .iter()
        .map(|(_, call)| {
            Command::new("EVALSHA")
                .arg(submit_script().sha1())
                .arg(call.keys.len())
                .args(&call.keys)
                .args(&call.args)
        })
        .collect();
    let replies = client.pipeline(commands).await?;
    let mut tally = Tally::default();
    for ((_, call), reply) in calls.iter().zip(replies) {
        let reply = match reply {
            Ok(reply) => reply,
            // The script cache was flushed meanwhile (or a cluster node lacks it): load it again.
            Err(RedisServerError { code, .. }) if code == "NOSCRIPT" => {
                client
                    .evalsha_or_eval(submit_script(), &call.keys, &call.args)
                    .await?
            }
            Err(error) => return Err(podium_redis::Error::Server(error).into()),
        };
        tally.add(decode_submit_reply(reply, &call.limits)?);
    }
    Ok(tally)
}

/// SplitMix64: a well-mixed 64-bit hash of a counter. Seeded data only needs to look random and
/// repeat exactly for a given seed, not to resist prediction, so no RNG crate is needed.
fn splitmix64(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const ADJECTIVES: [&str; 16] = [
    "Swift", "Brave", "Quiet", "Lucky", "Clever", "Mighty", "Sly", "Jolly", "Nimble", "Bold",
    "Sunny", "Frosty", "Rapid", "Gentle", "Wild", "Steady",
];

const ANIMALS: [&str; 16] = [
    "Otter", "Falcon", "Badger", "Lynx", "Heron", "Panda", "Fox", "Yak", "Koala", "Gecko", "Moose",
    "Raven", "Bison", "Crane", "Hare", "Orca",
];

#[cfg(test)]
mod tests {
    use super::*;
    use podium_core::Boards;

    fn board(id: &str) -> Board {
        Boards::local_default()
            .get(id)
            .cloned()
            .expect("a local board")
    }

    #[test]
    fn plans_are_deterministic_and_within_the_range() {
        let plan = SeedPlan::new(board("global"), 1_000, "seed-", 10, 500, 7).unwrap();
        let again = SeedPlan::new(board("global"), 1_000, "seed-", 10, 500, 7).unwrap();
        let other_seed = SeedPlan::new(board("global"), 1_000, "seed-", 10, 500, 8).unwrap();
        let scores: Vec<i64> = (0..1_000)
            .map(|i| i64::from(plan.player(i).unwrap().score))
            .collect();
        assert!(scores.iter().all(|score| (10..=500).contains(score)));
        assert_eq!(plan.player(42).unwrap(), again.player(42).unwrap());
        assert_ne!(
            (0..10)
                .map(|i| plan.player(i).unwrap().score)
                .collect::<Vec<_>>(),
            (0..10)
                .map(|i| other_seed.player(i).unwrap().score)
                .collect::<Vec<_>>()
        );
        let first = plan.player(7).unwrap();
        assert_eq!(first.id.as_str(), "seed-000007");
        assert!(first.name.to_string().ends_with(" 7"), "{}", first.name);
    }

    #[test]
    fn few_players_are_near_the_top_in_either_order() {
        for (id, top_end) in [("global", 1_000), ("speedrun", 0)] {
            let plan = SeedPlan::new(board(id), 10_000, "p", 0, 1_000, 1).unwrap();
            let near_top = (0..10_000)
                .map(|i| i64::from(plan.player(i).unwrap().score))
                .filter(|score| (score - top_end).abs() < 100)
                .count();
            // A cubed uniform draw lands within the best tenth with probability 1 − 0.9^(1/3).
            assert!((100..=600).contains(&near_top), "{id}: {near_top}");
        }
    }

    #[test]
    fn bad_plans_are_refused_before_any_write() {
        assert!(SeedPlan::new(board("global"), 10, "seed-", 5, 1, 1).is_err());
        assert!(SeedPlan::new(board("global"), 10, "bad prefix ", 1, 5, 1).is_err());
        assert!(SeedPlan::new(board("global"), 10, "seed-", 0, 1 << 54, 1).is_err());
    }
}
