//! The board operations against the real gateway and a real Valkey (or Redis 7 with
//! `PODIUM_TEST_SERVER=redis`), through the native REST client. Time is injected: `now_ms`
//! values are chosen, never read.

use std::net::IpAddr;

use futures::future::join_all;
use podium_board::{
    BoardError, Entry, LimitedBy, Page, SubmitOutcome, Submitted, around, end_session,
    ended_sessions, player, remove_player, reset_period, scripts, submit_score, top,
};
use podium_core::{
    Board, Boards, ClientAddress, DisplayName, ErrorCode, MAX_SAFE_INTEGER, Period, PeriodKind,
    PlayerId, RateLimitResult, Score, TokenBucket, TokenBucketState, keys,
};
use podium_redis::{Client, ReqwestTransport};
use podium_testkit::{RedisServer, TestGateway};

/// 2026-11-25T12:00:00Z.
const T0: i64 = 1_795_608_000_000;
const DAY_MS: i64 = 86_400_000;

struct Stack {
    server: RedisServer,
    gateway: TestGateway,
    client: Client<ReqwestTransport>,
}

impl Stack {
    async fn start() -> Self {
        let server = RedisServer::start().await;
        let gateway = TestGateway::start(&server).await;
        let transport = ReqwestTransport::new().expect("transport");
        let client = Client::new(&gateway.url, &gateway.token, transport);
        Self {
            server,
            gateway,
            client,
        }
    }

    async fn redis(&self) -> redis::aio::MultiplexedConnection {
        self.server.connection().await
    }

    /// `(requests, redis commands)` the gateway has counted so far.
    async fn gateway_counts(&self) -> (u64, u64) {
        (
            self.gateway.metric("podium_gateway_requests_total").await,
            self.gateway
                .metric("podium_gateway_redis_commands_total")
                .await,
        )
    }

    async fn submit(&self, board: &Board, who: &str, score: i64, now_ms: i64) -> SubmitOutcome {
        submit_score(&self.client, board, &id(who), sc(score), None, None, now_ms)
            .await
            .unwrap()
    }

    async fn accepted(&self, board: &Board, who: &str, score: i64, now_ms: i64) -> Submitted {
        match self.submit(board, who, score, now_ms).await {
            SubmitOutcome::Accepted(submitted) => submitted,
            other => panic!("refused: {other:?}"),
        }
    }

    async fn top_players(&self, board: &Board, now_ms: i64) -> Vec<(String, i64)> {
        let period = current(board, now_ms);
        let page = top(&self.client, board, &period, 100, 0, false)
            .await
            .unwrap();
        page.entries
            .into_iter()
            .map(|entry| (entry.player, entry.score))
            .collect()
    }
}

fn board(json: &str) -> Board {
    Boards::from_json(&format!("[{json}]"))
        .unwrap()
        .iter()
        .next()
        .unwrap()
        .clone()
}

fn id(player: &str) -> PlayerId {
    PlayerId::try_from(player).unwrap()
}

fn sc(score: i64) -> Score {
    Score::try_from(score).unwrap()
}

fn current(board: &Board, now_ms: i64) -> Period {
    board
        .current_period(board.default_period(), now_ms)
        .unwrap()
}

fn players(pairs: &[(String, i64)]) -> Vec<&str> {
    pairs.iter().map(|(player, _)| player.as_str()).collect()
}

#[tokio::test]
async fn script_hashes_match_script_load() {
    let stack = Stack::start().await;
    let mut redis = stack.redis().await;
    for script in scripts() {
        let loaded: String = redis::cmd("SCRIPT")
            .arg("LOAD")
            .arg(script.source())
            .query_async(&mut redis)
            .await
            .unwrap();
        assert_eq!(loaded, script.sha1());
    }
}

