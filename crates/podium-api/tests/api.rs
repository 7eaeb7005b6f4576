//! The HTTP API against the real gateway and a real Valkey (or Redis 7 with
//! `PODIUM_TEST_SERVER=redis`), natively. Time and randomness are injected. The same API runs
//! inside the Worker; tests/worker drives it there through workerd.

mod common;

use podium_api::{Api, ApiConfig, ApiRequest, ApiResponse, openapi_json};
use podium_redis::{Client, ReqwestTransport};
use podium_testkit::{RedisServer, TestGateway};
use podium_wire::{Credential, Operation, Query};
use serde_json::{Value, json};

use common::{bearer, body, code, get, post, start_api};

/// 2026-11-25T12:00:00Z.
const T0: i64 = 1_795_608_000_000;
const SERVER_KEY: &str = "server-key-for-tests";
const ADMIN_KEY: &str = "admin-key-for-tests";

const BOARDS: &str = r#"[
  {"id": "global", "title": "Global", "order": "higher", "policy": "best",
   "periods": ["alltime", "daily"],
   "rate_limits": {"player": {"limit": 10, "window_seconds": 10}}},
  {"id": "speedrun", "title": "Speedrun", "order": "lower", "policy": "best",
   "periods": ["alltime"], "min_score": 0},
  {"id": "clicks", "order": "higher", "policy": "sum", "periods": ["alltime"]},
  {"id": "today", "order": "higher", "policy": "latest", "periods": ["daily", "alltime"],
   "timezone": "Europe/Paris"}
]"#;

struct Stack {
    _server: RedisServer,
    gateway: TestGateway,
    api: Api<ReqwestTransport>,
}

impl Stack {
    /// Without `PODIUM_ADMIN_KEY`, as deployments from before the admin key are.
    async fn start() -> Self {
        Self::start_with_admin_key(None).await
    }

    async fn start_with_admin_key(admin_key: Option<&'static str>) -> Self {
        let (server, gateway, api) = start_api(|name: &str| match name {
            "PODIUM_BOARDS" => Some(BOARDS.to_owned()),
            "PODIUM_SERVER_KEY" => Some(SERVER_KEY.to_owned()),
            "PODIUM_ADMIN_KEY" => admin_key.map(str::to_owned),
            "PODIUM_CORS_ORIGINS" => Some("https://game.example".to_owned()),
            "PODIUM_SESSION_TTL_SECS" => Some("120".to_owned()),
            _ => None,
        })
        .await;
        Self {
            _server: server,
            api,
            gateway,
        }
    }

    async fn send(&self, request: ApiRequest) -> (u16, Value, ApiResponse) {
        self.send_at(request, T0).await
    }

    async fn send_at(&self, request: ApiRequest, now_ms: i64) -> (u16, Value, ApiResponse) {
        let response = self.api.handle(&request, now_ms, || Some([7; 32])).await;
        (response.status, body(&response), response)
    }

    async fn submit(&self, board: &str, body: Value) -> (u16, Value, ApiResponse) {
        self.send(server(post(&format!("/v1/boards/{board}/scores"), body)))
            .await
    }

    /// Requests the gateway has answered so far.
    async fn gateway_requests(&self) -> u64 {
        self.gateway.metric("podium_gateway_requests_total").await
    }
}

fn server(request: ApiRequest) -> ApiRequest {
    bearer(request, SERVER_KEY)
}

