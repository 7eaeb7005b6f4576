//! Cursor paging (`top?after=` / `top?before=`, `next` / `prev`) against the real gateway and a
//! real Valkey (or Redis 7 with `PODIUM_TEST_SERVER=redis`): full walks in both directions,
//! walks while other entries are written, refused cursors, paging away from `around`, and a
//! viewer with no score.

mod common;

use std::collections::{HashMap, HashSet};

use podium_api::{Api, ApiRequest};
use podium_core::{PlayerId, Score};
use podium_redis::ReqwestTransport;
use podium_testkit::{RedisServer, TestGateway};
use serde_json::{Value, json};

use common::{bearer, body, client, code, get, post, start_api};

/// 2026-11-25T12:00:00Z.
const T0: i64 = 1_795_608_000_000;
const SERVER_KEY: &str = "server-key-for-tests";
const BOARDS: &str = r#"[
  {"id": "high", "order": "higher", "policy": "latest", "periods": ["alltime", "daily"]},
  {"id": "low", "order": "lower", "policy": "latest", "periods": ["alltime"]},
  {"id": "other", "order": "higher", "policy": "latest", "periods": ["alltime"]}
]"#;

struct Stack {
    _server: RedisServer,
    gateway: TestGateway,
    api: Api<ReqwestTransport>,
}

impl Stack {
    async fn start() -> Self {
        let (server, gateway, api) = start_api(|name: &str| match name {
            "PODIUM_BOARDS" => Some(BOARDS.to_owned()),
            "PODIUM_SERVER_KEY" => Some(SERVER_KEY.to_owned()),
            _ => None,
        })
        .await;
        Self {
            _server: server,
            gateway,
            api,
        }
    }

    async fn send(&self, request: ApiRequest) -> (u16, Value) {
        let response = self.api.handle(&request, T0, || Some([7; 32])).await;
        (response.status, body(&response))
    }

    async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.send(get(path)).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    async fn submit(&self, board: &str, player: &str, score: i64) {
        let request = post(
            &format!("/v1/boards/{board}/scores"),
            json!({"player": player, "score": score}),
        );
        let (status, body) = self.send(bearer(request, SERVER_KEY)).await;
        assert_eq!(status, 200, "{body}");
    }

    /// Fills `board` with `players` (`p0000` …) through the write script, with scores that tie
    /// in groups of `tie` so that members, not scores, order most rows.
    async fn fill(&self, board: &str, players: usize, tie: usize) {
        let writes: Vec<(String, i64)> = (0..players)
            .map(|i| (format!("p{i:04}"), (i / tie) as i64))
            .collect();
        self.write_all(board, &writes).await;
    }

    /// Writes through the write script itself, 50 at a time.
    async fn write_all(&self, board: &str, writes: &[(String, i64)]) {
        let client = client(&self.gateway);
        let board = self.api.config().boards.get(board).expect("board").clone();
        for chunk in writes.chunks(50) {
            let calls = chunk.iter().map(|(player, score)| {
                let (client, board) = (&client, &board);
                async move {
                    let player = PlayerId::try_from(player.as_str()).unwrap();
                    let score = Score::try_from(*score).unwrap();
                    podium_board::submit_score(client, board, &player, score, None, None, T0)
                        .await
                        .expect("written")
                }
            });
            futures::future::join_all(calls).await;
        }
    }
}

fn players(page: &Value) -> Vec<String> {
    page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| entry["player"].as_str().expect("player").to_owned())
        .collect()
}

fn text(value: &Value) -> Option<&str> {
    value.as_str()
}

/// Every row of `board` by `offset`, the order a walk must reproduce.
async fn full_order(stack: &Stack, board: &str, total: usize) -> Vec<String> {
    let mut all = Vec::new();
    for offset in (0..total).step_by(100) {
        let page = stack
            .ok(&format!("/v1/boards/{board}/top?limit=100&offset={offset}"))
            .await;
        all.extend(players(&page));
    }
    assert_eq!(all.len(), total);
    all
}

