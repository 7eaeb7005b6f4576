//! The board registry through the API (`PUT /v1/boards/{board}`, retire, purge, the list), on
//! the real gateway and a real Valkey (or Redis 7 with `PODIUM_TEST_SERVER=redis`). Time is
//! injected, so the isolate's once-a-second refresh is stepped, not waited for.

mod common;

use std::time::Instant;

use futures::StreamExt;
use podium_api::{Api, ApiConfig, ApiRequest, ApiResponse};
use podium_core::keys;
use podium_redis::{Client, ReqwestTransport};
use podium_testkit::{RedisServer, TestGateway};
use serde_json::{Value, json};

use common::{bearer, body, client, code, get, post, start_api};

/// 2026-11-25T12:00:00Z.
const T0: i64 = 1_795_608_000_000;
const SERVER_KEY: &str = "server-key-for-registry-tests";
const ADMIN_KEY: &str = "admin-key-for-registry-tests";
const SEEDS: &str = r#"[{"id": "global", "periods": ["alltime", "daily"]},
                        {"id": "seeded", "title": "Seeded"}]"#;

struct Stack {
    _server: RedisServer,
    gateway: TestGateway,
    api: Api<ReqwestTransport>,
    redis: Client<ReqwestTransport>,
}

fn vars(name: &str) -> Option<String> {
    match name {
        "PODIUM_BOARDS" => Some(SEEDS.to_owned()),
        "PODIUM_SERVER_KEY" => Some(SERVER_KEY.to_owned()),
        "PODIUM_ADMIN_KEY" => Some(ADMIN_KEY.to_owned()),
        _ => None,
    }
}

impl Stack {
    async fn start() -> Self {
        let (server, gateway, api) = start_api(vars).await;
        let redis = client(&gateway);
        Self {
            _server: server,
            gateway,
            api,
            redis,
        }
    }

    /// Another isolate: its own API (and registry copy) over the same store.
    fn isolate(&self) -> Api<ReqwestTransport> {
        Api::new(ApiConfig::from_vars(vars).unwrap(), client(&self.gateway))
    }

    async fn send_at(&self, request: ApiRequest, now_ms: i64) -> (u16, Value, ApiResponse) {
        send(&self.api, request, now_ms).await
    }

    async fn send(&self, request: ApiRequest) -> (u16, Value, ApiResponse) {
        self.send_at(request, T0).await
    }

    async fn score(&self, board: &str, player: &str, score: i64) -> (u16, Value) {
        let request = bearer(
            post(
                &format!("/v1/boards/{board}/scores"),
                json!({"player": player, "score": score}),
            ),
            SERVER_KEY,
        );
        let (status, body, _) = self.send(request).await;
        (status, body)
    }

    async fn exists(&self, key: &str) -> bool {
        let found: i64 = self
            .redis
            .query(podium_redis::Command::new("EXISTS").arg(key))
            .await
            .unwrap();
        found == 1
    }
}

async fn send(
    api: &Api<ReqwestTransport>,
    request: ApiRequest,
    now_ms: i64,
) -> (u16, Value, ApiResponse) {
    let response = api.handle(&request, now_ms, || Some([9; 32])).await;
    (response.status, body(&response), response)
}

fn put(board: &str, config: Value) -> ApiRequest {
    bearer(
        ApiRequest::new("PUT", &format!("/v1/boards/{board}"))
            .with_header("content-type", "application/json")
            .with_body(config.to_string()),
        ADMIN_KEY,
    )
}

fn retire(board: &str, query: &str) -> ApiRequest {
    bearer(
        ApiRequest::new("POST", &format!("/v1/boards/{board}/retire{query}")),
        ADMIN_KEY,
    )
}

fn version(response: &ApiResponse) -> u64 {
    let etag = response.header("etag").expect("an ETag");
    etag.trim_matches('"').parse().expect("a version ETag")
}

fn board_id(n: usize) -> String {
    format!("b{n:05}")
}

