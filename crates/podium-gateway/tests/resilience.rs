//! The gateway when Redis goes away: clear 5xx answers, no hangs, recovery on its own.

mod common;

use std::time::{Duration, Instant};

use common::{Stack, send};
use podium_gateway::RedisConfig;
use podium_testkit::{RedisServer, ServerKind, TestGateway, free_port, http_client};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Polls until the gateway answers `GET /_health` with 200, or panics after `limit`.
async fn wait_until_healthy(http: &reqwest::Client, url: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let healthy = http
            .get(format!("{url}/_health"))
            .send()
            .await
            .is_ok_and(|response| response.status() == StatusCode::OK);
        if healthy {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "the gateway did not recover within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survives_redis_being_killed_and_restarted() {
    let mut stack = Stack::start().await;
    assert_eq!(stack.get("/set/k/before").await.1, json!({"result": "OK"}));

    stack.server.kill();
    let started = Instant::now();
    let (status, body) = stack.get("/get/k").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body, json!({"error": "ERR Redis is unavailable"}));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no hang while Redis is down"
    );
    let health = stack
        .http
        .get(stack.url("/_health"))
        .send()
        .await
        .expect("answer");
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);

    stack.server.restart().await;
    let took = wait_until_healthy(&stack.http, &stack.gateway.url, Duration::from_secs(10)).await;
    eprintln!("recovered {took:?} after Redis came back");
    assert_eq!(stack.get("/set/k/after").await.1, json!({"result": "OK"}));
    assert_eq!(stack.get("/get/k").await.1, json!({"result": "after"}));
}

#[tokio::test]
async fn starts_while_redis_is_down_and_connects_when_it_appears() {
    let port = free_port();
    let gateway = TestGateway::start_with(
        RedisConfig::single(format!("redis://127.0.0.1:{port}")),
        |_| {},
    )
    .await;
    let http = http_client();
    let (status, body) = send(
        http.get(format!("{}/get/k", gateway.url))
            .bearer_auth(&gateway.token),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");

    // Bring a server up on exactly that port.
    let _server = start_on_port(port).await;
    wait_until_healthy(&http, &gateway.url, Duration::from_secs(10)).await;
    let (status, body) = send(
        http.get(format!("{}/incr/k", gateway.url))
            .bearer_auth(&gateway.token),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!({"result": 1})));
}

async fn start_on_port(port: u16) -> KillOnDrop {
    let dir = std::env::temp_dir().join(format!("podium-port-{port}"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let child = std::process::Command::new(ServerKind::from_env().binary())
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .arg("--dir")
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("server starts");
    KillOnDrop(child)
}

/// A server process that is killed when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_redis_hits_the_timeout_instead_of_piling_up() {
    let server = RedisServer::start().await;
    let mut redis = RedisConfig::single(server.url());
    redis.ca_file = None;
    let gateway = TestGateway::start_with(redis, |config| {
        config.request_timeout = Duration::from_millis(300);
    })
    .await;
    let http = http_client();
    let get = || {
        http.request(Method::GET, format!("{}/get/k", gateway.url))
            .bearer_auth(&gateway.token)
    };
    assert_eq!(send(get()).await.0, StatusCode::OK);

    server.signal("STOP");
    let started = Instant::now();
    let answers = futures::future::join_all((0..50).map(|_| send(get()))).await;
    let elapsed = started.elapsed();
    server.signal("CONT");
    for (status, body) in answers {
        assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
        assert_eq!(body, json!({"error": "ERR Redis did not answer in time"}));
    }
    assert!(
        elapsed < Duration::from_secs(3),
        "timeouts took {elapsed:?}"
    );

    wait_until_healthy(&http, &gateway.url, Duration::from_secs(10)).await;
    assert_eq!(send(get()).await.0, StatusCode::OK);
}

/// A restarted server answers `LOADING` until its data is back in memory: for clients that is
/// Redis being unavailable (503), not a bad request (400). `key-load-delay` (µs per key) makes
/// loading 20,000 keys take a second or two, and a small `loading-process-events-interval-bytes`
/// makes the server answer (LOADING) meanwhile instead of leaving connections unanswered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_still_loading_its_data_is_unavailable() {
    let mut server = RedisServer::start_with(
        ServerKind::from_env(),
        [
            "--key-load-delay",
            "50",
            "--loading-process-events-interval-bytes",
            "1024",
        ]
        .map(String::from)
        .to_vec(),
    )
    .await;
    let mut direct = server.connection().await;
    let mut fill = redis::cmd("MSET");
    for index in 0..20_000 {
        fill.arg(format!("key:{index}")).arg(index);
    }
    fill.query_async::<()>(&mut direct).await.expect("MSET");
    redis::cmd("SAVE")
        .query_async::<()>(&mut direct)
        .await
        .expect("SAVE");
    let gateway = TestGateway::start(&server).await;
    let http = http_client();
    let get = || {
        http.get(format!("{}/get/key:7", gateway.url))
            .bearer_auth(&gateway.token)
    };
    assert_eq!(send(get()).await, (StatusCode::OK, json!({"result": "7"})));

    let redis_url = server.url();
    let restart = tokio::spawn(async move {
        server.restart().await;
        server
    });
    let mut answers = Vec::new();
    let mut saw_loading = false;
    while !restart.is_finished() {
        answers.push(send(get()).await);
        if let Ok(mut probe) = redis::Client::open(redis_url.as_str())
            .expect("URL")
            .get_multiplexed_async_connection()
            .await
            && let Err(error) = redis::cmd("GET")
                .arg("key:7")
                .query_async::<Option<String>>(&mut probe)
                .await
        {
            saw_loading |= error.code() == Some("LOADING");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _server = restart.await.expect("restart");
    assert!(
        saw_loading,
        "the server never answered LOADING: nothing was tested"
    );
    for (status, body) in &answers {
        assert!(
            *status == StatusCode::SERVICE_UNAVAILABLE
                && *body == json!({"error": "ERR Redis is unavailable"})
                || *status == StatusCode::OK,
            "{status} {body}"
        );
    }
    wait_until_healthy(&http, &gateway.url, Duration::from_secs(10)).await;
    assert_eq!(send(get()).await, (StatusCode::OK, json!({"result": "7"})));
}