#[tokio::test]
async fn best_keeps_the_better_score_on_higher_and_lower_boards() {
    let stack = Stack::start().await;
    let high = board(r#"{"id": "high", "policy": "best"}"#);
    let first = stack.accepted(&high, "alice", 10, T0).await;
    assert_eq!(
        (first.score, first.rank, first.previous_rank, first.improved),
        (10, 1, None, true)
    );
    assert_eq!(first.rate_limit, None);
    let worse = stack.accepted(&high, "alice", 5, T0).await;
    assert_eq!(
        (worse.score, worse.rank, worse.previous_rank, worse.improved),
        (10, 1, Some(1), false)
    );
    let bob = stack.accepted(&high, "bob", 8, T0).await;
    assert_eq!((bob.rank, bob.previous_rank), (2, None));
    let bob = stack.accepted(&high, "bob", 25, T0).await;
    assert_eq!(
        (bob.score, bob.rank, bob.previous_rank, bob.improved),
        (25, 1, Some(2), true)
    );
    assert_eq!(
        stack.top_players(&high, T0).await,
        [("bob".to_owned(), 25), ("alice".to_owned(), 10)]
    );

    let low = board(r#"{"id": "low", "order": "lower", "policy": "best"}"#);
    stack.accepted(&low, "alice", 100, T0).await;
    let slower = stack.accepted(&low, "alice", 120, T0).await;
    assert_eq!((slower.score, slower.improved), (100, false));
    stack.accepted(&low, "bob", 90, T0).await;
    let faster = stack.accepted(&low, "alice", 80, T0).await;
    assert_eq!(
        (
            faster.score,
            faster.rank,
            faster.previous_rank,
            faster.improved
        ),
        (80, 1, Some(2), true)
    );
    assert_eq!(
        stack.top_players(&low, T0).await,
        [("alice".to_owned(), 80), ("bob".to_owned(), 90)]
    );
}

#[tokio::test]
async fn latest_overwrites_on_higher_and_lower_boards() {
    let stack = Stack::start().await;
    for (order, worse) in [("higher", 5), ("lower", 15)] {
        let latest = board(&format!(
            r#"{{"id": "latest-{order}", "order": "{order}", "policy": "latest"}}"#
        ));
        stack.accepted(&latest, "alice", 10, T0).await;
        stack.accepted(&latest, "bob", 10, T0).await;
        let overwritten = stack.accepted(&latest, "alice", worse, T0).await;
        assert_eq!(
            (
                overwritten.score,
                overwritten.rank,
                overwritten.previous_rank,
                overwritten.improved
            ),
            (worse, 2, Some(1), false),
            "{order}"
        );
        // The same score again keeps the member and so the arrival: bob stays first.
        stack.accepted(&latest, "bob", 10, T0).await;
        let again = stack.accepted(&latest, "alice", 10, T0).await;
        assert_eq!((again.rank, again.improved), (2, true), "{order}");
        let same = stack.accepted(&latest, "bob", 10, T0).await;
        assert_eq!(
            (same.rank, same.previous_rank, same.improved),
            (1, Some(1), false)
        );
    }
}

#[tokio::test]
async fn sum_increments_and_refuses_totals_outside_the_safe_range() {
    let stack = Stack::start().await;
    for order in ["higher", "lower"] {
        let sum = board(&format!(
            r#"{{"id": "sum-{order}", "order": "{order}", "policy": "sum"}}"#
        ));
        assert_eq!(stack.accepted(&sum, "alice", 5, T0).await.score, 5);
        assert_eq!(stack.accepted(&sum, "alice", 7, T0).await.score, 12);
        assert_eq!(stack.accepted(&sum, "alice", -20, T0).await.score, -8);

        stack.accepted(&sum, "max", MAX_SAFE_INTEGER - 1, T0).await;
        assert_eq!(
            stack.accepted(&sum, "max", 1, T0).await.score,
            MAX_SAFE_INTEGER
        );
        let refused = submit_score(&stack.client, &sum, &id("max"), sc(1), None, None, T0).await;
        match refused {
            Err(error @ BoardError::SumOutOfRange { total }) => {
                assert_eq!(total, MAX_SAFE_INTEGER + 1);
                assert_eq!(error.code(), ErrorCode::ScoreOutOfRange);
            }
            other => panic!("{other:?}"),
        }
        stack.accepted(&sum, "min", -MAX_SAFE_INTEGER, T0).await;
        let refused = submit_score(&stack.client, &sum, &id("min"), sc(-1), None, None, T0).await;
        assert!(matches!(refused, Err(BoardError::SumOutOfRange { .. })));
        let period = current(&sum, T0);
        let max = player(&stack.client, &sum, &period, &id("max"))
            .await
            .unwrap();
        assert_eq!(max.unwrap().score, MAX_SAFE_INTEGER, "nothing was written");
        let min = player(&stack.client, &sum, &period, &id("min"))
            .await
            .unwrap();
        assert_eq!(min.unwrap().score, -MAX_SAFE_INTEGER);
    }
}

#[tokio::test]
async fn scores_outside_the_board_bounds_are_refused() {
    let stack = Stack::start().await;
    let bounded = board(r#"{"id": "bounded", "min_score": 0, "max_score": 100}"#);
    let refused = submit_score(&stack.client, &bounded, &id("a"), sc(101), None, None, T0)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ScoreOutOfRange);
    assert!(stack.top_players(&bounded, T0).await.is_empty());
}

#[tokio::test]
async fn equal_scores_rank_by_arrival_under_every_policy_and_at_the_extremes() {
    let stack = Stack::start().await;
    for order in ["higher", "lower"] {
        for policy in ["best", "latest", "sum"] {
            let tied = board(&format!(
                r#"{{"id": "tie-{order}-{policy}", "order": "{order}", "policy": "{policy}"}}"#
            ));
            for who in ["carol", "alice", "bob"] {
                stack.accepted(&tied, who, 50, T0).await;
            }
            let ranked = stack.top_players(&tied, T0).await;
            assert_eq!(
                players(&ranked),
                ["carol", "alice", "bob"],
                "{order} {policy}"
            );
        }
        for extreme in [MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER] {
            let tied = board(&format!(
                r#"{{"id": "edge-{order}-{}", "order": "{order}"}}"#,
                extreme > 0
            ));
            // A worse score first, where the range leaves room for one.
            let worse = if order == "higher" {
                extreme - 1
            } else {
                extreme + 1
            };
            if worse.abs() <= MAX_SAFE_INTEGER {
                stack.accepted(&tied, "late", worse, T0).await;
            }
            stack.accepted(&tied, "early", extreme, T0).await;
            stack.accepted(&tied, "late", extreme, T0).await;
            stack.accepted(&tied, "later", extreme, T0).await;
            let ranked = stack.top_players(&tied, T0).await;
            assert_eq!(
                ranked,
                [
                    ("early".to_owned(), extreme),
                    ("late".to_owned(), extreme),
                    ("later".to_owned(), extreme)
                ],
                "{order} {extreme}"
            );
        }
    }
    // Under sum, whoever reaches a total first ranks first, also at 2^53−1.
    let sum = board(r#"{"id": "sumtie", "policy": "sum"}"#);
    stack.accepted(&sum, "alice", 5, T0).await;
    stack.accepted(&sum, "bob", 10, T0).await;
    stack.accepted(&sum, "alice", 5, T0).await;
    stack
        .accepted(&sum, "carol", MAX_SAFE_INTEGER - 3, T0)
        .await;
    stack.accepted(&sum, "dave", MAX_SAFE_INTEGER, T0).await;
    stack.accepted(&sum, "carol", 3, T0).await;
    assert_eq!(
        players(&stack.top_players(&sum, T0).await),
        ["dave", "carol", "bob", "alice"]
    );
}

#[tokio::test]
async fn shared_ranks_are_exact_across_pages() {
    let stack = Stack::start().await;
    let shared = board(r#"{"id": "shared"}"#);
    for (who, score) in [("a", 100), ("b", 90), ("c", 90), ("d", 90), ("e", 80)] {
        stack.accepted(&shared, who, score, T0).await;
    }
    let period = current(&shared, T0);
    let ranks = |page: Page| -> Vec<(u64, String)> {
        page.entries
            .into_iter()
            .map(|entry| (entry.rank, entry.player))
            .collect()
    };
    let page = top(&stack.client, &shared, &period, 10, 0, true)
        .await
        .unwrap();
    assert_eq!(page.total, 5);
    let expected: Vec<(u64, String)> = [(1, "a"), (2, "b"), (2, "c"), (2, "d"), (5, "e")]
        .into_iter()
        .map(|(rank, who)| (rank, who.to_owned()))
        .collect();
    assert_eq!(ranks(page), expected);
    // A page starting inside the tie still gets the tie's rank.
    let page = top(&stack.client, &shared, &period, 2, 2, true)
        .await
        .unwrap();
    assert_eq!(ranks(page), expected[2..4]);
    let page = top(&stack.client, &shared, &period, 2, 2, false)
        .await
        .unwrap();
    assert_eq!(ranks(page), [(3, "c".to_owned()), (4, "d".to_owned())]);
    let empty = top(&stack.client, &shared, &period, 0, 0, false)
        .await
        .unwrap();
    assert_eq!((empty.entries.len(), empty.total), (0, 5));
    let beyond = top(&stack.client, &shared, &period, 10, 50, true)
        .await
        .unwrap();
    assert_eq!((beyond.entries.len(), beyond.total), (0, 5));
}

#[tokio::test]
async fn writes_land_in_the_period_of_their_instant_with_its_expiry() {
    let stack = Stack::start().await;
    let daily = board(r#"{"id": "daily", "periods": ["daily", "alltime"], "retention": 7}"#);
    let first = stack.accepted(&daily, "alice", 50, T0).await;
    assert_eq!((first.score, first.rank), (50, 1));
    // The next day: a new daily key, while all time keeps the better score.
    let next_day = stack.accepted(&daily, "alice", 30, T0 + DAY_MS).await;
    assert_eq!((next_day.score, next_day.previous_rank), (30, None));

    let day1 = daily.current_period(PeriodKind::Daily, T0).unwrap();
    let day2 = daily
        .current_period(PeriodKind::Daily, T0 + DAY_MS)
        .unwrap();
    assert_eq!((day1.id(), day2.id()), ("2026-11-25", "2026-11-26"));
    let redis = stack.redis().await;
    let pttl = |key: String| {
        let mut redis = redis.clone();
        async move {
            redis::cmd("PTTL")
                .arg(key)
                .query_async::<i64>(&mut redis)
                .await
                .unwrap()
        }
    };
    // Day 1 is written at T0 (noon): it expires 7 days after it ends.
    let expected = daily.expires_at_ms(&day1).unwrap().unwrap() - T0;
    assert_eq!(expected, DAY_MS / 2 + 7 * DAY_MS);
    for key in [
        keys::scores(daily.id(), &day1),
        keys::members(daily.id(), &day1),
    ] {
        let ttl = pttl(key).await;
        assert!((expected - 10_000..=expected).contains(&ttl), "{ttl}");
    }
    let all_time = Period::all_time();
    assert_eq!(pttl(keys::scores(daily.id(), &all_time)).await, -1);
    assert_eq!(pttl(keys::members(daily.id(), &all_time)).await, -1);

    let at = daily
        .period_at(PeriodKind::Daily, "2026-11-25", T0 + DAY_MS)
        .unwrap();
    let page = top(&stack.client, &daily, &at, 10, 0, false).await.unwrap();
    assert_eq!(page.entries[0].score, 50);
    assert_eq!(stack.top_players(&daily, T0 + DAY_MS).await[0].1, 30);
    let alltime = player(&stack.client, &daily, &all_time, &id("alice"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alltime.score, 50);
}

async fn concurrent_submits(stack: &Stack, board: &Board, count: usize) -> Vec<SubmitOutcome> {
    let alice = id("alice");
    let writes = (0..count as i64).map(|n| {
        let (client, alice) = (&stack.client, &alice);
        async move {
            submit_score(client, board, alice, sc(n), None, None, T0 + 500)
                .await
                .unwrap()
        }
    });
    join_all(writes).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_exact_under_concurrency_with_both_algorithms() {
    let stack = Stack::start().await;
    for algorithm in ["sliding", "token_bucket"] {
        let limited = board(&format!(
            r#"{{"id": "rl-{algorithm}", "rate_limits": {{"player":
                {{"limit": 10, "window_seconds": 10, "algorithm": "{algorithm}"}}}}}}"#
        ));
        let outcomes = concurrent_submits(&stack, &limited, 100).await;
        let accepted = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, SubmitOutcome::Accepted(_)))
            .count();
        assert_eq!(accepted, 10, "{algorithm}");
        let refusals: Vec<&RateLimitResult> = outcomes
            .iter()
            .filter_map(|outcome| match outcome {
                SubmitOutcome::RateLimited(refusal) => Some(&refusal.result),
                _ => None,
            })
            .collect();
        assert_eq!(refusals.len(), 90);
        for refusal in refusals {
            assert_eq!(
                (refusal.success, refusal.limit, refusal.remaining),
                (false, 10, 0)
            );
        }
        // Refused writes wrote nothing: one entry, the best of the ten accepted.
        assert_eq!(stack.top_players(&limited, T0).await.len(), 1);
    }
}

/// A bucket stored under a larger capacity holds at most the new one, as in podium-core's model
/// (whose property tests found the model underflowing there). Without the clamp the script
/// reported more remaining requests than the limit and then stored a negative expiry, deleting
/// the bucket: the next request found it full again.
#[tokio::test]
async fn a_lowered_bucket_capacity_clamps_the_stored_tokens() {
    let stack = Stack::start().await;
    let wide = board(
        r#"{"id": "m-tb-low", "rate_limits": {"player": {"limit": 5, "window_seconds": 5, "algorithm": "token_bucket"}}}"#,
    );
    assert!(rate_result(stack.submit(&wide, "p", 1, T0).await).success);
    let narrow = board(
        r#"{"id": "m-tb-low", "rate_limits": {"player": {"limit": 1, "window_seconds": 5, "algorithm": "token_bucket"}}}"#,
    );
    let stored = TokenBucketState {
        tokens: 4,
        refilled_at_ms: T0,
    };
    let model = TokenBucket::new(1, 1, 5_000)
        .unwrap()
        .check(Some(stored), T0 + 1);
    let result = rate_result(stack.submit(&narrow, "p", 2, T0 + 1).await);
    assert_eq!(result, model.result);
    assert_eq!((result.success, result.remaining), (true, 0));
    let next = rate_result(stack.submit(&narrow, "p", 3, T0 + 2).await);
    assert!(!next.success, "the bucket is empty until its refill");
}

fn rate_result(outcome: SubmitOutcome) -> RateLimitResult {
    match outcome {
        SubmitOutcome::Accepted(submitted) => submitted.rate_limit.unwrap(),
        SubmitOutcome::RateLimited(refusal) => refusal.result,
    }
}

#[tokio::test]
async fn the_ip_limit_applies_across_players_and_refusals_write_nothing() {
    let stack = Stack::start().await;
    let limited = board(
        r#"{"id": "ip", "rate_limits": {"ip": {"limit": 2, "window_seconds": 60},
        "player": {"limit": 5, "window_seconds": 60}}}"#,
    );
    let ip: IpAddr = "203.0.113.7".parse().unwrap();
    let other: IpAddr = "2001:db8::1".parse().unwrap();
    let write = |who: &'static str, ip: IpAddr| {
        let (client, limited) = (&stack.client, &limited);
        async move {
            submit_score(client, limited, &id(who), sc(1), None, Some(ip.into()), T0)
                .await
                .unwrap()
        }
    };
    let first = write("a", ip).await;
    let SubmitOutcome::Accepted(first) = first else {
        panic!("{first:?}")
    };
    // The most restrictive limit is reported: the IP's, with one write left.
    assert_eq!(first.rate_limit.unwrap().remaining, 1);
    assert!(matches!(write("b", ip).await, SubmitOutcome::Accepted(_)));
    let refused = write("c", ip).await;
    let SubmitOutcome::RateLimited(result) = refused else {
        panic!("{refused:?}")
    };
    assert_eq!((result.result.limit, result.result.remaining), (2, 0));
    assert_eq!(
        result.by,
        LimitedBy::Address,
        "the address's limit refused, not c's"
    );
    assert!(matches!(
        write("c", other).await,
        SubmitOutcome::Accepted(_)
    ));
    assert_eq!(
        players(&stack.top_players(&limited, T0).await),
        ["a", "b", "c"],
        "c's refused write left nothing behind"
    );
    // The refused write did not spend c's player quota: 5 − 1 left.
    let SubmitOutcome::Accepted(next) = write("c", "198.51.100.1".parse().unwrap()).await else {
        panic!()
    };
    assert_eq!(next.rate_limit.unwrap().remaining, 1);
}

