//! The API's cases of the attack run (issue "Safety first"), natively against the real gateway
//! and Valkey (or Redis 7): ids that URL normalisation changes, destructive routes that must
//! name what they destroy, rate-limit refusals before authentication, invisible names, one
//! number grammar, `Vary: Origin`, unparsable client addresses. tests/security/worker-safety
//! runs the same cases through workerd, where the URL normalisation happens.

mod common;

use podium_api::{Api, ApiRequest, ApiResponse};
use podium_board::submit_score;
use podium_core::{Boards, ClientAddress, PlayerId, Score};
use podium_redis::{Client, ReqwestTransport};
use podium_testkit::{RedisServer, TestGateway};
use serde_json::{Value, json};

use common::{bearer, body, client, code, get, post, start_api};

/// 2026-11-25T12:00:00Z.
const T0: i64 = 1_795_608_000_000;
const SERVER_KEY: &str = "server-key-for-safety-tests";

const BOARDS: &str = r#"[
  {"id": "global", "order": "higher", "policy": "best", "periods": ["alltime", "daily"],
   "rate_limits": {"player": {"limit": 2, "window_seconds": 60}}},
  {"id": "by-address", "order": "higher", "policy": "best", "periods": ["alltime"],
   "rate_limits": {"player": {"limit": 100, "window_seconds": 60},
                   "ip": {"limit": 3, "window_seconds": 60}}}
]"#;

struct Stack {
    /// Each session gets its own random bytes.
    draws: std::sync::atomic::AtomicU8,
    _server: RedisServer,
    _gateway: TestGateway,
    client: Client<ReqwestTransport>,
    api: Api<ReqwestTransport>,
}

impl Stack {
    async fn start() -> Self {
        let (server, gateway, api) = start_api(|name: &str| match name {
            "PODIUM_BOARDS" => Some(BOARDS.to_owned()),
            "PODIUM_SERVER_KEY" => Some(SERVER_KEY.to_owned()),
            "PODIUM_CORS_ORIGINS" => Some("https://game.example".to_owned()),
            _ => None,
        })
        .await;
        Self {
            draws: std::sync::atomic::AtomicU8::new(0),
            client: client(&gateway),
            api,
            _server: server,
            _gateway: gateway,
        }
    }

    async fn send(&self, request: ApiRequest) -> (u16, Value, ApiResponse) {
        let draw = self
            .draws
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let response = self.api.handle(&request, T0, || Some([draw; 32])).await;
        (response.status, body(&response), response)
    }

    async fn total(&self, board: &str, period: &str) -> u64 {
        let (status, body, _) = self
            .send(get(&format!("/v1/boards/{board}/top?period={period}")))
            .await;
        assert_eq!(status, 200, "{body}");
        body["total"].as_u64().expect("a total")
    }

    async fn session(&self, player: &str) -> String {
        let (status, body, _) = self
            .send(server(post("/v1/sessions", json!({ "player": player }))))
            .await;
        assert_eq!(status, 201, "{body}");
        body["token"].as_str().expect("a token").to_owned()
    }
}

fn server(request: ApiRequest) -> ApiRequest {
    bearer(request, SERVER_KEY)
}

fn score(board: &str, player: &str, score: i64) -> ApiRequest {
    post(
        &format!("/v1/boards/{board}/scores"),
        json!({"player": player, "score": score}),
    )
}

