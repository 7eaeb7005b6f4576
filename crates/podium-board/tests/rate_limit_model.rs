//! The submit script's rate limits against podium-core's model, the specification its Lua
//! ports: random configurations (either algorithm, one limit or two at once), clocks and write
//! sequences go through the real script on a real Valkey (or Redis 7 with
//! `PODIUM_TEST_SERVER=redis`) and through [`SlidingWindow::check`], [`TokenBucket::check`] and
//! [`RateLimitResult::most_restrictive`], and every decision, remaining count, reset and the
//! refusing limit must be the same.
//!
//! Stored keys expire in real time while the test's clock is injected, so the model never
//! forgets a key: token buckets refill no faster than every 400 ms (real time spent on a case
//! is far less) and sliding-window counters live for at least three seconds.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use podium_board::{LimitedBy, SubmitOutcome, submit_score};
use podium_core::{
    Algorithm, Board, Boards, ClientAddress, PlayerId, RateLimit, RateLimitResult,
    RateLimitSubject, Score, SlidingWindowState, TokenBucketState,
};
use podium_redis::{Client, ReqwestTransport};
use podium_testkit::{RedisServer, TestGateway};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// 2026-11-25T12:00:00Z.
const T0: i64 = 1_795_608_000_000;
const PLAYERS: [&str; 2] = ["alice", "bob"];
const ADDRESSES: [&str; 2] = ["203.0.113.7", "2001:db8::1"];

/// Board ids never repeat within a run (shrinking reruns cases), so no case sees another's keys.
static NEXT_BOARD: AtomicU64 = AtomicU64::new(0);

#[derive(Debug, Clone, Copy)]
struct LimitConfig {
    limit: u32,
    window_seconds: u32,
    algorithm: Algorithm,
}

impl LimitConfig {
    fn json(&self) -> String {
        let algorithm = match self.algorithm {
            Algorithm::Sliding => "sliding",
            Algorithm::TokenBucket => "token_bucket",
        };
        format!(
            r#"{{"limit": {}, "window_seconds": {}, "algorithm": "{algorithm}"}}"#,
            self.limit, self.window_seconds
        )
    }
}

#[derive(Debug, Clone)]
struct Write {
    /// Milliseconds after the previous write (or the case's start).
    after_ms: i64,
    player: usize,
    address: usize,
}

#[derive(Debug, Clone)]
struct Case {
    player: Option<LimitConfig>,
    ip: Option<LimitConfig>,
    start_ms: i64,
    writes: Vec<Write>,
}

fn limit_config() -> impl Strategy<Value = LimitConfig> {
    prop_oneof![
        (1..=5u32, 1..=5u32).prop_map(|(limit, window_seconds)| LimitConfig {
            limit,
            window_seconds,
            algorithm: Algorithm::Sliding,
        }),
        // From 2 s, every refill interval is at least 400 ms (5 per 2 s).
        (1..=5u32, 2..=6u32).prop_map(|(limit, window_seconds)| LimitConfig {
            limit,
            window_seconds,
            algorithm: Algorithm::TokenBucket,
        }),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let limits = prop_oneof![
        limit_config().prop_map(|limit| (Some(limit), None)),
        limit_config().prop_map(|limit| (None, Some(limit))),
        (limit_config(), limit_config()).prop_map(|(player, ip)| (Some(player), Some(ip))),
    ];
    // Bursts at one instant, steps across window edges, and gaps of whole windows.
    let after_ms = prop_oneof![Just(0i64), 1..=50i64, 0..=2_500i64, 2_500..=7_000i64];
    let write =
        (after_ms, 0..PLAYERS.len(), 0..ADDRESSES.len()).prop_map(|(after_ms, player, address)| {
            Write {
                after_ms,
                player,
                address,
            }
        });
    (
        limits,
        0..12_000i64,
        proptest::collection::vec(write, 1..=20),
    )
        .prop_map(|((player, ip), start_ms, writes)| Case {
            player,
            ip,
            start_ms,
            writes,
        })
}

/// podium-core's decision for one configured limit, with the state the script would store.
#[derive(Debug)]
struct ModelLimit {
    limit: RateLimit,
    /// Sliding-window counters by (subject, window index).
    counters: HashMap<(String, i64), u64>,
    /// Token buckets by subject.
    buckets: HashMap<String, TokenBucketState>,
}

/// What to store if every limit allows the write.
enum Spend {
    Counter(String, i64, u64),
    Bucket(String, TokenBucketState),
}

impl ModelLimit {
    fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            counters: HashMap::new(),
            buckets: HashMap::new(),
        }
    }

    fn check(&self, subject: &str, now_ms: i64) -> (RateLimitResult, Spend) {
        match self.limit.algorithm() {
            Algorithm::Sliding => {
                let window = self.limit.sliding_window();
                let index = window.window_index(now_ms);
                let count = |index| {
                    let key = (subject.to_owned(), index);
                    self.counters.get(&key).copied().unwrap_or(0)
                };
                let state = SlidingWindowState {
                    previous: count(index - 1),
                    current: count(index),
                };
                let decision = window.check(state, now_ms);
                let spend =
                    Spend::Counter(subject.to_owned(), decision.window, decision.state.current);
                (decision.result, spend)
            }
            Algorithm::TokenBucket => {
                let stored = self.buckets.get(subject).copied();
                let decision = self.limit.token_bucket().check(stored, now_ms);
                (
                    decision.result,
                    Spend::Bucket(subject.to_owned(), decision.state),
                )
            }
        }
    }

    fn spend(&mut self, spend: Spend) {
        match spend {
            Spend::Counter(subject, window, count) => {
                self.counters.insert((subject, window), count);
            }
            Spend::Bucket(subject, state) => {
                self.buckets.insert(subject, state);
            }
        }
    }
}