#[tokio::test]
async fn walks_by_cursor_reproduce_the_full_order_both_ways_on_both_orders() {
    let stack = Stack::start().await;
    let total = 1000;
    for board in ["high", "low"] {
        stack.fill(board, total, 7).await;
        let expected = full_order(&stack, board, total).await;

        // Forwards by next, 37 at a time.
        let mut page = stack.ok(&format!("/v1/boards/{board}/top?limit=37")).await;
        assert_eq!(page["prev"], Value::Null, "nothing before the first page");
        let mut walked = players(&page);
        let mut ranks = vec![page["entries"][0]["rank"].as_u64().unwrap()];
        while let Some(next) = text(&page["next"]).map(str::to_owned) {
            page = stack
                .ok(&format!("/v1/boards/{board}/top?limit=37&after={next}"))
                .await;
            assert!(page["prev"].is_string(), "{board}: a later page has a prev");
            ranks.push(page["entries"][0]["rank"].as_u64().unwrap());
            walked.extend(players(&page));
        }
        assert_eq!(walked, expected, "{board}: forwards");
        // Ranks are positions, as with offset.
        let starts: Vec<u64> = (0..ranks.len() as u64).map(|i| i * 37 + 1).collect();
        assert_eq!(ranks, starts);

        // Backwards by prev from the last page, 41 at a time.
        let mut page = stack
            .ok(&format!(
                "/v1/boards/{board}/top?limit=41&offset={}",
                total - 41
            ))
            .await;
        assert_eq!(page["next"], Value::Null, "nothing after the last page");
        let mut pages = vec![players(&page)];
        while let Some(prev) = text(&page["prev"]).map(str::to_owned) {
            page = stack
                .ok(&format!("/v1/boards/{board}/top?limit=41&before={prev}"))
                .await;
            pages.push(players(&page));
        }
        let walked: Vec<String> = pages.into_iter().rev().flatten().collect();
        assert_eq!(walked, expected, "{board}: backwards");
        // The first page reached backwards is short (1000 = 24 · 41 + 16) and starts at rank 1.
        assert_eq!(page["entries"][0]["rank"], 1);
        assert_eq!(page["entries"].as_array().unwrap().len(), 1000 % 41);
    }
}

/// A walk while other entries change score between its pages: every entry whose score never
/// changed is seen exactly once, in order.
#[tokio::test]
async fn a_walk_while_the_board_is_written_sees_each_unchanged_entry_exactly_once() {
    let stack = Stack::start().await;
    let total = 1000;
    stack.fill("high", total, 3).await;
    let mut changed: HashSet<String> = HashSet::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut page = stack.ok("/v1/boards/high/top?limit=25").await;
    let mut step = 0_usize;
    loop {
        for player in players(&page) {
            *seen.entry(player.clone()).or_default() += 1;
            order.push(player);
        }
        // Between pages: move players on both sides of the walk's place, some onto the very
        // entry the next cursor names, some to scores tied with it, some new players.
        step += 1;
        let cursor_player = page["entries"]
            .as_array()
            .unwrap()
            .last()
            .map(|entry| entry["player"].as_str().unwrap().to_owned());
        let mut moved = Vec::new();
        for k in 0..6 {
            let victim = (step * 131 + k * 397) % total;
            let score = ((step * 17 + k * 71) % 340) as i64;
            moved.push((format!("p{victim:04}"), score));
        }
        if let Some(player) = cursor_player {
            moved.push((player, (step % 300) as i64));
        }
        moved.push((format!("new{step}"), (step % 333) as i64));
        changed.extend(moved.iter().map(|(player, _)| player.clone()));
        stack.write_all("high", &moved).await;
        let Some(next) = text(&page["next"]).map(str::to_owned) else {
            break;
        };
        page = stack
            .ok(&format!("/v1/boards/high/top?limit=25&after={next}"))
            .await;
    }
    let unchanged: Vec<String> = (0..total)
        .map(|i| format!("p{i:04}"))
        .filter(|player| !changed.contains(player))
        .collect();
    assert!(unchanged.len() > 500, "most entries stay put");
    for player in &unchanged {
        assert_eq!(seen.get(player), Some(&1), "{player} seen once");
    }
    // Unchanged entries come in their board order: their (score, member) never moved.
    let final_order = full_order(&stack, "high", total + step).await;
    let keep = |list: &[String]| -> Vec<String> {
        list.iter()
            .filter(|player| !changed.contains(*player))
            .cloned()
            .collect()
    };
    assert_eq!(keep(&order), keep(&final_order));
}

#[tokio::test]
async fn a_cursor_whose_entry_moved_still_pages_from_its_place() {
    let stack = Stack::start().await;
    // Five players tied at 10, then lower scores.
    for (player, score) in [
        ("a", 10),
        ("b", 10),
        ("c", 10),
        ("d", 10),
        ("e", 10),
        ("f", 5),
    ] {
        stack.submit("high", player, score).await;
    }
    let page = stack.ok("/v1/boards/high/top?limit=2").await;
    assert_eq!(players(&page), ["a", "b"]);
    let next = page["next"].as_str().unwrap().to_owned();
    let prev_of_c = {
        let page = stack
            .ok(&format!("/v1/boards/high/top?limit=1&after={next}"))
            .await;
        assert_eq!(players(&page), ["c"]);
        page["prev"].as_str().unwrap().to_owned()
    };
    // b (the cursor's entry) leaves its place, and c's too: the places stay.
    stack.submit("high", "b", 1).await;
    stack.submit("high", "c", 20).await;
    let page = stack.ok(&format!("/v1/boards/high/top?after={next}")).await;
    assert_eq!(players(&page), ["d", "e", "f", "b"]);
    let page = stack
        .ok(&format!("/v1/boards/high/top?before={prev_of_c}"))
        .await;
    assert_eq!(
        players(&page),
        ["c", "a"],
        "before c's old place: c (now first) and a"
    );
}