#[tokio::test]
async fn dot_segment_ids_are_refused_and_stored_ones_stay_reachable() {
    let stack = Stack::start().await;
    for player in [".", ".."] {
        let (status, body, _) = stack.send(server(score("global", player, 1))).await;
        assert_eq!((status, code(&body)), (400, "invalid_player"), "{player}");
        let (status, body, _) = stack
            .send(server(post("/v1/sessions", json!({ "player": player }))))
            .await;
        assert_eq!((status, code(&body)), (400, "invalid_player"), "{player}");
        // A path that still carries one (natively nothing resolves it) names no player either.
        let (status, body, _) = stack
            .send(get(&format!("/v1/boards/global/players/{player}")))
            .await;
        assert!(status == 400 || status == 404, "{player}: {status} {body}");
    }

    // Players stored as `.` and `..` before the rule, next to an ordinary one.
    let boards = Boards::from_json(BOARDS).expect("boards");
    let global = boards.get("global").expect("the global board");
    for (player, points) in [(".", 10), ("..", 20)] {
        submit_score(
            &stack.client,
            global,
            &PlayerId::stored(player).expect("a stored id"),
            Score::try_from(points).expect("a score"),
            None,
            None,
            T0,
        )
        .await
        .expect("a stored write");
    }
    let (status, _, _) = stack.send(server(score("global", "alice", 5))).await;
    assert_eq!(status, 200);
    assert_eq!(stack.total("global", "alltime").await, 3);

    // Readable and removable by id in the query, which no URL parser rewrites.
    let (status, body, _) = stack.send(get("/v1/boards/global/players?id=..")).await;
    assert_eq!(
        (status, body["player"].as_str(), body["rank"].as_u64()),
        (200, Some(".."), Some(1))
    );
    let (status, body, _) = stack.send(get("/v1/boards/global/players")).await;
    assert_eq!((status, code(&body)), (400, "missing_parameter"));
    let removal = ApiRequest::new("DELETE", "/v1/boards/global/players?id=..");
    let (status, body, _) = stack.send(removal.clone()).await;
    assert_eq!(
        (status, code(&body)),
        (401, "unauthorized"),
        "moderation needs the server key"
    );
    let (status, _, _) = stack.send(server(removal)).await;
    assert_eq!(status, 204);
    let (status, _, _) = stack
        .send(server(ApiRequest::new(
            "DELETE",
            "/v1/boards/global/players?id=.",
        )))
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        stack.total("global", "alltime").await,
        1,
        "only alice is left"
    );
    assert_eq!(stack.total("global", "daily").await, 1);
}

#[tokio::test]
async fn resetting_a_period_needs_the_period_named() {
    let stack = Stack::start().await;
    stack.send(server(score("global", "alice", 5))).await;
    // What `DELETE …/players/%2E%2E` becomes after workerd resolves the dot-segment.
    let (status, body, _) = stack
        .send(server(ApiRequest::new("DELETE", "/v1/boards/global")))
        .await;
    assert_eq!((status, code(&body)), (400, "missing_parameter"), "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("alltime, daily"),
        "the message names the periods: {body}"
    );
    assert_eq!(
        stack.total("global", "alltime").await,
        1,
        "nothing was emptied"
    );
    assert_eq!(stack.total("global", "daily").await, 1);
    let (status, _, _) = stack
        .send(server(ApiRequest::new(
            "DELETE",
            "/v1/boards/global?period=daily",
        )))
        .await;
    assert_eq!(status, 204);
    assert_eq!(stack.total("global", "daily").await, 0);
    assert_eq!(stack.total("global", "alltime").await, 1);
}

#[tokio::test]
async fn a_cached_refusal_is_never_answered_before_authentication() {
    let stack = Stack::start().await;
    let token = stack.session("alice").await;
    for points in 1..=2 {
        let (status, _, _) = stack
            .send(bearer(score("global", "alice", points), &token))
            .await;
        assert_eq!(status, 200);
    }
    let (status, _, refused) = stack
        .send(bearer(score("global", "alice", 3), &token))
        .await;
    assert_eq!(status, 429);
    assert!(refused.header("retry-after").is_some());
    // Refused again from the block cache: the session was checked before the cache was asked.
    let (status, _, _) = stack
        .send(bearer(score("global", "alice", 4), &token))
        .await;
    assert_eq!(status, 429);

    let (status, body, response) = stack
        .send(bearer(score("global", "alice", 5), "garbage-token"))
        .await;
    assert_eq!((status, code(&body)), (401, "unauthorized"), "{body}");
    assert_eq!(
        response.header("retry-after"),
        None,
        "nothing about alice's throttle"
    );
    let bob = stack.session("bob").await;
    let (status, body, response) = stack.send(bearer(score("global", "alice", 5), &bob)).await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "{body}");
    assert_eq!(response.header("retry-after"), None);
    // The server key is authenticated before the cache is asked, and alice is still throttled.
    let (status, _, _) = stack.send(server(score("global", "alice", 6))).await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn an_address_refusal_is_cached_for_the_address_not_the_player() {
    let stack = Stack::start().await;
    let from = |request: ApiRequest, address: &str| {
        let mut request = server(request);
        request.client_address = Some(ClientAddress::from_header(address));
        request
    };
    for (player, points) in [("alice", 1), ("bob", 2), ("carol", 3)] {
        let (status, _, _) = stack
            .send(from(score("by-address", player, points), "203.0.113.1"))
            .await;
        assert_eq!(status, 200);
    }
    let (status, _, _) = stack
        .send(from(score("by-address", "alice", 4), "203.0.113.1"))
        .await;
    assert_eq!(status, 429, "the fourth write from A");
    let (status, body, _) = stack
        .send(from(score("by-address", "alice", 5), "198.51.100.2"))
        .await;
    assert_eq!(status, 200, "alice from B is within her own limit: {body}");
    let (status, _, _) = stack
        .send(from(score("by-address", "dave", 6), "203.0.113.1"))
        .await;
    assert_eq!(status, 429, "A is still refused for everyone");
}