#[tokio::test]
async fn a_write_and_each_read_cost_one_round_trip() {
    let stack = Stack::start().await;
    let global = board(
        r#"{"id": "rt", "periods": ["alltime", "daily", "weekly", "monthly"],
            "rate_limits": {"player": {"limit": 10, "window_seconds": 10},
                            "ip": {"limit": 10, "window_seconds": 10, "algorithm": "token_bucket"}}}"#,
    );
    let ip = Some(ClientAddress::Ip("203.0.113.9".parse().unwrap()));
    let name = DisplayName::try_from("Alice").unwrap();
    let period = current(&global, T0);
    // The first calls load the scripts (EVALSHA, then EVAL on NOSCRIPT).
    submit_score(
        &stack.client,
        &global,
        &id("alice"),
        sc(1),
        Some(&name),
        ip,
        T0,
    )
    .await
    .unwrap();
    top(&stack.client, &global, &period, 10, 0, true)
        .await
        .unwrap();
    player(&stack.client, &global, &period, &id("alice"))
        .await
        .unwrap();

    let before = stack.gateway_counts().await;
    submit_score(
        &stack.client,
        &global,
        &id("alice"),
        sc(2),
        Some(&name),
        ip,
        T0,
    )
    .await
    .unwrap();
    let after_write = stack.gateway_counts().await;
    assert_eq!((after_write.0 - before.0, after_write.1 - before.1), (1, 1));
    top(&stack.client, &global, &period, 10, 0, true)
        .await
        .unwrap();
    let after_top = stack.gateway_counts().await;
    assert_eq!(
        (after_top.0 - after_write.0, after_top.1 - after_write.1),
        (1, 1)
    );
    player(&stack.client, &global, &period, &id("alice"))
        .await
        .unwrap();
    let after_player = stack.gateway_counts().await;
    assert_eq!(after_player.0 - after_top.0, 1);
}