#[tokio::test]
async fn a_board_is_created_written_read_updated_retired_and_purged() {
    let stack = Stack::start().await;
    // Daily with a long retention: 2 + 2 × (1 + 1 + 150) = 306 keys, so a purge takes steps.
    let config = json!({"title": "Level 1", "periods": ["alltime", "daily"], "retention": 150});
    let (status, created, response) = stack.send(put("level-1", config.clone())).await;
    assert_eq!(status, 201, "{created}");
    let v1 = version(&response);
    assert_eq!(created["version"], json!(v1));
    assert_eq!(created["source"], "registry");
    assert_eq!(created["title"], "Level 1");

    let (status, info, _) = stack.send(get("/v1/boards/level-1")).await;
    assert_eq!((status, info["version"].as_u64()), (200, Some(v1)));

    assert_eq!(stack.score("level-1", "alice", 10).await.0, 200);
    let (status, written) = stack.score("level-1", "bob", 20).await;
    assert_eq!((status, written["rank"].as_u64()), (200, Some(1)));
    let (_, top, _) = stack.send(get("/v1/boards/level-1/top")).await;
    let players: Vec<&str> = top["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["player"].as_str().unwrap())
        .collect();
    assert_eq!(players, ["bob", "alice"]);
    let (status, alice, _) = stack
        .send(get("/v1/boards/level-1/players/alice?period=daily"))
        .await;
    assert_eq!((status, alice["rank"].as_u64()), (200, Some(2)));

    // A session (stored on the configured boards) writes its own player's scores here too.
    let session = bearer(post("/v1/sessions", json!({"player": "carol"})), SERVER_KEY);
    let (status, session, _) = stack.send(session).await;
    assert_eq!(status, 201);
    let token = session["token"].as_str().unwrap();
    let own = bearer(
        post(
            "/v1/boards/level-1/scores",
            json!({"player": "carol", "score": 5}),
        ),
        token,
    );
    assert_eq!(stack.send(own).await.0, 200);
    let other = bearer(
        post(
            "/v1/boards/level-1/scores",
            json!({"player": "bob", "score": 99}),
        ),
        token,
    );
    let (status, refused, _) = stack.send(other).await;
    assert_eq!((status, code(&refused)), (403, "forbidden"));

    // An update: title, retention, a rate limit; the next write already obeys it.
    let updated = json!({"title": "Level One", "periods": ["alltime", "daily"], "retention": 150,
                         "rate_limits": {"player": {"limit": 1, "window_seconds": 60}}});
    let request = put("level-1", updated.clone()).with_header("if-match", &format!("\"{v1}\""));
    let (status, replaced, response) = stack.send(request).await;
    assert_eq!(
        (status, replaced["title"].as_str()),
        (200, Some("Level One"))
    );
    let v2 = version(&response);
    assert!(v2 > v1);
    assert_eq!(stack.score("level-1", "dave", 1).await.0, 200);
    let (status, limited) = stack.score("level-1", "dave", 2).await;
    assert_eq!((status, code(&limited)), (429, "rate_limited"));
    let stale = put("level-1", updated).with_header("if-match", &format!("\"{v1}\""));
    let (status, stale, _) = stack.send(stale).await;
    assert_eq!((status, code(&stale)), (412, "precondition_failed"));

    // Retired: writes refused with their code, reads kept.
    let (status, retired, _) = stack.send(retire("level-1", "")).await;
    assert_eq!((status, retired["remaining"].as_bool()), (200, Some(true)));
    let (status, refused) = stack.score("level-1", "erin", 3).await;
    assert_eq!((status, code(&refused)), (410, "board_retired"));
    let (status, top, _) = stack.send(get("/v1/boards/level-1/top")).await;
    assert_eq!((status, top["total"].as_u64()), (200, Some(4)));
    let (status, info, _) = stack.send(get("/v1/boards/level-1")).await;
    assert_eq!((status, info["retired"].as_bool()), (200, Some(true)));
    let (status, again, _) = stack.send(put("level-1", config)).await;
    assert_eq!((status, code(&again)), (410, "board_retired"));

    // Purged in bounded steps, checked at each one.
    let board = podium_core::BoardId::try_from("level-1").unwrap();
    let today = podium_core::Period::current(
        podium_core::PeriodKind::Daily,
        &podium_core::TimeZone::UTC,
        T0,
    )
    .unwrap();
    let all_time = podium_core::Period::all_time();
    assert!(stack.exists(&keys::scores(&board, &today)).await);
    let mut steps = 0;
    loop {
        let (status, step, _) = stack.send(retire("level-1", "?purge=true")).await;
        steps += 1;
        match status {
            202 => {
                assert_eq!(step["remaining"], true);
                // The first step takes the names and all time; today's daily keys come next.
                assert!(!stack.exists(&keys::names(&board)).await);
                assert!(!stack.exists(&keys::scores(&board, &all_time)).await);
                let (status, _, _) = stack.send(get("/v1/boards/level-1")).await;
                assert_eq!(status, 200, "listed until the last step");
            }
            200 => {
                assert_eq!(step["remaining"], false);
                break;
            }
            other => panic!("purge step {steps}: {other} {step}"),
        }
        assert!(steps < 10, "a purge must end");
    }
    assert_eq!(steps, 4, "306 keys, 100 a step");
    assert!(!stack.exists(&keys::scores(&board, &today)).await);
    let (status, gone, _) = stack.send(get("/v1/boards/level-1")).await;
    assert_eq!((status, code(&gone)), (404, "unknown_board"));
    // The id is free again.
    assert_eq!(stack.send(put("level-1", json!({}))).await.0, 201);
}

#[tokio::test]
async fn concurrent_edits_have_exactly_one_winner() {
    let stack = Stack::start().await;
    let creates = (0..8).map(|n| stack.send(put("race", json!({"title": format!("T{n}")}))));
    let statuses: Vec<u16> = futures::future::join_all(creates)
        .await
        .into_iter()
        .map(|(status, _, _)| status)
        .collect();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 412).count(),
        7,
        "{statuses:?}"
    );

    let (_, info, _) = stack.send(get("/v1/boards/race")).await;
    let current = info["version"].as_u64().unwrap();
    let edits = (0..8).map(|n| {
        let request = put("race", json!({"title": format!("E{n}")}))
            .with_header("if-match", &format!("\"{current}\""));
        stack.send(request)
    });
    let statuses: Vec<u16> = futures::future::join_all(edits)
        .await
        .into_iter()
        .map(|(status, _, _)| status)
        .collect();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 412).count(),
        7,
        "{statuses:?}"
    );
    let star = put("missing", json!({})).with_header("if-match", "*");
    let (status, refused, _) = stack.send(star).await;
    assert_eq!((status, code(&refused)), (412, "precondition_failed"));
}

