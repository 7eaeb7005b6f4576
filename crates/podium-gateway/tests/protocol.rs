//! The Upstash REST protocol, end to end: HTTP → gateway → a real Valkey (or Redis 7 with
//! `PODIUM_TEST_SERVER=redis`).

mod common;

use common::{Stack, send};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn every_request_form_runs_the_same_command() {
    let stack = Stack::start().await;
    assert_eq!(
        stack
            .command(json!(["SET", "form:body", "v1", "EX", 100]))
            .await,
        (StatusCode::OK, json!({"result": "OK"}))
    );
    assert_eq!(
        stack.get("/set/form:path/v%202/EX/100").await,
        (StatusCode::OK, json!({"result": "OK"}))
    );
    let path_body = send(
        stack
            .request(Method::POST, "/set/form:pathbody")
            .body("v 3"),
    )
    .await;
    assert_eq!(path_body, (StatusCode::OK, json!({"result": "OK"})));
    let with_query = send(
        stack
            .request(Method::PUT, "/set/form:query?EX=77")
            .body("v4"),
    )
    .await;
    assert_eq!(with_query, (StatusCode::OK, json!({"result": "OK"})));

    assert_eq!(stack.get("/get/form:body").await.1, json!({"result": "v1"}));
    assert_eq!(
        stack.get("/get/form:path").await.1,
        json!({"result": "v 2"})
    );
    assert_eq!(
        stack.get("/get/form:pathbody").await.1,
        json!({"result": "v 3"})
    );
    assert_eq!(
        stack.get("/get/form:query").await.1,
        json!({"result": "v4"})
    );
    assert_eq!(stack.get("/ttl/form:query").await.1, json!({"result": 77}));
    // HEAD answers a read as GET does, without the body (a write on HEAD is refused: safety.rs).
    let head = stack
        .request(Method::HEAD, "/get/form:body")
        .send()
        .await
        .expect("HEAD answers");
    assert_eq!(head.status(), StatusCode::OK);
}

