//! Sessions as signed tokens (issue 15, "Sessions in constant cost"), natively against the real
//! gateway and Valkey (or Redis 7 with `PODIUM_TEST_SERVER=redis`): making one costs no Redis
//! command whatever the number of boards, a session write is still one round trip, and ending
//! one holds on every isolate within the refresh bound. Time is injected, so the bound is tested
//! without sleeping; each `Api` stands for one isolate.

mod common;

use podium_api::{Api, ApiConfig, ApiRequest, ApiResponse};
use podium_core::{
    DisplayName, PlayerId, REVOCATION_REFRESH_MS, SESSION_ID_BYTES, SessionClaims, SessionKey,
};
use podium_redis::{Client, ReqwestTransport};
use podium_testkit::{RedisServer, TestGateway};
use serde_json::{Value, json};

use common::{bearer, body, client, code, get, post};

/// 2026-11-25T12:00:00Z.
const T0: i64 = 1_795_608_000_000;
const SERVER_KEY: &str = "server-key-for-session-tests";
const TTL_SECS: u64 = 120;

/// `count` boards, `b0` … `b<count-1>`, the first with a per-player rate limit.
fn boards_json(count: usize) -> String {
    let boards: Vec<Value> = (0..count)
        .map(|i| {
            let mut board = json!({"id": format!("b{i}"), "order": "higher", "policy": "best",
                                   "periods": ["alltime", "daily"]});
            if i == 0 {
                board["rate_limits"] = json!({"player": {"limit": 100, "window_seconds": 60}});
            }
            board
        })
        .collect();
    Value::Array(boards).to_string()
}

struct Stack {
    _server: RedisServer,
    gateway: TestGateway,
    /// Two isolates of one deployment: the same configuration, the same store.
    isolates: [Api<ReqwestTransport>; 2],
    draws: std::sync::atomic::AtomicU8,
}

fn config(boards: usize) -> ApiConfig {
    let boards = boards_json(boards);
    ApiConfig::from_vars(|name: &str| match name {
        "PODIUM_BOARDS" => Some(boards.clone()),
        "PODIUM_SERVER_KEY" => Some(SERVER_KEY.to_owned()),
        "PODIUM_SESSION_TTL_SECS" => Some(TTL_SECS.to_string()),
        _ => None,
    })
    .expect("valid configuration")
}

impl Stack {
    async fn start(boards: usize) -> Self {
        let server = RedisServer::start().await;
        let gateway = TestGateway::start(&server).await;
        let isolates = [
            Api::new(config(boards), client(&gateway)),
            Api::new(config(boards), client(&gateway)),
        ];
        Self {
            _server: server,
            gateway,
            isolates,
            draws: std::sync::atomic::AtomicU8::new(1),
        }
    }

    async fn send(&self, isolate: usize, request: ApiRequest, now_ms: i64) -> (u16, Value) {
        let draw = self
            .draws
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let response: ApiResponse = self.isolates[isolate]
            .handle(&request, now_ms, || Some([draw; 32]))
            .await;
        (response.status, body(&response))
    }

    async fn session(&self, player: &str, name: Option<&str>, now_ms: i64) -> String {
        let request = bearer(
            post("/v1/sessions", json!({"player": player, "name": name})),
            SERVER_KEY,
        );
        let (status, body) = self.send(0, request, now_ms).await;
        assert_eq!(status, 201, "{body}");
        body["token"].as_str().expect("a token").to_owned()
    }

    async fn write(
        &self,
        isolate: usize,
        auth: &str,
        player: &str,
        score: i64,
        now_ms: i64,
    ) -> (u16, Value) {
        let request = bearer(
            post(
                "/v1/boards/b0/scores",
                json!({"player": player, "score": score}),
            ),
            auth,
        );
        self.send(isolate, request, now_ms).await
    }

    async fn end(&self, isolate: usize, token: &str, now_ms: i64) -> u16 {
        let request = bearer(ApiRequest::new("DELETE", "/v1/sessions/current"), token);
        self.send(isolate, request, now_ms).await.0
    }