#[tokio::test]
async fn changes_that_would_corrupt_scores_need_a_reset() {
    let stack = Stack::start().await;
    let config = json!({"policy": "sum", "periods": ["alltime", "daily"]});
    assert_eq!(stack.send(put("clicks", config)).await.0, 201);
    // Without scores, any change is safe.
    let empty = json!({"policy": "sum", "order": "lower", "periods": ["alltime", "daily"]});
    assert_eq!(stack.send(put("clicks", empty)).await.0, 200);
    let config = json!({"policy": "sum", "periods": ["alltime", "daily"]});
    assert_eq!(stack.send(put("clicks", config)).await.0, 200);
    assert_eq!(stack.score("clicks", "alice", 5).await.0, 200);
    for change in [
        json!({"policy": "sum", "order": "lower", "periods": ["alltime", "daily"]}),
        json!({"policy": "best", "periods": ["alltime", "daily"]}),
        json!({"policy": "sum", "periods": ["alltime"]}),
        json!({"policy": "sum", "periods": ["alltime", "daily"], "timezone": "Asia/Tokyo"}),
    ] {
        let (status, refused, _) = stack.send(put("clicks", change.clone())).await;
        assert_eq!(
            (status, code(&refused)),
            (409, "unsafe_board_change"),
            "{change}"
        );
    }
    let (_, top, _) = stack.send(get("/v1/boards/clicks/top")).await;
    assert_eq!(top["total"], 1, "nothing changed");
    let reset = bearer(
        ApiRequest::new("PUT", "/v1/boards/clicks?reset=true")
            .with_header("content-type", "application/json")
            .with_body(json!({"policy": "best"}).to_string()),
        ADMIN_KEY,
    );
    let (status, replaced, _) = stack.send(reset).await;
    assert_eq!((status, replaced["policy"].as_str()), (200, Some("best")));
    let (_, top, _) = stack.send(get("/v1/boards/clicks/top")).await;
    assert_eq!(top["total"], 0, "the reset deleted the scores");
    // A board whose data spans more keys than one request deletes cannot be reset.
    let long = json!({"periods": ["daily"], "retention": 100});
    assert_eq!(stack.send(put("long", long)).await.0, 201);
    assert_eq!(stack.score("long", "alice", 1).await.0, 200);
    let reset = bearer(
        ApiRequest::new("PUT", "/v1/boards/long?reset=true")
            .with_header("content-type", "application/json")
            .with_body(json!({"periods": ["weekly"]}).to_string()),
        ADMIN_KEY,
    );
    let (status, refused, _) = stack.send(reset).await;
    assert_eq!((status, code(&refused)), (409, "unsafe_board_change"));
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("purge")
    );
}