#[tokio::test]
async fn numbers_keep_the_text_they_were_sent_as() {
    let stack = Stack::start().await;
    let raw = |body: &'static str| send(stack.request(Method::POST, "/").body(body));
    raw(r#"["ZADD", "nums", 1.50, "a", 2e0, "b"]"#).await;
    assert_eq!(
        stack
            .command(json!(["ZRANGE", "nums", 0, -1, "WITHSCORES"]))
            .await
            .1,
        json!({"result": ["a", "1.5", "b", "2"]})
    );
    // A value stored from a JSON number keeps its exact text.
    raw(r#"["SET", "num", 1.50]"#).await;
    assert_eq!(stack.get("/get/num").await.1, json!({"result": "1.50"}));
}

#[tokio::test]
async fn tokens_are_required_and_checked() {
    let stack = Stack::start().await;
    let unauthorized = json!({"error": "WRONGPASS invalid or missing auth token"});
    let missing = send(stack.http.get(stack.url("/get/k"))).await;
    assert_eq!(missing, (StatusCode::UNAUTHORIZED, unauthorized.clone()));
    let wrong = send(stack.http.get(stack.url("/get/k")).bearer_auth("nope")).await;
    assert_eq!(wrong, (StatusCode::UNAUTHORIZED, unauthorized.clone()));
    let basic = send(
        stack
            .http
            .get(stack.url("/get/k"))
            .basic_auth("default", Some(&stack.gateway.token)),
    )
    .await;
    assert_eq!(basic.0, StatusCode::UNAUTHORIZED);

    // `_token` works and never becomes an argument.
    let query = format!("/set/qt/v?_token={}", stack.gateway.token);
    assert_eq!(
        send(stack.http.get(stack.url(&query))).await,
        (StatusCode::OK, json!({"result": "OK"}))
    );
    assert_eq!(stack.get("/get/qt").await.1, json!({"result": "v"}));
    let bad_query = send(stack.http.get(stack.url("/get/qt?_token=nope"))).await;
    assert_eq!(bad_query, (StatusCode::UNAUTHORIZED, unauthorized));
}

#[tokio::test]
async fn the_read_only_token_reads_but_never_writes() {
    let stack = Stack::start().await;
    stack.command(json!(["ZADD", "ro:lb", 10, "alice"])).await;
    let read_only = |method: Method, path: &str| {
        stack
            .http
            .request(method, stack.url(path))
            .bearer_auth(&stack.gateway.read_only_token)
    };
    assert_eq!(
        send(read_only(Method::GET, "/zscore/ro:lb/alice")).await,
        (StatusCode::OK, json!({"result": "10"}))
    );
    for (path, body) in [
        ("/", json!(["ZADD", "ro:lb", 99, "alice"])),
        ("/", json!(["EVAL", "return redis.call('DEL','ro:lb')", 0])),
        ("/", json!(["SCAN", 0])),
        (
            "/multi-exec",
            json!([["ZSCORE", "ro:lb", "alice"], ["DEL", "ro:lb"]]),
        ),
    ] {
        let (status, reply) = send(read_only(Method::POST, path).body(body.to_string())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let error = reply["error"].as_str().unwrap_or_default();
        assert!(error.starts_with("NOPERM"), "{error}");
    }
    // In a pipeline the write gets its own NOPERM entry; the reads around it still run.
    let pipeline = json!([
        ["ZSCORE", "ro:lb", "alice"],
        ["DEL", "ro:lb"],
        ["ZCARD", "ro:lb"]
    ]);
    let (status, reply) =
        send(read_only(Method::POST, "/pipeline").body(pipeline.to_string())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reply[0], json!({"result": "10"}));
    assert!(
        reply[1]["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("NOPERM"),
        "{reply}"
    );
    assert_eq!(reply[2], json!({"result": 1}));
    // Nothing was changed.
    assert_eq!(
        stack.get("/zscore/ro:lb/alice").await.1,
        json!({"result": "10"})
    );
}

#[tokio::test]
async fn only_head_get_post_and_put_are_allowed() {
    let stack = Stack::start().await;
    for method in [Method::DELETE, Method::PATCH] {
        let (status, body) = send(stack.request(method, "/get/k")).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(body["error"].is_string());
    }
}

#[tokio::test]
async fn base64_encoding_covers_every_string_except_a_top_level_ok() {
    let stack = Stack::start().await;
    let base64 = |body: serde_json::Value, path: &'static str| {
        stack
            .request(Method::POST, path)
            .header("Upstash-Encoding", "base64")
            .body(body.to_string())
    };
    assert_eq!(
        send(base64(json!(["SET", "b64", "OK"]), "/")).await.1,
        json!({"result": "OK"})
    );
    // The stored value "OK" is a string like any other when it comes back.
    assert_eq!(
        send(base64(json!(["GET", "b64"]), "/")).await.1,
        json!({"result": "T0s="})
    );
    stack.command(json!(["SET", "emoji", "🏆 top"])).await;
    stack.command(json!(["HSET", "h", "f", "OK"])).await;
    assert_eq!(
        send(base64(json!(["MGET", "emoji", "missing", "b64"]), "/"))
            .await
            .1,
        json!({"result": ["8J+PhiB0b3A=", null, "T0s="]})
    );
    assert_eq!(
        send(base64(json!(["HGETALL", "h"]), "/")).await.1,
        json!({"result": ["Zg==", "T0s="]})
    );
    // Nested arrays (EVAL returning a table of tables) and integers.
    let nested = json!(["EVAL", "return {1, {'a', 'OK'}, {}}", 0]);
    assert_eq!(
        send(base64(nested.clone(), "/")).await.1,
        json!({"result": [1, ["YQ==", "T0s="], []]})
    );
    assert_eq!(
        stack.command(nested).await.1,
        json!({"result": [1, ["a", "OK"], []]})
    );
    // A status reply other than OK is encoded.
    assert_eq!(
        send(base64(json!(["PING"]), "/")).await.1,
        json!({"result": "UE9ORw=="})
    );
    // Bytes that are not UTF-8: exact with base64, U+FFFD without.
    stack
        .command(json!([
            "EVAL",
            "return redis.call('SET', KEYS[1], '\\255\\0ok')",
            1,
            "raw"
        ]))
        .await;
    assert_eq!(
        send(base64(json!(["GET", "raw"]), "/")).await.1,
        json!({"result": "/wBvaw=="})
    );
    assert_eq!(
        stack.get("/get/raw").await.1,
        json!({"result": "\u{fffd}\u{0}ok"})
    );
    // Errors are never encoded; pipeline entries follow the same rules.
    assert_eq!(
        send(base64(
            json!([["SET", "k", "OK"], ["INCR", "k"], ["GET", "k"]]),
            "/pipeline"
        ))
        .await
        .1,
        json!([
            {"result": "OK"},
            {"error": "ERR value is not an integer or out of range"},
            {"result": "T0s="}
        ])
    );
}

#[tokio::test]
async fn resp2_format_returns_raw_reply_bytes() {
    let stack = Stack::start().await;
    stack.command(json!(["RPUSH", "list", "a", "bc"])).await;
    let resp2 = |path: &str| {
        stack
            .request(Method::GET, path)
            .header("Upstash-Response-Format", "resp2")
    };
    let response = resp2("/lrange/list/0/-1").send().await.expect("answer");
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert_eq!(
        response.bytes().await.expect("body").as_ref(),
        b"*2\r\n$1\r\na\r\n$2\r\nbc\r\n"
    );
    let error = send(
        stack
            .request(Method::GET, "/get/k")
            .header("Upstash-Response-Format", "xml"),
    )
    .await;
    assert_eq!(error.0, StatusCode::BAD_REQUEST);
    let with_base64 = send(resp2("/get/k").header("Upstash-Encoding", "base64")).await;
    assert_eq!(with_base64.0, StatusCode::BAD_REQUEST);
    let transaction = send(
        stack
            .request(Method::POST, "/multi-exec")
            .header("Upstash-Response-Format", "resp2")
            .body(json!([["GET", "k"]]).to_string()),
    )
    .await;
    assert_eq!(transaction.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn redis_errors_pass_through_unchanged_with_400() {
    let stack = Stack::start().await;
    let (status, body) = stack
        .command(json!([
            "EVALSHA",
            "0123456789abcdef0123456789abcdef01234567",
            0
        ]))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = body["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("NOSCRIPT No matching script"), "{error}");
    stack.command(json!(["SET", "str", "x"])).await;
    let (status, body) = stack.command(json!(["ZADD", "str", 1, "a"])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("WRONGTYPE")
    );
    let (status, body) = stack.command(json!(["NOSUCHCOMMAND"])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("ERR unknown command")
    );
}

#[tokio::test]
async fn malformed_requests_are_400_and_reach_nothing() {
    let stack = Stack::start().await;
    for (path, body) in [
        ("/", ""),
        ("/", "not json"),
        ("/", "{}"),
        ("/", "[]"),
        ("/", r#"["SET","k",null]"#),
        ("/", r#"["SET","k",{"a":1}]"#),
        ("/", r#"["SET","k",["nested"]]"#),
        ("/pipeline", "[]"),
        ("/pipeline", r#"["SET","k","v"]"#),
        ("/pipeline", "[[]]"),
        ("/multi-exec", "{}"),
    ] {
        let (status, reply) = send(stack.request(Method::POST, path).body(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}");
        assert!(
            reply["error"]
                .as_str()
                .unwrap_or_default()
                .starts_with("ERR"),
            "{reply}"
        );
    }
    let long_key = "k".repeat(32 * 1024 + 1);
    let (status, reply) = stack.command(json!(["SET", long_key, "v"])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    assert_eq!(
        stack.command(json!(["DBSIZE"])).await.1,
        json!({"result": 0})
    );
    assert_eq!(stack.get("/exists/k").await.1, json!({"result": 0}));
}

#[tokio::test]
async fn refuses_commands_that_would_break_the_shared_connection() {
    let stack = Stack::start().await;
    for command in [
        json!(["BLPOP", "q", 0]),
        json!(["SELECT", 1]),
        json!(["CLIENT", "KILL", "TYPE", "normal"]),
        json!(["MULTI"]),
        json!(["WATCH", "k"]),
        json!(["SUBSCRIBE", "c"]),
        json!(["MONITOR"]),
        json!(["XREAD", "BLOCK", 0, "STREAMS", "s", "$"]),
        json!(["FLUSHALL"]),
        json!(["CONFIG", "SET", "maxmemory", "1"]),
        json!(["KEYS", "*"]),
    ] {
        let (status, reply) = stack.command(command.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{command}");
        let error = reply["error"].as_str().unwrap_or_default();
        assert!(error.starts_with("ERR Command is not available"), "{error}");
    }
    // In a pipeline a refused command gets an error entry and never reaches Redis, while
    // the commands around it run; a transaction holding one runs nothing.
    let (status, reply) = stack
        .post(
            "/pipeline",
            json!([
                ["SET", "before", "1"],
                ["BLPOP", "before", 0],
                ["FLUSHALL"],
                ["GET", "before"]
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reply[0], json!({"result": "OK"}));
    for refused in [&reply[1], &reply[2]] {
        let error = refused["error"].as_str().unwrap_or_default();
        assert!(error.starts_with("ERR Command is not available"), "{reply}");
    }
    assert_eq!(reply[3], json!({"result": "1"}));
    let (status, _) = stack
        .post(
            "/multi-exec",
            json!([["SET", "tx-before", "1"], ["BLPOP", "q", 0]]),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(stack.get("/exists/tx-before").await.1, json!({"result": 0}));
}

#[tokio::test]
async fn dangerous_commands_can_be_allowed_for_development() {
    let server = podium_testkit::RedisServer::start().await;
    let mut redis = podium_gateway::RedisConfig::single(server.url());
    redis.ca_file = None;
    let gateway = podium_testkit::TestGateway::start_with(redis, |config| {
        config.allow_dangerous_commands = true;
    })
    .await;
    let http = podium_testkit::http_client();
    let post = |body: serde_json::Value| {
        http.post(&gateway.url)
            .bearer_auth(&gateway.token)
            .body(body.to_string())
    };
    send(post(json!(["SET", "k", "v"]))).await;
    assert_eq!(
        send(post(json!(["KEYS", "*"]))).await.1,
        json!({"result": ["k"]})
    );
    assert_eq!(
        send(post(json!(["FLUSHDB"]))).await.1,
        json!({"result": "OK"})
    );
    assert_eq!(send(post(json!(["DBSIZE"]))).await.1, json!({"result": 0}));
    // Connection-state commands stay refused even then.
    assert_eq!(
        send(post(json!(["SELECT", 1]))).await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn pipelines_run_in_order_with_an_entry_per_command() {
    let stack = Stack::start().await;
    let (status, body) = stack
        .post(
            "/pipeline",
            json!([
                ["SET", "p", "1"],
                ["INCR", "p"],
                ["HSET", "p", "f", "v"],
                ["INCRBY", "p", 10],
                ["GET", "p"]
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!([
            {"result": "OK"},
            {"result": 2},
            {"error": "WRONGTYPE Operation against a key holding the wrong kind of value"},
            {"result": 12},
            {"result": "12"}
        ])
    );
    // A thousand commands are accepted; one more is refused before anything runs.
    let many: Vec<_> = (0..1000).map(|i| json!(["RPUSH", "many", i])).collect();
    let (status, body) = stack.post("/pipeline", json!(many)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[999], json!({"result": 1000}));
    let too_many: Vec<_> = (0..1001).map(|i| json!(["RPUSH", "toomany", i])).collect();
    let (status, _) = stack.post("/pipeline", json!(too_many)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(stack.get("/exists/toomany").await.1, json!({"result": 0}));
}

#[tokio::test]
async fn transactions_apply_all_or_are_discarded() {
    let stack = Stack::start().await;
    let (status, body) = stack
        .post(
            "/multi-exec",
            json!([
                ["SET", "t", "1"],
                ["INCR", "t"],
                ["LPUSH", "t", "x"],
                ["GET", "t"]
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!([
            {"result": "OK"},
            {"result": 2},
            {"error": "WRONGTYPE Operation against a key holding the wrong kind of value"},
            {"result": "2"}
        ])
    );
    // A command Redis rejects while queueing discards the whole transaction.
    let (status, body) = stack
        .post(
            "/multi-exec",
            json!([["SET", "t", "changed"], ["NOSUCHCOMMAND"]]),
        )
        .await;
    assert!(!status.is_success(), "{status}");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("EXECABORT"),
        "{body}"
    );
    assert_eq!(stack.get("/get/t").await.1, json!({"result": "2"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transactions_never_interleave() {
    let stack = Stack::start().await;
    let requests = (0..20).map(|i| {
        let key = format!("tx:{i}");
        stack.post(
            "/multi-exec",
            json!([
                ["INCR", "tx:counter"],
                ["SET", key, i],
                ["INCR", "tx:counter"],
                ["GET", key],
                ["GET", "tx:counter"]
            ]),
        )
    });
    let results = futures::future::join_all(requests).await;
    let mut counters = Vec::new();
    for (i, (status, body)) in results.into_iter().enumerate() {
        assert_eq!(status, StatusCode::OK, "{body}");
        let first = body[0]["result"].as_i64().unwrap_or_default();
        let second = body[2]["result"].as_i64().unwrap_or_default();
        // Nothing ran between the two INCRs of one transaction.
        assert_eq!(second, first + 1, "{body}");
        assert_eq!(body[3]["result"], json!(i.to_string()));
        assert_eq!(body[4]["result"], json!(second.to_string()));
        counters.push(second);
    }
    counters.sort_unstable();
    assert_eq!(counters, (1..=20).map(|n| n * 2).collect::<Vec<_>>());
}

#[tokio::test]
async fn bodies_over_ten_megabytes_are_refused() {
    let stack = Stack::start().await;
    // Declared by Content-Length, and streamed without one: both read the error, not a
    // broken pipe, and nothing is stored.
    let big = "x".repeat(10 * 1024 * 1024 + 1);
    let (status, body) = send(stack.request(Method::POST, "/set/big").body(big.clone())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({"error": "ERR max request size exceeded"}));
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big
        .into_bytes()
        .chunks(1024 * 1024)
        .map(|chunk| Ok(chunk.to_vec()))
        .collect();
    let streamed = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let (status, body) = send(stack.request(Method::POST, "/set/big").body(streamed)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({"error": "ERR max request size exceeded"}));
    assert_eq!(stack.get("/exists/big").await.1, json!({"result": 0}));
    // Just under the limit is fine.
    let fits = "y".repeat(10 * 1024 * 1024 - 100);
    let (status, _) = send(stack.request(Method::POST, "/set/big").body(fits)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        stack.get("/strlen/big").await.1,
        json!({"result": 10 * 1024 * 1024 - 100})
    );
}

#[tokio::test]
async fn the_sync_token_changes_after_writes() {
    let stack = Stack::start().await;
    let token = |response: &reqwest::Response| {
        response.headers()["upstash-sync-token"]
            .to_str()
            .unwrap_or_default()
            .to_owned()
    };
    let read = stack
        .request(Method::GET, "/get/s")
        .send()
        .await
        .expect("answer");
    let before = token(&read);
    let read_again = stack
        .request(Method::GET, "/get/s")
        .header("upstash-sync-token", "anything, even stale")
        .send()
        .await
        .expect("answer");
    assert_eq!(read_again.status(), StatusCode::OK);
    assert_eq!(token(&read_again), before);
    let write = stack
        .request(Method::GET, "/set/s/1")
        .send()
        .await
        .expect("answer");
    assert_ne!(token(&write), before);
    let pipeline = stack
        .request(Method::POST, "/pipeline")
        .body(json!([["INCR", "s"]]).to_string())
        .send()
        .await
        .expect("answer");
    assert_ne!(token(&pipeline), token(&write));
}

#[tokio::test]
async fn cors_preflight_allows_the_upstash_headers() {
    let stack = Stack::start().await;
    let response = stack
        .http
        .request(Method::OPTIONS, stack.url("/pipeline"))
        .header("Origin", "https://game.example")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type,upstash-encoding",
        )
        .send()
        .await
        .expect("answer");
    assert!(response.status().is_success());
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert!(
        response.headers()["access-control-allow-methods"]
            .to_str()
            .is_ok_and(|methods| methods.contains("POST"))
    );
    let allowed = response.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    for header in [
        "authorization",
        "content-type",
        "upstash-encoding",
        "upstash-sync-token",
    ] {
        assert!(allowed.contains(header), "{allowed}");
    }
    let simple = stack
        .request(Method::GET, "/get/x")
        .header("Origin", "https://game.example")
        .send()
        .await
        .expect("answer");
    assert_eq!(simple.headers()["access-control-allow-origin"], "*");
    let exposed = simple.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(exposed.contains("upstash-sync-token"));
    // Errors too, or a browser could not read why it was refused.
    let refused = stack
        .http
        .get(stack.url("/get/x"))
        .header("Origin", "https://game.example")
        .send()
        .await
        .expect("answer");
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(refused.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn health_and_metrics_live_outside_the_command_namespace() {
    let stack = Stack::start().await;
    assert_eq!(
        send(stack.http.get(stack.url("/_health"))).await,
        (StatusCode::OK, json!({"result": "PONG"}))
    );
    stack.get("/set/m/1").await;
    stack
        .command(json!(["INCR", "no-such-command-arity", "x"]))
        .await;
    let _ = send(stack.http.get(stack.url("/get/m"))).await;
    let metrics = stack
        .http
        .get(stack.url("/_metrics"))
        .send()
        .await
        .expect("answer")
        .text()
        .await
        .expect("text");
    for line in [
        "podium_gateway_requests_total{outcome=\"ok\"}",
        "podium_gateway_requests_total{outcome=\"redis_error\"} 1",
        "podium_gateway_requests_total{outcome=\"unauthorized\"} 1",
        "podium_gateway_request_duration_seconds_count",
        "podium_gateway_redis_up 1",
        // SET and the INCR Redis refused; the unauthorized GET never reached Redis.
        "podium_gateway_redis_commands_total 2",
        "podium_gateway_coalesced_requests_total 0",
    ] {
        assert!(metrics.contains(line), "{line} missing from:\n{metrics}");
    }
}