#[tokio::test]
async fn around_is_shifted_at_the_edges() {
    let stack = Stack::start().await;
    let big = board(r#"{"id": "big"}"#);
    for n in 1..=10 {
        stack.accepted(&big, &format!("p{n}"), n, T0).await;
    }
    let period = current(&big, T0);
    let window = |who: &'static str, radius: u32| {
        let (client, big, period) = (&stack.client, &big, &period);
        async move {
            let around = around(client, big, period, &id(who), radius).await.unwrap();
            assert_eq!(around.page.total, 10);
            let ranks = around.page.entries.iter().map(|entry| entry.rank);
            around.ranked.then(|| ranks.collect::<Vec<_>>())
        }
    };
    assert_eq!(window("p10", 2).await.unwrap(), [1, 2, 3, 4, 5]);
    assert_eq!(window("p9", 2).await.unwrap(), [1, 2, 3, 4, 5]);
    assert_eq!(window("p6", 2).await.unwrap(), [3, 4, 5, 6, 7]);
    assert_eq!(window("p1", 2).await.unwrap(), [6, 7, 8, 9, 10]);
    assert_eq!(window("p2", 0).await.unwrap(), [9]);
    assert_eq!(
        window("p5", 20).await.unwrap(),
        (1..=10).collect::<Vec<_>>()
    );
    assert_eq!(window("nobody", 2).await, None);
    // Not ranked: the top of the board, as wide as the window.
    let nobody = around(&stack.client, &big, &period, &id("nobody"), 2)
        .await
        .unwrap();
    let ranks: Vec<u64> = nobody.page.entries.iter().map(|entry| entry.rank).collect();
    assert_eq!((nobody.ranked, ranks), (false, vec![1, 2, 3, 4, 5]));
    let page = around(&stack.client, &big, &period, &id("p6"), 1)
        .await
        .unwrap()
        .page;
    assert_eq!(
        page.entries[1],
        Entry {
            rank: 5,
            player: "p6".to_owned(),
            name: None,
            score: 6
        }
    );
}

