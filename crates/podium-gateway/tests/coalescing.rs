//! Read coalescing against a real server: identical reads in flight together share one
//! command, and no read ever misses a write acknowledged before it arrived.

mod common;

use common::Stack;
use podium_testkit::{RedisServer, TestGateway, http_client};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// How many times the server ran `command` since its stats were reset.
async fn calls(server: &RedisServer, command: &str) -> u64 {
    let mut connection = server.connection().await;
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut connection)
        .await
        .expect("INFO commandstats");
    info.lines()
        .find_map(|line| line.strip_prefix(&format!("cmdstat_{command}:calls=")))
        .and_then(|rest| rest.split(',').next())
        .map_or(0, |count| count.parse().expect("a count"))
}

/// What one burst cost: ZREVRANGEs the server ran, and the gateway's own account of it.
#[derive(Debug, PartialEq)]
struct Burst {
    ran: u64,
    /// `podium_gateway_redis_commands_total` over the burst.
    sent: u64,
    /// `podium_gateway_coalesced_requests_total` over the burst.
    coalesced: u64,
}

/// Holds the server for `ms` (commands queue up unanswered), with its stats reset.
async fn pause(server: &RedisServer, ms: u64) {
    let mut connection = server.connection().await;
    let () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query_async(&mut connection)
        .await
        .expect("CONFIG RESETSTAT");
    let () = redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(ms)
        .arg("ALL")
        .query_async(&mut connection)
        .await
        .expect("CLIENT PAUSE");
}

/// 41 identical top-10 reads sent while the server is held: the first goes out at once, the
/// other 40 wait behind it in one flight.
async fn burst_of_reads(gateway: &TestGateway, server: &RedisServer) -> Burst {
    let http = http_client();
    let mut connection = server.connection().await;
    let members: Vec<(i64, String)> = (0..20).map(|i| (i, format!("p{i:02}"))).collect();
    let () = redis::cmd("ZADD")
        .arg("lb")
        .arg(&members)
        .query_async(&mut connection)
        .await
        .expect("ZADD");
    let sent_before = gateway.metric("podium_gateway_redis_commands_total").await;
    let coalesced_before = gateway
        .metric("podium_gateway_coalesced_requests_total")
        .await;
    // Long enough for 40 requests to reach the gateway on a busy CI machine.
    pause(server, 1_000).await;
    let read = || {
        http.get(format!("{}/zrevrange/lb/0/9/WITHSCORES", gateway.url))
            .bearer_auth(&gateway.token)
            .send()
    };
    let first = tokio::spawn(read());
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let rest = futures::future::join_all((0..40).map(|_| read()));
    let (first, rest) = tokio::join!(first, rest);
    let expected: Vec<String> = (10..20)
        .rev()
        .flat_map(|i| [format!("p{i:02}"), i.to_string()])
        .collect();
    for response in std::iter::once(first.expect("joined")).chain(rest) {
        let response = response.expect("the gateway answers");
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value =
            serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");
        assert_eq!(body, json!({ "result": expected }));
    }
    Burst {
        ran: calls(server, "zrevrange").await,
        sent: gateway.metric("podium_gateway_redis_commands_total").await - sent_before,
        coalesced: gateway
            .metric("podium_gateway_coalesced_requests_total")
            .await
            - coalesced_before,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_reads_in_flight_together_share_one_command() {
    let stack = Stack::start().await;
    let burst = burst_of_reads(&stack.gateway, &stack.server).await;
    // One for the first read, one for the 40 behind it; the metrics say the same.
    assert_eq!(
        burst,
        Burst {
            ran: 2,
            sent: 2,
            coalesced: 39
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_coalescing_every_read_runs() {
    let server = RedisServer::start().await;
    let gateway = TestGateway::start_with(podium_gateway::RedisConfig::single(server.url()), |c| {
        c.coalesce_reads = false;
    })
    .await;
    assert_eq!(
        burst_of_reads(&gateway, &server).await,
        Burst {
            ran: 41,
            sent: 41,
            coalesced: 0
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_read_never_misses_a_write_acknowledged_before_it() {
    let stack = Stack::start().await;
    stack.command(json!(["SET", "k", 0])).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Readers keep identical GETs in the air all the time, so the writer's reads coalesce.
    let readers: Vec<_> = (0..16)
        .map(|_| {
            let url = stack.url("/get/k");
            let token = stack.gateway.token.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let http = http_client();
                let mut reads = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let response = http.get(&url).bearer_auth(&token).send().await;
                    assert_eq!(response.expect("answer").status(), StatusCode::OK);
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    for i in 1..=300 {
        let (status, _) = stack.command(json!(["SET", "k", i])).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = stack.get("/get/k").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body,
            json!({ "result": i.to_string() }),
            "read after write {i}"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut reads = 0;
    for reader in readers {
        reads += reader.await.expect("reader");
    }
    // The readers really ran alongside the writer.
    assert!(reads > 300, "only {reads} concurrent reads");
    let gets = calls(&stack.server, "get").await;
    assert!(
        gets < reads + 300,
        "no GET was shared: {gets} GETs for {} reads",
        reads + 300
    );
}