#[tokio::test]
async fn unparsable_addresses_share_one_bucket() {
    let stack = Stack::start().await;
    let from = |player: &str, address: &str| {
        let mut request = server(score("by-address", player, 1));
        request.client_address = Some(ClientAddress::from_header(address));
        request
    };
    for (player, address) in [("a", "garbage"), ("b", "1.2.3.4.5"), ("c", "")] {
        let (status, _, _) = stack.send(from(player, address)).await;
        assert_eq!(status, 200);
    }
    let (status, body, _) = stack.send(from("d", "not-an-ip-either")).await;
    assert_eq!((status, code(&body)), (429, "rate_limited"), "{body}");
    let (status, _, _) = stack.send(from("d", "203.0.113.9")).await;
    assert_eq!(status, 200, "a real address has its own bucket");
}

#[tokio::test]
async fn names_with_nothing_visible_or_line_separators_are_refused() {
    let stack = Stack::start().await;
    for name in [
        "\u{200B}",
        "\u{200B}\u{200C}\u{2060}",
        "\u{3164}",
        "a\u{2028}b",
        "a\u{2029}b",
    ] {
        let body = json!({"player": "alice", "score": 1, "name": name});
        let (status, answer, _) = stack
            .send(server(post("/v1/boards/global/scores", body)))
            .await;
        assert_eq!((status, code(&answer)), (400, "invalid_name"), "{name:?}");
        let body = json!({"player": "alice", "name": name});
        let (status, answer, _) = stack.send(server(post("/v1/sessions", body))).await;
        assert_eq!((status, code(&answer)), (400, "invalid_name"), "{name:?}");
    }
    assert_eq!(
        stack.total("global", "alltime").await,
        0,
        "nothing was written"
    );
}

#[tokio::test]
async fn query_numbers_follow_the_json_grammar_of_bodies() {
    let stack = Stack::start().await;
    for query in [
        "limit=%2B5",
        "limit=+5",
        "limit=05",
        "offset=%2B1",
        "offset=00",
    ] {
        let (status, body, _) = stack
            .send(get(&format!("/v1/boards/global/top?{query}")))
            .await;
        assert_eq!((status, code(&body)), (400, "invalid_parameter"), "{query}");
    }
    let (status, body, _) = stack
        .send(get("/v1/boards/global/players/alice/around?radius=%2B1"))
        .await;
    assert_eq!((status, code(&body)), (400, "invalid_parameter"), "{body}");
    let (status, _, _) = stack
        .send(get("/v1/boards/global/top?limit=5&offset=0"))
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn every_top_answer_varies_by_origin() {
    let stack = Stack::start().await;
    for origin in [
        None,
        Some("https://game.example"),
        Some("https://other.example"),
    ] {
        let mut request = get("/v1/boards/global/top");
        if let Some(origin) = origin {
            request = request.with_header("origin", origin);
        }
        let (status, _, response) = stack.send(request).await;
        assert_eq!(status, 200);
        assert!(
            response
                .header("cache-control")
                .is_some_and(|value| value.contains("public"))
        );
        assert_eq!(response.header("vary"), Some("Origin"), "{origin:?}");
    }
}
