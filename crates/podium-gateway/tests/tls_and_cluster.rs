//! `rediss://` against a TLS-only Redis with its own CA, and cluster mode against three nodes.

mod common;

use common::send;
use podium_gateway::RedisConfig;
use podium_testkit::{RedisCluster, RedisServer, TestGateway, http_client};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn talks_tls_to_redis_with_a_private_ca() {
    let server = RedisServer::start_tls().await;
    let gateway = TestGateway::start(&server).await;
    let http = http_client();
    let post = |body: serde_json::Value| {
        http.post(&gateway.url)
            .bearer_auth(&gateway.token)
            .body(body.to_string())
    };
    assert_eq!(
        send(post(json!(["ZADD", "lb", 5, "tls-player"]))).await,
        (StatusCode::OK, json!({"result": 1}))
    );
    assert_eq!(
        send(post(json!(["ZSCORE", "lb", "tls-player"]))).await.1,
        json!({"result": "5"})
    );
    // The data is really in the TLS server.
    let mut connection = server.connection().await;
    let score: String = redis::cmd("ZSCORE")
        .arg("lb")
        .arg("tls-player")
        .query_async(&mut connection)
        .await
        .expect("direct read over TLS");
    assert_eq!(score, "5");
}

#[tokio::test]
async fn refuses_a_tls_server_it_cannot_verify() {
    let server = RedisServer::start_tls().await;
    // No CA configured: the private certificate is not trusted, so no data flows.
    let gateway = TestGateway::start_with(RedisConfig::single(server.url()), |_| {}).await;
    let (status, _) = send(
        http_client()
            .get(format!("{}/ping", gateway.url))
            .bearer_auth(&gateway.token),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_commands_across_a_cluster() {
    let cluster = RedisCluster::start().await;
    let gateway = common::cluster_gateway(&cluster).await;
    let http = http_client();
    let post = |path: &str, body: serde_json::Value| {
        http.post(format!("{}{path}", gateway.url))
            .bearer_auth(&gateway.token)
            .body(body.to_string())
    };
    // Keys spread over all three nodes.
    for i in 0..30 {
        let (status, body) = send(post("/", json!(["ZADD", format!("board:{i}"), i, "p"]))).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({"result": 1})),
            "board:{i}"
        );
    }
    let mut per_node = Vec::new();
    for node in &cluster.nodes {
        let mut connection = node.connection().await;
        let keys: i64 = redis::cmd("DBSIZE")
            .query_async(&mut connection)
            .await
            .expect("DBSIZE");
        per_node.push(keys);
    }
    assert_eq!(per_node.iter().sum::<i64>(), 30);
    assert!(per_node.iter().all(|&keys| keys > 0), "{per_node:?}");
    for i in 0..30 {
        let (_, body) = send(post("/", json!(["ZSCORE", format!("board:{i}"), "p"]))).await;
        assert_eq!(body, json!({"result": i.to_string()}));
    }
    // Keys sharing a hash tag live in one slot, so pipelines and transactions work on them.
    let (status, body) = send(post(
        "/pipeline",
        json!([
            ["ZINCRBY", "{lb}:daily", 3, "p"],
            ["ZINCRBY", "{lb}:alltime", 4, "p"]
        ]),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!([{"result": "3"}, {"result": "4"}]));
    // A pipeline over keys in different slots is split per slot and answered in order.
    let mixed: Vec<_> = (0..30)
        .flat_map(|i| {
            [
                json!(["INCR", format!("counter:{i}")]),
                json!(["GET", format!("counter:{i}")]),
            ]
        })
        .chain([json!(["PING"])])
        .collect();
    let (status, body) = send(post("/pipeline", json!(mixed))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for i in 0..30 {
        assert_eq!(body[2 * i], json!({"result": 1}), "{body}");
        assert_eq!(body[2 * i + 1], json!({"result": "1"}), "{body}");
    }
    assert_eq!(body[60], json!({"result": "PONG"}));
    let (status, body) = send(post(
        "/multi-exec",
        json!([
            ["ZINCRBY", "{lb}:daily", 1, "p"],
            ["ZSCORE", "{lb}:alltime", "p"]
        ]),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!([{"result": "4"}, {"result": "4"}]));
}