#[tokio::test]
async fn around_pages_away_in_both_directions_and_an_unranked_viewer_gets_the_top() {
    let stack = Stack::start().await;
    stack.fill("high", 60, 1).await;
    let expected = full_order(&stack, "high", 60).await;
    let viewer = &expected[30];
    let around = stack
        .ok(&format!("/v1/boards/high/players/{viewer}/around?radius=2"))
        .await;
    assert_eq!(around["ranked"], true);
    assert_eq!(players(&around), expected[28..33]);
    let next = around["next"].as_str().unwrap();
    let prev = around["prev"].as_str().unwrap();
    let below = stack
        .ok(&format!("/v1/boards/high/top?limit=5&after={next}"))
        .await;
    assert_eq!(players(&below), expected[33..38]);
    assert_eq!(below["entries"][0]["rank"], 34);
    let above = stack
        .ok(&format!("/v1/boards/high/top?limit=5&before={prev}"))
        .await;
    assert_eq!(players(&above), expected[23..28]);

    // No score: a 200 that says so, with the board's top as wide as the window.
    let fresh = stack
        .ok("/v1/boards/high/players/fresh-visitor/around?radius=2")
        .await;
    assert_eq!(
        (&fresh["ranked"], &fresh["player"], &fresh["prev"]),
        (&json!(false), &json!("fresh-visitor"), &Value::Null)
    );
    assert_eq!(players(&fresh), expected[..5]);
    assert!(fresh["next"].is_string());
    // An empty board: still a 200, with nothing in it.
    let empty = stack
        .ok("/v1/boards/other/players/fresh-visitor/around")
        .await;
    assert_eq!(
        (
            &empty["ranked"],
            &empty["entries"],
            &empty["next"],
            &empty["total"]
        ),
        (&json!(false), &json!([]), &Value::Null, &json!(0))
    );
}

#[tokio::test]
async fn bad_foreign_and_conflicting_cursors_are_400s_with_their_codes() {
    let stack = Stack::start().await;
    stack.fill("high", 5, 1).await;
    stack.fill("other", 5, 1).await;
    let page = stack.ok("/v1/boards/high/top?limit=2").await;
    let next = page["next"].as_str().unwrap().to_owned();
    let other = stack.ok("/v1/boards/other/top?limit=2").await;
    let other_next = other["next"].as_str().unwrap().to_owned();
    let daily = stack.ok("/v1/boards/high/top?limit=2&period=daily").await;
    let daily_next = daily["next"].as_str().unwrap().to_owned();
    let cases = [
        (
            format!("/v1/boards/high/top?after={other_next}"),
            "cursor_mismatch",
        ),
        (
            format!("/v1/boards/high/top?before={daily_next}"),
            "cursor_mismatch",
        ),
        (
            format!("/v1/boards/high/top?period=daily&after={next}"),
            "cursor_mismatch",
        ),
        (
            format!("/v1/boards/high/top?period=daily&at=2026-11-24&after={daily_next}"),
            "cursor_mismatch",
        ),
        ("/v1/boards/high/top?after=".to_owned(), "invalid_cursor"),
        (
            "/v1/boards/high/top?after=bm9wZQ".to_owned(),
            "invalid_cursor",
        ),
        (
            "/v1/boards/high/top?before=%FF%FE".to_owned(),
            "invalid_cursor",
        ),
        (
            format!("/v1/boards/high/top?after={next}x"),
            "invalid_cursor",
        ),
        (
            format!("/v1/boards/high/top?after={}", "A".repeat(600)),
            "invalid_cursor",
        ),
        (
            format!("/v1/boards/high/top?after={next}&before={next}"),
            "invalid_parameter",
        ),
        (
            format!("/v1/boards/high/top?after={next}&offset=0"),
            "invalid_parameter",
        ),
        (
            format!("/v1/boards/high/top?before={next}&offset=3"),
            "invalid_parameter",
        ),
        (
            format!("/v1/boards/high/top?after={next}&limit=101"),
            "invalid_parameter",
        ),
    ];
    for (path, expected) in cases {
        let (status, body) = stack.send(get(&path)).await;
        assert_eq!((status, code(&body)), (400, expected), "{path}: {body}");
    }
    // The same cursor is fine where it belongs, up to the shared page size.
    let page = stack
        .ok(&format!(
            "/v1/boards/high/top?after={next}&limit=100&ties=shared"
        ))
        .await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 3);
    assert_eq!(page["next"], Value::Null);
}