    /// (gateway requests, Redis commands) so far, from the gateway's `/_metrics`.
    async fn counts(&self) -> (u64, u64) {
        (
            self.gateway.metric("podium_gateway_requests_total").await,
            self.gateway
                .metric("podium_gateway_redis_commands_total")
                .await,
        )
    }

    /// What `step` cost in gateway requests and Redis commands.
    async fn cost<F: Future>(&self, step: F) -> ((u64, u64), F::Output) {
        let before = self.counts().await;
        let output = step.await;
        let after = self.counts().await;
        ((after.0 - before.0, after.1 - before.1), output)
    }

    /// Loads the write script (EVALSHA → NOSCRIPT → EVAL) so later writes are one EVALSHA.
    async fn warm_up(&self) {
        let (status, body) = self.write(0, SERVER_KEY, "warm", 1, T0).await;
        assert_eq!(status, 200, "{body}");
    }
}

#[tokio::test]
async fn a_session_costs_no_command_and_its_write_one_round_trip_whatever_the_board_count() {
    let mut costs = Vec::new();
    for boards in [1, 1_000] {
        let stack = Stack::start(boards).await;
        stack.warm_up().await;
        let (made, token) = stack.cost(stack.session("alice", Some("Alice"), T0)).await;
        assert_eq!(
            made,
            (0, 0),
            "{boards} boards: making a session touches no Redis"
        );
        // The isolate's first session request reads the ended sessions once…
        let (first, (status, body)) = stack.cost(stack.write(0, &token, "alice", 5, T0)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            first,
            (2, 2),
            "{boards} boards: the list read, then the write"
        );
        // …and within the next second a session write is one request of one command.
        let (write, (status, body)) = stack
            .cost(stack.write(0, &token, "alice", 6, T0 + REVOCATION_REFRESH_MS - 1))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(write, (1, 1), "{boards} boards: one round trip");
        let (ended, status) = stack
            .cost(stack.end(0, &token, T0 + REVOCATION_REFRESH_MS - 1))
            .await;
        assert_eq!(status, 204);
        assert_eq!(
            ended,
            (1, 2),
            "{boards} boards: ending is one pipeline of two commands"
        );
        costs.push((made, write, ended));
    }
    assert_eq!(costs[0], costs[1], "1 board and 1,000 boards cost the same");
}

#[tokio::test]
async fn an_ended_session_is_refused_here_at_once_and_everywhere_within_the_bound() {
    let stack = Stack::start(2).await;
    stack.warm_up().await;
    let token = stack.session("alice", Some("Alice"), T0).await;
    for isolate in [0, 1] {
        let (status, body) = stack.write(isolate, &token, "alice", 10, T0).await;
        assert_eq!(status, 200, "isolate {isolate}: {body}");
    }
    let (_, me) = stack.send(0, get("/v1/boards/b0/players/alice"), T0).await;
    assert_eq!(me["name"], "Alice", "the name the session was made with");

    let ended_at = T0 + 100;
    assert_eq!(stack.end(0, &token, ended_at).await, 204);
    let (status, body) = stack.write(0, &token, "alice", 20, ended_at).await;
    assert_eq!(
        (status, code(&body)),
        (401, "unauthorized"),
        "the isolate that ended it"
    );
    // The other isolate read the list at T0: its copy may be up to the bound old…
    let (status, body) = stack
        .write(1, &token, "alice", 30, T0 + REVOCATION_REFRESH_MS - 1)
        .await;
    assert_eq!(status, 200, "within the bound, the stale copy: {body}");
    // …and no older.
    let (status, body) = stack
        .write(1, &token, "alice", 40, T0 + REVOCATION_REFRESH_MS)
        .await;
    assert_eq!((status, code(&body)), (401, "unauthorized"), "{body}");
    assert_eq!(
        stack.end(1, &token, T0 + REVOCATION_REFRESH_MS).await,
        401,
        "an ended session cannot be ended again"
    );
    // A new session of the same player is unaffected.
    let again = stack.session("alice", None, ended_at).await;
    let (status, body) = stack.write(1, &again, "alice", 50, ended_at + 1_000).await;
    assert_eq!(status, 200, "{body}");
    let (_, me) = stack.send(0, get("/v1/boards/b0/players/alice"), T0).await;
    assert_eq!(me["score"], 50);
}