#[tokio::test]
async fn player_reads_rank_score_name_and_total() {
    let stack = Stack::start().await;
    let global = board(r#"{"id": "pr"}"#);
    let name = DisplayName::try_from("  Ålice 🏆  ").unwrap();
    submit_score(
        &stack.client,
        &global,
        &id("alice"),
        sc(5),
        Some(&name),
        None,
        T0,
    )
    .await
    .unwrap();
    stack.accepted(&global, "bob", 9, T0).await;
    let period = current(&global, T0);
    let alice = player(&stack.client, &global, &period, &id("alice"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (alice.rank, alice.score, alice.total, alice.name.as_deref()),
        (2, 5, 2, Some("Ålice 🏆"))
    );
    assert_eq!(
        player(&stack.client, &global, &period, &id("nobody"))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn odd_and_non_utf8_names_come_back_intact_or_replaced() {
    let stack = Stack::start().await;
    let names = board(r#"{"id": "names"}"#);
    let odd = [
        "%s %d %%",
        "\"quoted\" 'and' \\back",
        "名前 ✨ زرا",
        "e\u{301}\u{301} combining",
        "{podium:names}",
    ];
    for (n, text) in odd.iter().enumerate() {
        let name = DisplayName::try_from(*text).unwrap();
        let who = id(&format!("p{n}"));
        submit_score(
            &stack.client,
            &names,
            &who,
            sc(100 - n as i64),
            Some(&name),
            None,
            T0,
        )
        .await
        .unwrap();
    }
    stack.accepted(&names, "raw", 1, T0).await;
    let mut redis = stack.redis().await;
    let _: i64 = redis::cmd("HSET")
        .arg(keys::names(names.id()))
        .arg("raw")
        .arg(&b"bad \xff\xfe name"[..])
        .query_async(&mut redis)
        .await
        .unwrap();
    let period = current(&names, T0);
    let page = top(&stack.client, &names, &period, 10, 0, false)
        .await
        .unwrap();
    let got: Vec<Option<String>> = page.entries.into_iter().map(|entry| entry.name).collect();
    let mut expected: Vec<Option<String>> = odd.iter().map(|text| Some(text.to_string())).collect();
    expected.push(Some("bad \u{fffd}\u{fffd} name".to_owned()));
    assert_eq!(got, expected);
}

#[tokio::test]
async fn remove_takes_a_player_off_every_period_and_reset_empties_one() {
    let stack = Stack::start().await;
    let daily = board(r#"{"id": "mod", "periods": ["daily", "alltime"]}"#);
    let name = DisplayName::try_from("Cheater").unwrap();
    for now in [T0 - DAY_MS, T0] {
        submit_score(
            &stack.client,
            &daily,
            &id("cheat"),
            sc(999),
            Some(&name),
            None,
            now,
        )
        .await
        .unwrap();
        stack.accepted(&daily, "fair", 10, now).await;
    }
    let removed = remove_player(&stack.client, &daily, &id("cheat"), T0)
        .await
        .unwrap();
    assert_eq!(removed, 3, "yesterday, today and all time");
    let all_time = Period::all_time();
    let yesterday = daily
        .current_period(PeriodKind::Daily, T0 - DAY_MS)
        .unwrap();
    for period in [current(&daily, T0), yesterday.clone(), all_time.clone()] {
        let page = top(&stack.client, &daily, &period, 10, 0, false)
            .await
            .unwrap();
        assert_eq!(page.total, 1, "{}", period.id());
        assert_eq!(page.entries[0].player, "fair");
        assert_eq!(
            player(&stack.client, &daily, &period, &id("cheat"))
                .await
                .unwrap(),
            None
        );
    }
    let mut redis = stack.redis().await;
    let name: Option<String> = redis::cmd("HGET")
        .arg(keys::names(daily.id()))
        .arg("cheat")
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(name, None);
    // A removed player can come back with a fresh score.
    assert_eq!(
        stack.accepted(&daily, "cheat", 1, T0).await.previous_rank,
        None
    );

    assert!(
        reset_period(&stack.client, &daily, &yesterday)
            .await
            .unwrap()
    );
    assert!(
        !reset_period(&stack.client, &daily, &yesterday)
            .await
            .unwrap()
    );
    let emptied = top(&stack.client, &daily, &yesterday, 10, 0, false)
        .await
        .unwrap();
    assert_eq!((emptied.total, emptied.entries.len()), (0, 0));
    let kept = top(&stack.client, &daily, &all_time, 10, 0, false)
        .await
        .unwrap();
    assert_eq!(kept.total, 2);
}

#[tokio::test]
async fn ended_sessions_are_one_sorted_set_trimmed_by_expiry() {
    let stack = Stack::start().await;
    let before = stack.gateway_counts().await;
    assert!(
        end_session(&stack.client, "a", T0 + 5_000, T0)
            .await
            .unwrap()
    );
    let after = stack.gateway_counts().await;
    assert_eq!(
        (after.0 - before.0, after.1 - before.1),
        (1, 2),
        "one request, two commands, whatever the number of boards"
    );
    assert!(
        !end_session(&stack.client, "a", T0 + 5_000, T0)
            .await
            .unwrap(),
        "already ended"
    );
    assert!(
        end_session(&stack.client, "b", T0 + 1_000, T0)
            .await
            .unwrap()
    );
    assert_eq!(
        ended_sessions(&stack.client, T0).await.unwrap(),
        [("b".to_owned(), T0 + 1_000), ("a".to_owned(), T0 + 5_000)]
    );
    assert_eq!(
        ended_sessions(&stack.client, T0 + 1_000).await.unwrap(),
        [("a".to_owned(), T0 + 5_000)],
        "a token is refused from its expiry on: no need to list it"
    );
    // Ending another session drops the entries of expired tokens.
    assert!(
        end_session(&stack.client, "c", T0 + 9_000, T0 + 2_000)
            .await
            .unwrap()
    );
    let mut redis = stack.redis().await;
    let members: Vec<String> = redis::cmd("ZRANGE")
        .arg(keys::ended_sessions())
        .arg(0)
        .arg(-1)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(members, ["a", "c"]);
    let all: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(all, [keys::ended_sessions()], "the only session state");
}