#[tokio::test]
async fn writes_and_reads_a_board() {
    let stack = Stack::start().await;
    for (player, score) in [("alice", 300), ("bob", 500), ("carol", 100)] {
        let (status, body, _) = stack
            .submit(
                "global",
                json!({"player": player, "score": score, "name": player.to_uppercase()}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body, _) = stack
        .submit("global", json!({"player": "alice", "score": 900}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"board": "global", "period": {"period": "alltime", "id": "all"}, "resets_at": null,
               "player": "alice", "score": 900, "rank": 1, "previous_rank": 2, "improved": true})
    );
    let (status, body, response) = stack.send(get("/v1/boards/global/top?limit=2")).await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 3);
    assert_eq!(body["period"], json!({"period": "alltime", "id": "all"}));
    assert_eq!(
        body["entries"],
        json!([
            {"rank": 1, "player": "alice", "name": "ALICE", "score": 900},
            {"rank": 2, "player": "bob", "name": "BOB", "score": 500}
        ])
    );
    assert!(response.header("etag").is_some());
    let (_, daily, _) = stack.send(get("/v1/boards/global/top?period=daily")).await;
    assert_eq!(daily["period"]["id"], "2026-11-25");
    assert_eq!(daily["resets_at"], 1_795_651_200_000_i64);
    let (status, body, _) = stack.send(get("/v1/boards/global/players/carol")).await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["rank"].as_u64(), body["score"].as_i64()),
        (Some(3), Some(100))
    );
    let (status, body, _) = stack
        .send(get("/v1/boards/global/players/carol/around?radius=1"))
        .await;
    assert_eq!(status, 200);
    let players: Vec<&str> = body["entries"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| e["player"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        players,
        ["alice", "bob", "carol"],
        "shifted at the bottom edge"
    );
    let (status, body, _) = stack.send(get("/v1/boards/global/players/nobody")).await;
    assert_eq!((status, code(&body)), (404, "player_not_found"));
    let (status, body, _) = stack.send(get("/v1/boards")).await;
    assert_eq!(status, 200);
    // Boards are listed in id order (a cursor is the last id): `global` after `clicks`.
    assert_eq!(body["boards"][1]["id"], "global");
    assert_eq!(
        body["boards"][1]["periods"][1]["resets_at"],
        1_795_651_200_000_i64
    );
}

