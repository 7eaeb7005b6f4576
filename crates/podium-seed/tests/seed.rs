//! The seeder against a real Valkey/Redis server behind the real gateway: what it writes is what
//! the Worker's reads see, and seeding again does not duplicate anyone.

use podium_board::{submit_score, top};
use podium_core::{Board, Boards, PlayerId, Score};
use podium_redis::{Client, ReqwestTransport};
use podium_seed::{SeedPlan, seed};
use podium_testkit::{RedisServer, TestGateway};

/// 2026-11-25T12:00:00Z.
const T0: i64 = 1_795_608_000_000;

fn board(id: &str) -> Board {
    Boards::local_default()
        .get(id)
        .cloned()
        .expect("a local board")
}

fn client(gateway: &TestGateway) -> Client<ReqwestTransport> {
    podium_redis::install_crypto_provider();
    Client::new(
        &gateway.url,
        &gateway.token,
        ReqwestTransport::new().expect("transport"),
    )
}

/// The plan's scores, best first for the board's order.
fn expected_scores(plan: &SeedPlan, players: u64, higher: bool) -> Vec<i64> {
    let mut scores: Vec<i64> = (0..players)
        .map(|i| i64::from(plan.player(i).unwrap().score))
        .collect();
    scores.sort_unstable();
    if higher {
        scores.reverse();
    }
    scores
}

#[tokio::test]
async fn seeded_players_are_read_back_in_order_on_both_orders() {
    let server = RedisServer::start().await;
    let gateway = TestGateway::start(&server).await;
    let client = client(&gateway);
    let players = 2_500;
    for (id, higher) in [("global", true), ("speedrun", false)] {
        let plan = SeedPlan::new(board(id), players, "seed-", 1, 50_000, 3).unwrap();
        let mut seen = Vec::new();
        // Small batches and several in flight, to cross batch boundaries out of order.
        let report = seed(&client, &plan, 300, 3, || T0, |done| seen.push(done))
            .await
            .unwrap();
        assert_eq!(report.written, players, "{id}");
        assert_eq!(report.rate_limited, 0, "{id}");
        assert_eq!(report.board_total, players, "{id}");
        assert_eq!(seen.last(), Some(&players), "{id}");

        let period = plan
            .board()
            .current_period(plan.board().default_period(), T0)
            .unwrap();
        let page = top(&client, plan.board(), &period, 100, 0, false)
            .await
            .unwrap();
        let scores: Vec<i64> = page.entries.iter().map(|entry| entry.score).collect();
        assert_eq!(
            scores,
            expected_scores(&plan, players, higher)[..100],
            "{id}"
        );
        for entry in &page.entries {
            let index: u64 = entry.player["seed-".len()..].parse().unwrap();
            let planned = plan.player(index).unwrap();
            assert_eq!(
                entry.name.as_deref(),
                Some(planned.name.to_string().as_str())
            );
            assert_eq!(entry.score, i64::from(planned.score));
        }
    }
}

#[tokio::test]
async fn seeding_again_applies_the_policy_instead_of_duplicating() {
    let server = RedisServer::start().await;
    let gateway = TestGateway::start(&server).await;
    let client = client(&gateway);
    let global = board("global");
    // A real player already on the board keeps their place.
    let alice = PlayerId::try_from("alice").unwrap();
    submit_score(
        &client,
        &global,
        &alice,
        Score::try_from(1_000_000).unwrap(),
        None,
        None,
        T0,
    )
    .await
    .unwrap();

    let plan = SeedPlan::new(global.clone(), 500, "seed-", 1, 1_000, 9).unwrap();
    seed(&client, &plan, 1_000, 4, || T0, |_| {}).await.unwrap();
    // Another seed gives the same players other scores: `best` keeps each one's better score.
    let reseed = SeedPlan::new(global.clone(), 500, "seed-", 1, 1_000, 10).unwrap();
    let report = seed(&client, &reseed, 1_000, 4, || T0 + 1, |_| {})
        .await
        .unwrap();
    assert_eq!(report.written, 500);
    assert_eq!(report.board_total, 501);

    let period = global.current_period(global.default_period(), T0).unwrap();
    let page = top(&client, &global, &period, 100, 0, false).await.unwrap();
    assert_eq!(page.entries[0].player, "alice");
    let mut best: Vec<i64> = (0..500)
        .map(|i| {
            let first = i64::from(plan.player(i).unwrap().score);
            let second = i64::from(reseed.player(i).unwrap().score);
            first.max(second)
        })
        .collect();
    best.sort_unstable_by(|a, b| b.cmp(a));
    let read: Vec<i64> = page.entries[1..].iter().map(|entry| entry.score).collect();
    assert_eq!(read, best[..99]);
}