#[tokio::test]
async fn tampered_expired_foreign_and_old_tokens_are_refused_alike() {
    let stack = Stack::start(1).await;
    let token = stack.session("alice", None, T0).await;
    let (status, body) = stack.write(0, &token, "alice", 1, T0).await;
    assert_eq!(status, 200, "{body}");

    let flip = |at: usize| {
        let mut bytes = token.clone().into_bytes();
        bytes[at] = if bytes[at] == b'x' { b'y' } else { b'x' };
        String::from_utf8(bytes).expect("ASCII")
    };
    let claims = SessionClaims::new(
        PlayerId::try_from("alice").unwrap(),
        Some(DisplayName::try_from("Alice").unwrap()),
        T0,
        TTL_SECS,
        [9; SESSION_ID_BYTES],
    );
    let foreign = SessionKey::derive("another-deployments-server-key").issue(&claims);
    let refused = [
        ("tampered payload", flip(10), T0),
        ("tampered signature", flip(token.len() - 3), T0),
        ("signed by another key", foreign, T0),
        // A token of the per-board session keys, from before this release.
        (
            "an old random token",
            "B_e4h3PqHrxBjD7D0rAoA1kc1nQb5ZgYdLh4Cj1vM9w".to_owned(),
            T0,
        ),
        ("expired", token.clone(), T0 + TTL_SECS as i64 * 1000),
    ];
    for (what, bad, now_ms) in refused {
        let (status, body) = stack.write(0, &bad, "alice", 999, now_ms).await;
        assert_eq!(
            (status, code(&body)),
            (401, "unauthorized"),
            "{what}: {body}"
        );
        assert_eq!(
            body["error"]["message"], "the token is not a valid key or live session",
            "{what}: the same answer for every refusal"
        );
    }
    let (_, me) = stack.send(0, get("/v1/boards/b0/players/alice"), T0).await;
    assert_eq!(me["score"], 1, "nothing refused was written");
}

#[tokio::test]
async fn a_failed_read_of_the_ended_sessions_refuses_session_writes() {
    // A store that cannot be reached: a port nothing listens on.
    let transport = ReqwestTransport::new().expect("transport");
    let client = Client::new("http://127.0.0.1:9", "token", transport);
    let api = Api::new(config(1), client);
    let send = async |request: ApiRequest| {
        let response = api.handle(&request, T0, || Some([3; 32])).await;
        (response.status, body(&response))
    };
    let made = bearer(post("/v1/sessions", json!({"player": "alice"})), SERVER_KEY);
    let (status, session) = send(made).await;
    assert_eq!(status, 201, "making a session needs no store: {session}");
    let token = session["token"].as_str().expect("a token");
    let write = post(
        "/v1/boards/b0/scores",
        json!({"player": "alice", "score": 1}),
    );
    let (status, body) = send(bearer(write, token)).await;
    assert_eq!(
        (status, code(&body)),
        (503, "upstream_unavailable"),
        "fail closed: {body}"
    );
}

/// The bound is stated where operators read it, from the constant that sets it.
#[test]
fn the_docs_state_the_ending_bound() {
    let bound = format!("within {} s", REVOCATION_REFRESH_MS / 1000);
    for (doc, text) in [
        (
            "docs/architecture.md",
            include_str!("../../../docs/architecture.md"),
        ),
        (
            "docs/deploy-cloudflare-upstash.md",
            include_str!("../../../docs/deploy-cloudflare-upstash.md"),
        ),
    ] {
        assert!(
            text.contains(&bound),
            "{doc} should say a session ends {bound}"
        );
    }
}