/// What a write's rate limits decided: the reported result, and whose limit refused.
type Decision = (RateLimitResult, Option<LimitedBy>);

/// The model of a board's limits, in the order the script checks them (player, then address).
struct Model {
    limits: Vec<(ModelLimit, LimitedBy)>,
}

impl Model {
    fn new(board: &Board) -> Self {
        let limits = board.rate_limits();
        let limits = [
            limits.player.map(|limit| (limit, LimitedBy::Player)),
            limits.ip.map(|limit| (limit, LimitedBy::Address)),
        ];
        Self {
            limits: limits
                .into_iter()
                .flatten()
                .map(|(limit, by)| (ModelLimit::new(limit), by))
                .collect(),
        }
    }

    fn write(&mut self, player: &PlayerId, address: ClientAddress, now_ms: i64) -> Decision {
        let checks: Vec<(RateLimitResult, Spend, LimitedBy)> = self
            .limits
            .iter()
            .map(|(limit, by)| {
                let subject = match by {
                    LimitedBy::Player => RateLimitSubject::Player(player),
                    LimitedBy::Address => RateLimitSubject::Address(address),
                };
                let (result, spend) = limit.check(&subject.key_part(), now_ms);
                (result, spend, *by)
            })
            .collect();
        let reported = checks
            .iter()
            .map(|(result, _, _)| *result)
            .reduce(RateLimitResult::most_restrictive)
            .expect("every case has a limit");
        if !reported.success {
            // On a tie the earlier limit is reported, as `most_restrictive` keeps `self`.
            let by = checks
                .iter()
                .find(|(result, _, _)| *result == reported)
                .map(|(_, _, by)| *by);
            return (reported, by);
        }
        for ((limit, _), (_, spend, _)) in self.limits.iter_mut().zip(checks) {
            limit.spend(spend);
        }
        (reported, None)
    }
}

fn board(case: &Case) -> Board {
    let id = NEXT_BOARD.fetch_add(1, Ordering::Relaxed);
    let limits: Vec<String> = [("player", case.player), ("ip", case.ip)]
        .into_iter()
        .filter_map(|(whose, limit)| Some(format!(r#""{whose}": {}"#, limit?.json())))
        .collect();
    let json = format!(
        r#"[{{"id": "model-{id}", "rate_limits": {{{}}}}}]"#,
        limits.join(", ")
    );
    Boards::from_json(&json)
        .unwrap()
        .iter()
        .next()
        .unwrap()
        .clone()
}

async fn run_case(client: &Client<ReqwestTransport>, case: &Case) -> Result<(), TestCaseError> {
    let board = board(case);
    let mut model = Model::new(&board);
    let mut now = T0 + case.start_ms;
    for (n, write) in case.writes.iter().enumerate() {
        now += write.after_ms;
        let player = PlayerId::try_from(PLAYERS[write.player]).unwrap();
        let address = ClientAddress::Ip(ADDRESSES[write.address].parse::<IpAddr>().unwrap());
        let outcome = submit_score(
            client,
            &board,
            &player,
            Score::try_from(1).unwrap(),
            None,
            Some(address),
            now,
        )
        .await
        .map_err(|error| TestCaseError::fail(format!("write {n}: {error}")))?;
        let script: Decision = match outcome {
            SubmitOutcome::Accepted(submitted) => (
                submitted
                    .rate_limit
                    .ok_or_else(|| TestCaseError::fail("an accepted write without a limit"))?,
                None,
            ),
            SubmitOutcome::RateLimited(refusal) => (refusal.result, Some(refusal.by)),
        };
        let expected = model.write(&player, address, now);
        prop_assert_eq!(
            script,
            expected,
            "write {} at T0 + {} ms by {} from {}",
            n,
            now - T0,
            PLAYERS[write.player],
            ADDRESSES[write.address]
        );
    }
    Ok(())
}

/// The instants the agreement test used to check one by one, 3 per 2 s with either algorithm,
/// kept as fixed cases next to the random ones.
fn fixed_cases() -> Vec<Case> {
    let instants = [
        0, 100, 200, 300, 1_000, 1_999, 2_000, 2_001, 2_500, 2_999, 3_000, 3_100, 4_999, 5_000,
        5_001, 9_000, 9_001, 9_002, 9_003,
    ];
    let writes: Vec<Write> = instants
        .iter()
        .scan(0, |previous, &instant| {
            let after_ms = instant - *previous;
            *previous = instant;
            Some(Write {
                after_ms,
                player: 0,
                address: 0,
            })
        })
        .collect();
    [Algorithm::Sliding, Algorithm::TokenBucket]
        .into_iter()
        .map(|algorithm| Case {
            player: Some(LimitConfig {
                limit: 3,
                window_seconds: 2,
                algorithm,
            }),
            ip: None,
            start_ms: 0,
            writes: writes.clone(),
        })
        .collect()
}

#[test]
fn the_script_agrees_with_the_rate_limit_model() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (_server, _gateway, client) = runtime.block_on(async {
        let server = RedisServer::start().await;
        let gateway = TestGateway::start(&server).await;
        let transport = ReqwestTransport::new().expect("transport");
        let client = Client::new(&gateway.url, &gateway.token, transport);
        (server, gateway, client)
    });
    for case in fixed_cases() {
        if let Err(error) = runtime.block_on(run_case(&client, &case)) {
            panic!("{case:?}: {error}");
        }
    }
    let config = Config {
        cases: 64,
        max_shrink_iters: 256,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&case(), |case| runtime.block_on(run_case(&client, &case)));
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