#[tokio::test]
async fn a_lower_is_better_board_and_ties_by_arrival() {
    let stack = Stack::start().await;
    stack
        .submit("speedrun", json!({"player": "slow", "score": 9000}))
        .await;
    stack
        .submit("speedrun", json!({"player": "first", "score": 4000}))
        .await;
    stack
        .submit("speedrun", json!({"player": "second", "score": 4000}))
        .await;
    let (_, body, _) = stack
        .submit("speedrun", json!({"player": "slow", "score": 9500}))
        .await;
    assert_eq!(
        (body["score"].as_i64(), body["improved"].as_bool()),
        (Some(9000), Some(false))
    );
    let (_, body, _) = stack.send(get("/v1/boards/speedrun/top")).await;
    let order: Vec<&str> = body["entries"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| e["player"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(order, ["first", "second", "slow"]);
    let (_, shared, _) = stack.send(get("/v1/boards/speedrun/top?ties=shared")).await;
    let ranks: Vec<u64> = shared["entries"]
        .as_array()
        .map(|entries| entries.iter().filter_map(|e| e["rank"].as_u64()).collect())
        .unwrap_or_default();
    assert_eq!(ranks, [1, 1, 3]);
    let (status, body, _) = stack
        .submit("speedrun", json!({"player": "cheat", "score": -1}))
        .await;
    assert_eq!((status, code(&body)), (400, "score_out_of_range"));
}

#[tokio::test]
async fn bad_input_gets_a_stable_code_and_changes_nothing() {
    let stack = Stack::start().await;
    for (body, expected) in [
        (json!({"player": "p", "score": 1.5}), "invalid_score"),
        (json!({"player": "p", "score": 1.0}), "invalid_score"),
        (json!({"player": "p", "score": "10"}), "invalid_score"),
        (json!({"player": "p", "score": null}), "invalid_score"),
        (
            json!({"player": "p", "score": 9007199254740992_i64}),
            "score_out_of_range",
        ),
        (
            json!({"player": "p", "score": 1, "extra": true}),
            "unknown_field",
        ),
        (json!({"player": "bad id!", "score": 1}), "invalid_player"),
        (
            json!({"player": "p", "score": 1, "name": "a\u{0007}b"}),
            "invalid_name",
        ),
        (json!({"score": 1}), "invalid_json"),
    ] {
        let (status, reply, _) = stack.submit("global", body.clone()).await;
        assert_eq!((status, code(&reply)), (400, expected), "{body}");
    }
    let raw = |text: &str| {
        server(ApiRequest::new("POST", "/v1/boards/global/scores"))
            .with_header("content-type", "application/json")
            .with_body(text.to_owned())
    };
    // The score is judged from its JSON text: a number beyond a double is out of range, not a
    // broken body; NaN and Infinity are not JSON at all.
    for (text, expected) in [
        (r#"{"player":"p","score":NaN}"#, "invalid_json"),
        (r#"{"player":"p","score":Infinity}"#, "invalid_json"),
        ("{", "invalid_json"),
        ("", "invalid_json"),
        (r#"{"player":"p","score":1e400}"#, "score_out_of_range"),
        (r#"{"player":"p","score":-1e400}"#, "score_out_of_range"),
        (
            r#"{"player":"p","score":-9223372036854775809}"#,
            "score_out_of_range",
        ),
        (r#"{"player":"p","score":-0}"#, "invalid_score"),
        (r#"{"player":"p","score":1e2}"#, "invalid_score"),
    ] {
        let (status, body, _) = stack.send(raw(text)).await;
        assert_eq!((status, code(&body)), (400, expected), "{text}");
    }
    // Only application/json itself (with parameters) is JSON, not a type it is a prefix of.
    for content_type in ["application/jsonp", "application/json-seq", "text/plain"] {
        let request = server(ApiRequest::new("POST", "/v1/boards/global/scores"))
            .with_header("content-type", content_type)
            .with_body(r#"{"player":"p","score":1}"#);
        let (status, body, _) = stack.send(request).await;
        assert_eq!(
            (status, code(&body)),
            (415, "unsupported_media_type"),
            "{content_type}"
        );
    }
    let (status, body, _) = stack.send(raw(&"x".repeat(5000))).await;
    assert_eq!((status, code(&body)), (413, "body_too_large"));
    let (status, body, _) = stack
        .submit("nope", json!({"player": "p", "score": 1}))
        .await;
    assert_eq!((status, code(&body)), (404, "unknown_board"));
    let (status, body, _) = stack
        .send(ApiRequest::new("PUT", "/v1/boards/global/scores"))
        .await;
    assert_eq!((status, code(&body)), (405, "method_not_allowed"));
    let (status, body, _) = stack.send(get("/v1/nothing/here")).await;
    assert_eq!((status, code(&body)), (404, "not_found"));
    for query in [
        "limit=0",
        "limit=101",
        "limit=x",
        "offset=-1",
        "period=hourly",
        "period=weekly",
        "ties=x",
        "period=daily&at=2020-01-01",
    ] {
        let (status, _, _) = stack
            .send(get(&format!("/v1/boards/global/top?{query}")))
            .await;
        assert_eq!(status, 400, "{query}");
    }
    let (_, body, _) = stack.send(get("/v1/boards/global/top")).await;
    assert_eq!(body["total"], 0, "nothing was written");
}

#[tokio::test]
async fn writes_need_credentials_and_sessions_are_per_player() {
    let stack = Stack::start().await;
    let anonymous = post(
        "/v1/boards/global/scores",
        json!({"player": "p", "score": 1}),
    );
    let (status, body, _) = stack.send(anonymous).await;
    assert_eq!((status, code(&body)), (401, "unauthorized"));
    let wrong = post(
        "/v1/boards/global/scores",
        json!({"player": "p", "score": 1}),
    )
    .with_header("authorization", "Bearer not-a-key");
    assert_eq!(stack.send(wrong).await.0, 401);

    let (status, session, response) = stack
        .send(server(post(
            "/v1/sessions",
            json!({"player": "alice", "name": "Alice"}),
        )))
        .await;
    assert_eq!(status, 201, "{session}");
    assert_eq!(session["expires_in"], 120);
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let token = session["token"].as_str().unwrap_or_default().to_owned();
    assert!(token.starts_with("v1."), "a signed token: {token}");
    let as_player =
        |request: ApiRequest| request.with_header("authorization", &format!("Bearer {token}"));

    let (status, body, _) = stack
        .send(as_player(post(
            "/v1/boards/global/scores",
            json!({"player": "alice", "score": 42}),
        )))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, me, _) = stack.send(get("/v1/boards/global/players/alice")).await;
    assert_eq!(me["name"], "Alice", "the session's name is used");
    let (status, body, _) = stack
        .send(as_player(post(
            "/v1/boards/global/scores",
            json!({"player": "bob", "score": 1}),
        )))
        .await;
    assert_eq!((status, code(&body)), (403, "forbidden"));
    let (status, _, _) = stack
        .send(as_player(post("/v1/sessions", json!({"player": "alice"}))))
        .await;
    assert_eq!(status, 403, "a session cannot mint sessions");
    let (status, _, _) = stack
        .send(as_player(ApiRequest::new(
            "DELETE",
            "/v1/boards/global/players/alice",
        )))
        .await;
    assert_eq!(status, 403, "a session cannot moderate");

    let (status, _, _) = stack
        .send(as_player(ApiRequest::new("DELETE", "/v1/sessions/current")))
        .await;
    assert_eq!(status, 204);
    let (status, body, _) = stack
        .send(as_player(post(
            "/v1/boards/global/scores",
            json!({"player": "alice", "score": 50}),
        )))
        .await;
    assert_eq!(
        (status, code(&body)),
        (401, "unauthorized"),
        "an ended session is refused"
    );
}

/// Without `PODIUM_ADMIN_KEY` the server key moderates, as before there was an admin key.
#[tokio::test]
async fn moderation_removes_players_and_resets_periods() {
    let stack = Stack::start().await;
    stack
        .submit("global", json!({"player": "cheater", "score": 999999}))
        .await;
    stack
        .submit("global", json!({"player": "honest", "score": 10}))
        .await;
    let (status, _, _) = stack
        .send(server(ApiRequest::new(
            "DELETE",
            "/v1/boards/global/players/cheater",
        )))
        .await;
    assert_eq!(status, 204);
    let (_, top, _) = stack.send(get("/v1/boards/global/top?period=daily")).await;
    assert_eq!(top["total"], 1);
    assert_eq!(top["entries"][0]["player"], "honest");
    let (status, _, _) = stack
        .send(server(ApiRequest::new(
            "DELETE",
            "/v1/boards/global?period=daily",
        )))
        .await;
    assert_eq!(status, 204);
    let (_, daily, _) = stack.send(get("/v1/boards/global/top?period=daily")).await;
    assert_eq!(daily["total"], 0);
    let (_, alltime, _) = stack.send(get("/v1/boards/global/top")).await;
    assert_eq!(alltime["total"], 1, "only the daily period was reset");
    let (status, body, _) = stack
        .send(ApiRequest::new("DELETE", "/v1/boards/global?period=daily"))
        .await;
    assert_eq!((status, code(&body)), (401, "unauthorized"));
}

/// Every route the table marks `bearer admin`, as a request removing `player` from `global` or
/// emptying its daily period.
fn admin_requests(player: &str) -> Vec<(Operation, ApiRequest)> {
    Operation::ALL
        .iter()
        .filter(|operation| operation.bearer() == Some(Credential::Admin))
        .map(|&operation| {
            let query: Vec<String> = operation
                .query()
                .iter()
                .filter(|query| query.required())
                .map(|&query| match query {
                    Query::PeriodToEmpty => "period=daily".to_owned(),
                    Query::Id => format!("id={player}"),
                    other => panic!("{operation:?}: no value for ?{}=", other.name()),
                })
                .collect();
            let mut path = operation.path("global", player);
            if !query.is_empty() {
                path = format!("{path}?{}", query.join("&"));
            }
            let method = operation.method().as_lower().to_ascii_uppercase();
            let request = ApiRequest::new(&method, &path);
            // A valid body where one is taken, so that only the credential is wrong.
            let request = match operation.takes() {
                Some(_) => request
                    .with_header("content-type", "application/json")
                    .with_body("{}"),
                None => request,
            };
            (operation, request)
        })
        .collect()
}

/// What the moderation routes could change: both periods of `global`, in full.
async fn global_standings(stack: &Stack) -> (Value, Value) {
    let (_, daily, _) = stack.send(get("/v1/boards/global/top?period=daily")).await;
    let (_, alltime, _) = stack.send(get("/v1/boards/global/top")).await;
    (daily, alltime)
}

/// With `PODIUM_ADMIN_KEY` set, only it moderates: the server key gets 403
/// `admin_key_required`, a session 403 `forbidden`, no key or a wrong one 401, and none of them
/// changes anything.
#[tokio::test]
async fn with_an_admin_key_only_the_admin_key_moderates() {
    let stack = Stack::start_with_admin_key(Some(ADMIN_KEY)).await;
    stack
        .submit("global", json!({"player": "cheater", "score": 999999}))
        .await;
    stack
        .submit("global", json!({"player": "honest", "score": 10}))
        .await;
    let (status, session, _) = stack
        .send(server(post("/v1/sessions", json!({"player": "honest"}))))
        .await;
    assert_eq!(
        status, 201,
        "the server key still makes sessions: {session}"
    );
    let token = session["token"].as_str().unwrap_or_default().to_owned();
    let before = global_standings(&stack).await;
    assert_eq!(before.0["total"], 2);

    let requests = admin_requests("cheater");
    assert!(
        !requests.is_empty(),
        "the table marks the moderation routes bearer admin"
    );
    let refusals = [
        (
            "the server key",
            Some(SERVER_KEY),
            403,
            "admin_key_required",
        ),
        ("a session", Some(token.as_str()), 403, "forbidden"),
        ("no key", None, 401, "unauthorized"),
        (
            "a wrong admin key",
            Some("admin-key-for-testz"),
            401,
            "unauthorized",
        ),
    ];
    for (operation, request) in &requests {
        for (who, token, status, error) in refusals {
            let request = match token {
                Some(token) => bearer(request.clone(), token),
                None => request.clone(),
            };
            let (actual, body, _) = stack.send(request).await;
            assert_eq!(
                (actual, code(&body)),
                (status, error),
                "{operation:?}, {who}: {body}"
            );
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(!message.contains(ADMIN_KEY) && !message.contains(SERVER_KEY));
            assert_eq!(
                global_standings(&stack).await,
                before,
                "{operation:?}, {who}"
            );
        }
    }

    let removal = ApiRequest::new("DELETE", "/v1/boards/global/players/cheater");
    let (status, body, _) = stack.send(bearer(removal, ADMIN_KEY)).await;
    assert_eq!(status, 204, "{body}");
    let (daily, alltime) = global_standings(&stack).await;
    assert_eq!(
        (daily["total"].clone(), alltime["total"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(daily["entries"][0]["player"], "honest");
    let (status, _, _) = stack
        .send(bearer(
            ApiRequest::new("DELETE", "/v1/boards/global/players?id=honest"),
            ADMIN_KEY,
        ))
        .await;
    assert_eq!(status, 204);
    stack
        .submit("global", json!({"player": "honest", "score": 10}))
        .await;
    let (status, _, _) = stack
        .send(bearer(
            ApiRequest::new("DELETE", "/v1/boards/global?period=daily"),
            ADMIN_KEY,
        ))
        .await;
    assert_eq!(status, 204);
    let (daily, alltime) = global_standings(&stack).await;
    assert_eq!(
        (daily["total"].clone(), alltime["total"].clone()),
        (json!(0), json!(1))
    );
}

/// The admin key moderates and nothing else: it makes no sessions, writes no scores and ends no
/// session, so a leaked admin key cannot write a score.
#[tokio::test]
async fn the_admin_key_cannot_do_what_the_server_key_does() {
    let stack = Stack::start_with_admin_key(Some(ADMIN_KEY)).await;
    let (status, body, _) = stack
        .send(bearer(
            post("/v1/sessions", json!({"player": "alice"})),
            ADMIN_KEY,
        ))
        .await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "{body}");
    let (status, body, _) = stack
        .send(bearer(
            post(
                "/v1/boards/global/scores",
                json!({"player": "alice", "score": 5}),
            ),
            ADMIN_KEY,
        ))
        .await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "{body}");
    let (_, top, _) = stack.send(get("/v1/boards/global/top")).await;
    assert_eq!(top["total"], 0, "nothing was written");
    let (status, body, _) = stack
        .send(bearer(
            ApiRequest::new("DELETE", "/v1/sessions/current"),
            ADMIN_KEY,
        ))
        .await;
    assert_eq!((status, code(&body)), (401, "unauthorized"), "{body}");
}

#[tokio::test]
async fn rate_limits_refuse_with_headers_and_the_block_cache_spares_redis() {
    let stack = Stack::start().await;
    for score in 1..=10 {
        let (status, _, response) = stack
            .submit("global", json!({"player": "spammer", "score": score}))
            .await;
        assert_eq!(status, 200);
        assert_eq!(response.header("ratelimit-limit"), Some("10"));
    }
    let (status, body, response) = stack
        .submit("global", json!({"player": "spammer", "score": 11}))
        .await;
    assert_eq!((status, code(&body)), (429, "rate_limited"));
    assert_eq!(response.header("ratelimit-remaining"), Some("0"));
    let retry: u64 = response
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // A sliding window weighs the previous window too, so the wait can reach two windows.
    assert!((1..=20).contains(&retry), "Retry-After {retry}");
    // Refused again from the isolate's block cache: no gateway call at all, the same headers.
    let before = stack.gateway_requests().await;
    let (status, cached_body, cached) = stack
        .submit("global", json!({"player": "spammer", "score": 12}))
        .await;
    assert_eq!((status, code(&cached_body)), (429, "rate_limited"));
    assert_eq!(stack.gateway_requests().await, before, "no gateway call");
    for header in [
        "retry-after",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
    ] {
        assert_eq!(cached.header(header), response.header(header), "{header}");
    }
    // Another player is not affected; after the window the spammer may write again.
    assert_eq!(
        stack
            .submit("global", json!({"player": "other", "score": 1}))
            .await
            .0,
        200
    );
    let later = server(post(
        "/v1/boards/global/scores",
        json!({"player": "spammer", "score": 13}),
    ));
    assert_eq!(stack.send_at(later, T0 + 20_000).await.0, 200);
}

#[tokio::test]
async fn top_reads_carry_etags_and_cors_follows_the_allow_list() {
    let stack = Stack::start().await;
    stack
        .submit("global", json!({"player": "a", "score": 1}))
        .await;
    let (_, _, first) = stack.send(get("/v1/boards/global/top")).await;
    let etag = first.header("etag").unwrap_or_default().to_owned();
    assert_eq!(first.header("cache-control"), Some("public, max-age=1"));
    let (status, _, second) = stack
        .send(get("/v1/boards/global/top").with_header("if-none-match", &etag))
        .await;
    assert_eq!((status, second.body.len()), (304, 0));
    stack
        .submit("global", json!({"player": "b", "score": 2}))
        .await;
    let (status, _, _) = stack
        .send(get("/v1/boards/global/top").with_header("if-none-match", &etag))
        .await;
    assert_eq!(status, 200, "the board changed");

    let from = |origin: &str| get("/v1/boards/global/top").with_header("origin", origin);
    let (_, _, allowed) = stack.send(from("https://game.example")).await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://game.example")
    );
    let (_, _, refused) = stack.send(from("https://evil.example")).await;
    assert_eq!(refused.header("access-control-allow-origin"), None);
    let preflight = ApiRequest::new("OPTIONS", "/v1/boards/global/scores")
        .with_header("origin", "https://game.example");
    let (status, _, response) = stack.send(preflight).await;
    assert_eq!(status, 204);
    assert!(
        response
            .header("access-control-allow-headers")
            .is_some_and(|h| h.contains("Authorization"))
    );
}

#[tokio::test]
async fn around_and_player_reads_carry_etags_too() {
    let stack = Stack::start().await;
    for (player, score) in [("a", 30), ("b", 20), ("c", 10)] {
        stack
            .submit("global", json!({"player": player, "score": score}))
            .await;
    }
    for path in [
        "/v1/boards/global/players/b/around?radius=1",
        "/v1/boards/global/players/b",
    ] {
        let (status, _, first) = stack.send(get(path)).await;
        assert_eq!(status, 200, "{path}");
        let etag = first.header("etag").expect("an ETag").to_owned();
        assert_eq!(
            first.header("cache-control"),
            Some("public, max-age=0"),
            "live: {path}"
        );
        let (status, _, second) = stack
            .send(get(path).with_header("if-none-match", &etag))
            .await;
        assert_eq!((status, second.body.len()), (304, 0), "{path}");
        assert_eq!(second.header("etag"), Some(etag.as_str()), "{path}");
        let (status, _, _) = stack
            .send(get(path).with_header("if-none-match", "\"stale\""))
            .await;
        assert_eq!(status, 200, "{path}: another tag gets the page");
    }

    // A change next to the player (not to the player) is a new page for around.
    let around = "/v1/boards/global/players/b/around?radius=1";
    let (_, _, before) = stack.send(get(around)).await;
    let etag = before.header("etag").expect("an ETag").to_owned();
    stack
        .submit("global", json!({"player": "c", "score": 15}))
        .await;
    let (status, body, _) = stack
        .send(get(around).with_header("if-none-match", &etag))
        .await;
    assert_eq!(status, 200, "the neighbourhood changed");
    assert_eq!(body["entries"][2]["score"], 15);

    // Not ranked: a 200 naming it (the top of the board instead), with an ETag of its own.
    let (status, body, response) = stack
        .send(get("/v1/boards/global/players/nobody/around"))
        .await;
    assert_eq!((status, &body["ranked"]), (200, &json!(false)), "{body}");
    assert!(response.header("etag").is_some());
}

#[tokio::test]
async fn sum_boards_add_up() {
    let stack = Stack::start().await;
    for _ in 0..3 {
        stack
            .submit("clicks", json!({"player": "clicker", "score": 5}))
            .await;
    }
    let (_, body, _) = stack.send(get("/v1/boards/clicks/players/clicker")).await;
    assert_eq!(body["score"], 15);
}

#[tokio::test]
async fn health_reports_the_store() {
    let stack = Stack::start().await;
    assert_eq!(
        stack.send(get("/v1/health")).await.1,
        json!({"status": "ok"})
    );
}

/// Every operation the OpenAPI document describes is routed (never `not_found` or
/// `method_not_allowed`), and every route is described.
#[tokio::test]
async fn the_openapi_document_matches_the_router() {
    let stack = Stack::start().await;
    let document = openapi_json();
    let (status, served, _) = stack.send(get("/v1/openapi.json")).await;
    assert_eq!((status, &served), (200, &document));
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    let mut operations = 0;
    for (path, item) in &paths {
        let concrete = path
            .replace("{board}", "global")
            .replace("{player}", "alice");
        for method in item
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let request = server(ApiRequest::new(&method, &concrete))
                .with_header("content-type", "application/json")
                .with_body("{}");
            let (status, body, _) = stack.send(request).await;
            assert!(
                !matches!(code(&body), "not_found" | "method_not_allowed"),
                "{method} {path} is documented but not routed: {status} {body}"
            );
            operations += 1;
        }
    }
    assert_eq!(
        operations,
        Operation::ALL.len(),
        "every operation is documented"
    );
    // And the converse: an undocumented method on a documented path is 405.
    let (status, _, _) = stack.send(ApiRequest::new("PATCH", "/v1/boards")).await;
    assert_eq!(status, 405);
    let codes: Vec<&str> = document["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]
        .as_array()
        .map(|codes| codes.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(codes.contains(&"rate_limited") && codes.contains(&"player_not_found"));
}

#[tokio::test]
async fn a_write_names_the_period_its_rank_is_in_and_when_that_resets() {
    let stack = Stack::start().await;
    // T0 is 13:00 in Paris; the daily period there ends at midnight Paris time (23:00Z).
    let (status, body, _) = stack
        .submit("today", json!({"player": "ann", "score": 5}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["period"],
        json!({"period": "daily", "id": "2026-11-25"})
    );
    assert_eq!(body["resets_at"], json!(T0 + 11 * 3_600_000));
    assert_eq!(body["rank"], 1);
}

/// A 5xx answer stays generic for the client; its cause goes to the error log, without secrets.
#[tokio::test]
async fn the_cause_of_a_5xx_goes_to_the_error_log_not_the_client() {
    static LOG: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let redis_server = RedisServer::start().await;
    let gateway = TestGateway::start(&redis_server).await;
    let vars = |name: &str| match name {
        "PODIUM_BOARDS" => Some(BOARDS.to_owned()),
        "PODIUM_SERVER_KEY" => Some(SERVER_KEY.to_owned()),
        _ => None,
    };
    let wrong_token = "not-the-gateway-token-0123456789";
    let client = Client::new(
        &gateway.url,
        wrong_token,
        ReqwestTransport::new().expect("transport"),
    );
    let api = Api::new(ApiConfig::from_vars(vars).expect("config"), client)
        .with_error_log(|line| LOG.lock().expect("log").push(line.to_owned()));
    let request = server(post(
        "/v1/boards/global/scores",
        json!({"player": "alice", "score": 1}),
    ));
    let response = api.handle(&request, T0, || Some([7; 32])).await;
    assert_eq!(response.status, 500);
    let body: Value = serde_json::from_slice(&response.body).expect("JSON");
    assert_eq!(
        body,
        json!({"error": {"code": "internal", "message": "internal error"}})
    );
    let log = LOG.lock().expect("log").clone();
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(
        log[0].contains("POST /v1/boards/global/scores answered 500 internal")
            && log[0].contains("REST token was refused"),
        "{log:?}"
    );
    assert!(!log[0].contains(wrong_token) && !log[0].contains(SERVER_KEY));
    drop(gateway);
}

#[tokio::test]
async fn one_board_reads_as_the_list_shows_it_and_is_cacheable() {
    let stack = Stack::start().await;
    let (status, list, _) = stack.send(get("/v1/boards")).await;
    assert_eq!(status, 200);
    let listed = list["boards"]
        .as_array()
        .and_then(|boards| boards.iter().find(|board| board["id"] == "today"))
        .cloned()
        .expect("the list holds today");
    let (status, board, response) = stack.send(get("/v1/boards/today")).await;
    assert_eq!((status, &board), (200, &listed));
    assert_eq!(board["timezone"], "Europe/Paris");
    assert_eq!(board["periods"][0]["period"], "daily");
    assert_eq!(response.header("cache-control"), Some("public, max-age=1"));
    let etag = response.header("etag").unwrap_or_default().to_owned();
    let (status, _, _) = stack
        .send(get("/v1/boards/today").with_header("if-none-match", &etag))
        .await;
    assert_eq!(status, 304);
    let (status, body, _) = stack.send(get("/v1/boards/nope")).await;
    assert_eq!((status, code(&body)), (404, "unknown_board"));
    let (status, _, _) = stack
        .send(server(ApiRequest::new("POST", "/v1/boards/today")))
        .await;
    assert_eq!(status, 405);
}