#[tokio::test]
async fn seeded_boards_are_read_only_and_listed_with_the_registry() {
    let stack = Stack::start().await;
    let (status, refused, _) = stack.send(put("seeded", json!({}))).await;
    assert_eq!((status, code(&refused)), (409, "board_from_config"));
    let (status, refused, _) = stack.send(retire("global", "?purge=true")).await;
    assert_eq!((status, code(&refused)), (409, "board_from_config"));
    // A registry entry under a seed's id (made before the seed was configured) stays hidden.
    let hidden = podium_board::RegistryEntry {
        board: podium_core::Board::from_value(json!({"id": "seeded", "title": "Hidden"})).unwrap(),
        version: 0,
        retired: false,
        purged: 0,
    };
    let seeded = podium_core::BoardId::try_from("seeded").unwrap();
    podium_board::registry_write(&stack.redis, &seeded, 0, Some(&hidden))
        .await
        .unwrap();
    let (_, info, _) = stack.send(get("/v1/boards/seeded")).await;
    assert_eq!(
        (info["title"].as_str(), info["source"].as_str()),
        (Some("Seeded"), Some("config"))
    );
    for n in 0..250 {
        assert_eq!(stack.send(put(&board_id(n), json!({}))).await.0, 201);
    }
    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/v1/boards?limit=100&cursor={cursor}"),
            None => "/v1/boards?limit=100".to_owned(),
        };
        let (status, page, _) = stack.send(get(&path)).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        for board in page["boards"].as_array().unwrap() {
            let source = if board["version"].is_null() {
                "config"
            } else {
                "registry"
            };
            assert_eq!(board["source"], source);
            listed.push(board["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut expected: Vec<String> = (0..250).map(board_id).collect();
    expected.extend(["global".to_owned(), "seeded".to_owned()]);
    expected.sort();
    assert_eq!(listed, expected);
    let (status, bad, _) = stack.send(get("/v1/boards?cursor=%%%")).await;
    assert_eq!((status, code(&bad)), (400, "invalid_parameter"));
    let (status, bad, _) = stack.send(get("/v1/boards?limit=101")).await;
    assert_eq!((status, code(&bad)), (400, "invalid_parameter"));
}

#[tokio::test]
async fn ten_thousand_boards() {
    let stack = Stack::start().await;
    let started = Instant::now();
    let statuses: Vec<u16> = futures::stream::iter(0..10_000)
        .map(|n| {
            let stack = &stack;
            async move {
                stack
                    .send(put(&board_id(n), json!({"periods": ["alltime", "daily"]})))
                    .await
                    .0
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let took = started.elapsed();
    assert!(statuses.iter().all(|&status| status == 201));
    println!("10000 boards created through the API (64 in flight): {took:?}");
    let (status, _) = stack.score(&board_id(9_999), "alice", 1).await;
    assert_eq!(status, 200);
    let (status, page, _) = stack.send(get("/v1/boards?limit=100")).await;
    assert_eq!(
        (status, page["boards"].as_array().map(Vec::len)),
        (200, Some(100))
    );
    let started = Instant::now();
    let mut cursor = page["next_cursor"].as_str().map(str::to_owned);
    let mut total = 100;
    while let Some(next) = cursor {
        let (_, page, _) = stack.send(get(&format!("/v1/boards?cursor={next}"))).await;
        total += page["boards"].as_array().unwrap().len();
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    println!(
        "listed {total} boards in pages of 100: {:?}",
        started.elapsed()
    );
    assert_eq!(total, 10_002);
}

#[tokio::test]
async fn another_isolate_sees_a_change_within_a_second_of_its_clock() {
    let stack = Stack::start().await;
    let other = stack.isolate();
    assert_eq!(
        stack
            .send(put("shared", json!({"title": "Before"})))
            .await
            .0,
        201
    );
    let (status, info, _) = send(&other, get("/v1/boards/shared"), T0).await;
    assert_eq!((status, info["title"].as_str()), (200, Some("Before")));
    assert_eq!(
        stack.send(put("shared", json!({"title": "After"}))).await.0,
        200
    );
    // The same isolate sees its own change at once; the other keeps its copy for a second.
    let (_, info, _) = stack.send(get("/v1/boards/shared")).await;
    assert_eq!(info["title"], "After");
    let (_, info, _) = send(&other, get("/v1/boards/shared"), T0 + 999).await;
    assert_eq!(info["title"], "Before");
    let (_, info, _) = send(&other, get("/v1/boards/shared"), T0 + 1_000).await;
    assert_eq!(info["title"], "After");
    // Retiring is seen by the other isolate's writes within the same second.
    assert_eq!(stack.send(retire("shared", "")).await.0, 200);
    let write = || {
        bearer(
            post(
                "/v1/boards/shared/scores",
                json!({"player": "a", "score": 1}),
            ),
            SERVER_KEY,
        )
    };
    assert_eq!(
        send(&other, write(), T0 + 1_500).await.0,
        200,
        "still its copy"
    );
    let (status, refused, _) = send(&other, write(), T0 + 2_000).await;
    assert_eq!((status, code(&refused)), (410, "board_retired"));
}

#[tokio::test]
async fn bad_board_requests_are_refused_with_their_code_and_write_nothing() {
    let stack = Stack::start().await;
    let session = bearer(post("/v1/sessions", json!({"player": "p"})), SERVER_KEY);
    let (_, session, _) = stack.send(session).await;
    let token = session["token"].as_str().unwrap().to_owned();
    let raw = |body: &str| {
        bearer(
            ApiRequest::new("PUT", "/v1/boards/fresh")
                .with_header("content-type", "application/json")
                .with_body(body.to_owned()),
            ADMIN_KEY,
        )
    };
    let cases: Vec<(ApiRequest, u16, &str)> = vec![
        (put("fresh", json!({"colour": "red"})), 400, "unknown_field"),
        (
            put(
                "fresh",
                json!({"rate_limits": {"ip": {"limit": 1, "window_seconds": 1, "burst": 1}}}),
            ),
            400,
            "unknown_field",
        ),
        (put("fresh", json!({"title": " "})), 400, "invalid_board"),
        (
            put("fresh", json!({"title": "x".repeat(65)})),
            400,
            "invalid_board",
        ),
        (put("fresh", json!({"order": "desc"})), 400, "invalid_board"),
        (put("fresh", json!({"policy": "max"})), 400, "invalid_board"),
        (put("fresh", json!({"periods": []})), 400, "invalid_board"),
        (
            put("fresh", json!({"periods": ["hourly"]})),
            400,
            "invalid_board",
        ),
        (
            put("fresh", json!({"periods": ["daily", "daily"]})),
            400,
            "invalid_board",
        ),
        (
            put("fresh", json!({"timezone": "Mars/Olympus"})),
            400,
            "invalid_board",
        ),
        (
            put("fresh", json!({"retention": 1001})),
            400,
            "invalid_board",
        ),
        (put("fresh", json!({"retention": -1})), 400, "invalid_board"),
        (
            put("fresh", json!({"min_score": 1.5})),
            400,
            "invalid_board",
        ),
        (
            put("fresh", json!({"max_score": 9_007_199_254_740_992_u64})),
            400,
            "invalid_board",
        ),
        (
            put("fresh", json!({"min_score": 5, "max_score": 5})),
            400,
            "invalid_board",
        ),
        (
            put(
                "fresh",
                json!({"rate_limits": {"player": {"limit": 0, "window_seconds": 1}}}),
            ),
            400,
            "invalid_board",
        ),
        (
            put(
                "fresh",
                json!({"rate_limits": {"ip": {"limit": 1, "window_seconds": 0}}}),
            ),
            400,
            "invalid_board",
        ),
        (put("fresh", json!({"id": "other"})), 400, "invalid_board"),
        (put("fresh", json!([])), 400, "invalid_board"),
        (put("bad%20id", json!({})), 400, "invalid_board"),
        (raw("{"), 400, "invalid_json"),
        (raw("not json"), 400, "invalid_json"),
        (
            raw(&format!(r#"{{"title": "{}"}}"#, "x".repeat(5000))),
            413,
            "body_too_large",
        ),
        (
            bearer(
                ApiRequest::new("PUT", "/v1/boards/fresh")
                    .with_header("content-type", "text/plain")
                    .with_body("{}"),
                ADMIN_KEY,
            ),
            415,
            "unsupported_media_type",
        ),
        (
            put("fresh", json!({})).with_header("if-match", "\"7\""),
            412,
            "precondition_failed",
        ),
        (
            put("fresh", json!({})).with_header("if-match", "seven"),
            412,
            "precondition_failed",
        ),
        (
            put("fresh?reset=maybe", json!({})),
            400,
            "invalid_parameter",
        ),
        (
            bearer(
                ApiRequest::new("PUT", "/v1/boards/fresh").with_body("{}"),
                SERVER_KEY,
            ),
            403,
            "admin_key_required",
        ),
        (
            bearer(
                ApiRequest::new("PUT", "/v1/boards/fresh").with_body("{}"),
                &token,
            ),
            403,
            "forbidden",
        ),
        (
            ApiRequest::new("PUT", "/v1/boards/fresh").with_body("{}"),
            401,
            "unauthorized",
        ),
        (retire("nothing", ""), 404, "unknown_board"),
        (retire("nothing", "?purge=yes"), 400, "invalid_parameter"),
        // Which boards exist is public: an unknown one is refused before the credentials.
        (
            bearer(
                ApiRequest::new("POST", "/v1/boards/nothing/retire"),
                SERVER_KEY,
            ),
            404,
            "unknown_board",
        ),
    ];
    for (request, status, expected) in cases {
        let described = format!("{} {}?{:?}", request.method, request.path, request.query);
        let (got, answer, _) = stack.send(request).await;
        assert_eq!(
            (got, code(&answer)),
            (status, expected),
            "{described}: {answer}"
        );
    }
    let version = stack.redis.get(&keys::registry_version()).await.unwrap();
    assert_eq!(version, None, "no request wrote to the registry");
    // A dangerous change is refused the same way (409, above), and changes nothing.
    assert_eq!(stack.send(put("fresh", json!({}))).await.0, 201);
    assert_eq!(stack.score("fresh", "p", 1).await.0, 200);
    let (status, refused, _) = stack.send(put("fresh", json!({"order": "lower"}))).await;
    assert_eq!((status, code(&refused)), (409, "unsafe_board_change"));
    let (_, info, _) = stack.send(get("/v1/boards/fresh")).await;
    assert_eq!(info["order"], "higher");
    for (token, status, expected) in [
        (SERVER_KEY, 403, "admin_key_required"),
        (token.as_str(), 403, "forbidden"),
    ] {
        let request = bearer(
            ApiRequest::new("POST", "/v1/boards/fresh/retire?purge=true"),
            token,
        );
        let (got, answer, _) = stack.send(request).await;
        assert_eq!((got, code(&answer)), (status, expected));
    }
    let (got, answer, _) = stack
        .send(ApiRequest::new("POST", "/v1/boards/fresh/retire"))
        .await;
    assert_eq!((got, code(&answer)), (401, "unauthorized"));
    let (_, info, _) = stack.send(get("/v1/boards/fresh")).await;
    assert_eq!(info["retired"], false, "none of them retired it");
}

/// The documented body (`NewBoard`, in the OpenAPI document) and the validation agree: every
/// field of the one is a field of the other, so the document cannot name a field PUT refuses.
#[test]
fn the_documented_board_body_is_the_validated_one() {
    use podium_wire::{NewBoard, NewRateLimit, NewRateLimits};
    let limit = || {
        Some(NewRateLimit {
            limit: 5,
            window_seconds: 10,
            algorithm: Some("token_bucket".into()),
        })
    };
    let every_field = NewBoard {
        id: Some("doc".into()),
        title: Some("Doc".into()),
        order: Some("lower".into()),
        policy: Some("sum".into()),
        periods: Some(vec!["weekly".into(), "alltime".into()]),
        timezone: Some("Europe/Berlin".into()),
        retention: Some(3),
        min_score: Some(-1),
        max_score: Some(99),
        rate_limits: Some(NewRateLimits {
            player: limit(),
            ip: limit(),
        }),
    };
    let value = serde_json::to_value(&every_field).unwrap();
    let board = podium_core::Board::from_value(value.clone()).expect("validated");
    // And what the registry stores reads back as the documented body.
    let stored: NewBoard = serde_json::from_value(board.to_value()).expect("documented");
    assert_eq!(stored, every_field, "{value}");
}
