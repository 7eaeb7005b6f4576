//! Pub/sub as server-sent events (`/subscribe`, `/psubscribe`) against real servers: the event
//! format the official client parses, one Redis connection per serving thread whatever the
//! number of subscribers, slow and vanished subscribers, Redis going away, and bad input.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::Stack;
use podium_gateway::{
    KEEP_ALIVE_INTERVAL, MAX_NAME_BYTES, MAX_NAMES_PER_STREAM, SUBSCRIBER_BUFFER,
};
use podium_testkit::{GATEWAY_USER, RedisCluster, RedisServer, http_client};
use reqwest::{Method, StatusCode};
use serde_json::json;

const BINARY: &str = env!("CARGO_BIN_EXE_podium-gateway");
const PATIENCE: Duration = Duration::from_secs(20);

/// The `data:` payloads of a server-sent event stream, one at a time.
struct Events {
    response: reqwest::Response,
    buffer: Vec<u8>,
}

impl Events {
    async fn open(request: reqwest::RequestBuilder) -> Self {
        let response = request.send().await.expect("the gateway answers");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "{:?}",
            response.headers()
        );
        Self {
            response,
            buffer: Vec::new(),
        }
    }

    /// The next event's data, or `None` when the stream ends.
    async fn next(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|pair| pair == b"\n\n") {
                let frame: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let frame = String::from_utf8(frame).expect("UTF-8 events");
                let data: Vec<&str> = frame
                    .lines()
                    .filter_map(|line| line.strip_prefix("data: "))
                    .collect();
                if data.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some(data.join("\n"));
            }
            match self.response.chunk().await {
                Ok(Some(chunk)) => self.buffer.extend_from_slice(&chunk),
                Ok(None) | Err(_) => return None,
            }
        }
    }

    async fn expect(&mut self, expected: &str) {
        let event = tokio::time::timeout(PATIENCE, self.next())
            .await
            .expect("an event in time");
        assert_eq!(event.as_deref(), Some(expected));
    }
}

async fn numsub(server: &RedisServer, channel: &str) -> i64 {
    let mut connection = server.connection().await;
    let reply: (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg(channel)
        .query_async(&mut connection)
        .await
        .expect("PUBSUB NUMSUB");
    reply.1
}

/// How many connections the gateway (its Redis user) has open to `server`.
async fn gateway_connections(server: &RedisServer) -> usize {
    let mut connection = server.connection().await;
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(&mut connection)
        .await
        .expect("CLIENT LIST");
    let user = format!(" user={GATEWAY_USER} ");
    list.lines().filter(|line| line.contains(&user)).count()
}

/// Polls `condition` until it holds (no fixed sleeps: the servers decide how long it takes).
async fn eventually<F: AsyncFnMut() -> bool>(what: &str, mut condition: F) {
    let deadline = Instant::now() + PATIENCE;
    while !condition().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn subscribe_and_psubscribe_send_the_events_the_official_client_parses() {
    let stack = Stack::start().await;
    // The read-only token may subscribe; the full one publishes.
    let mut channels = Events::open(
        stack
            .read_only(Method::POST, "/subscribe/chat/news")
            .body("[]"),
    )
    .await;
    channels.expect("subscribe,chat,1").await;
    channels.expect("subscribe,news,2").await;
    let request = stack
        .http
        .get(stack.url("/psubscribe/ch*?_token=") + &stack.gateway.token);
    let response = request.send().await.expect("answer");
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let mut patterns = Events {
        response,
        buffer: Vec::new(),
    };
    patterns.expect("psubscribe,ch*,1").await;

    let (status, body) = stack.get("/publish/chat/hello,%20world").await;
    assert_eq!((status, body), (StatusCode::OK, json!({"result": 2})));
    channels.expect("message,chat,hello, world").await;
    patterns.expect("pmessage,ch*,chat,hello, world").await;
    let (_, body) = stack.command(json!(["PUBLISH", "news", "{\"a\":1}"])).await;
    assert_eq!(body, json!({"result": 1}));
    channels.expect("message,news,{\"a\":1}").await;

    // PUBLISH is a write: not for the read-only token.
    let (status, body) = common::send(stack.read_only(Method::GET, "/publish/chat/x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        json!({"error": "NOPERM this token is read-only and cannot run 'PUBLISH'"})
    );
}

#[tokio::test]
async fn bad_subscriptions_are_json_errors_before_any_stream() {
    let stack = Stack::start().await;
    let long = "c".repeat(MAX_NAME_BYTES + 1);
    let many = vec!["c"; MAX_NAMES_PER_STREAM + 1]
        .iter()
        .enumerate()
        .map(|(index, name)| format!("{name}{index}"))
        .collect::<Vec<_>>()
        .join("/");
    let cases = [
        (
            "/subscribe",
            "ERR no channel: subscribe with /subscribe/<channel>",
        ),
        (
            "/subscribe/",
            "ERR no channel: subscribe with /subscribe/<channel>",
        ),
        (
            "/psubscribe",
            "ERR no pattern: subscribe with /psubscribe/<pattern>",
        ),
        ("/subscribe/a//b", "ERR empty channel name"),
        ("/psubscribe/a//", "ERR empty pattern name"),
        (
            &format!("/subscribe/{long}"),
            &format!("ERR channel name too long: at most {MAX_NAME_BYTES} bytes"),
        ),
        (
            &format!("/subscribe/{many}"),
            &format!("ERR too many channels: at most {MAX_NAMES_PER_STREAM} per subscription"),
        ),
    ];
    for (path, error) in cases {
        let (status, body) = stack.get(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(body, json!({"error": error}), "{path}");
    }
    // A name of exactly the limit, and exactly the limit of names, are fine.
    let at_limit = format!("/subscribe/{}", "c".repeat(MAX_NAME_BYTES));
    Events::open(stack.request(Method::GET, &at_limit)).await;
    let most = (0..MAX_NAMES_PER_STREAM)
        .map(|index| format!("c{index}"))
        .collect::<Vec<_>>()
        .join("/");
    Events::open(stack.request(Method::GET, &format!("/subscribe/{most}"))).await;

    let (status, body) = common::send(stack.request(Method::PUT, "/subscribe/a")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body, json!({"error": "ERR method not allowed"}));
    let (status, body) = common::send(stack.http.get(stack.url("/subscribe/a"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"error": "WRONGPASS invalid or missing auth token"})
    );
    // A browser's preflight is answered like any other route's.
    let preflight = stack
        .http
        .request(Method::OPTIONS, stack.url("/subscribe/a"))
        .send()
        .await
        .expect("answer");
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_subscribers_share_one_redis_connection_and_get_every_message_in_order() {
    const SUBSCRIBERS: usize = 1_000;
    const MESSAGES: usize = 1_000;
    const BATCH: usize = 50;
    let stack = Stack::start().await;
    let (status, _) = stack.get("/ping").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        gateway_connections(&stack.server).await,
        1,
        "the command connection"
    );

    let received = Arc::new(AtomicUsize::new(0));
    let mut readers = Vec::new();
    for _ in 0..SUBSCRIBERS {
        let mut events = Events::open(stack.request(Method::GET, "/subscribe/fan")).await;
        events.expect("subscribe,fan,1").await;
        let received = received.clone();
        readers.push(tokio::spawn(async move {
            for expected in 0..MESSAGES {
                let event = events.next().await.expect("every message");
                assert_eq!(event, format!("message,fan,{expected}"));
                received.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    assert_eq!(numsub(&stack.server, "fan").await, 1);
    // The command connection and the pub/sub connection: nothing per subscriber.
    assert_eq!(gateway_connections(&stack.server).await, 2);

    let mut publisher = stack.server.connection().await;
    let started = Instant::now();
    for batch in 0..MESSAGES / BATCH {
        let mut pipe = redis::pipe();
        for index in batch * BATCH..(batch + 1) * BATCH {
            pipe.cmd("PUBLISH").arg("fan").arg(index).ignore();
        }
        pipe.query_async::<()>(&mut publisher)
            .await
            .expect("PUBLISH");
        // Keep the test's own readers, which share two cores with the gateway, within the
        // buffer: this measures delivery, not the test machine.
        let target = SUBSCRIBERS * (batch + 1) * BATCH;
        eventually("the batch is delivered", async || {
            received.load(Ordering::Relaxed) >= target
        })
        .await;
    }
    let elapsed = started.elapsed();
    for reader in readers {
        reader
            .await
            .expect("every subscriber got every message in order");
    }
    eprintln!(
        "{} deliveries in {elapsed:?}: {:.0}/s",
        SUBSCRIBERS * MESSAGES,
        (SUBSCRIBERS * MESSAGES) as f64 / elapsed.as_secs_f64()
    );
}

#[tokio::test]
async fn a_client_that_goes_away_is_unsubscribed() {
    let stack = Stack::start().await;
    let mut first = Events::open(stack.request(Method::GET, "/subscribe/gone/kept")).await;
    first.expect("subscribe,gone,1").await;
    let mut second = Events::open(stack.request(Method::GET, "/subscribe/gone")).await;
    second.expect("subscribe,gone,1").await;
    assert_eq!(numsub(&stack.server, "gone").await, 1);
    drop(first);
    // Still wanted by the second stream: "gone" stays, "kept" goes.
    eventually(
        "the first stream's own channel is unsubscribed",
        async || numsub(&stack.server, "kept").await == 0,
    )
    .await;
    assert_eq!(numsub(&stack.server, "gone").await, 1);
    drop(second);
    eventually("the last stream's channel is unsubscribed", async || {
        numsub(&stack.server, "gone").await == 0
    })
    .await;
}

#[tokio::test]
async fn when_redis_goes_away_streams_end_with_an_error_and_later_subscriptions_work() {
    let mut stack = Stack::start().await;
    let mut events = Events::open(stack.request(Method::GET, "/subscribe/restart")).await;
    events.expect("subscribe,restart,1").await;
    stack.server.kill();
    events
        .expect("error,restart,ERR Redis is unavailable: the subscription ended, subscribe again")
        .await;
    assert_eq!(events.next().await, None, "the stream ends after its error");
    let (status, body) = stack.get("/subscribe/restart").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body, json!({"error": "ERR Redis is unavailable"}));

    stack.server.restart().await;
    let mut events = Events::open(stack.request(Method::GET, "/subscribe/restart")).await;
    events.expect("subscribe,restart,1").await;
    // The command connection reconnects on its own schedule: publish until it is back.
    eventually(
        "a message published after the restart arrives",
        async || stack.get("/publish/restart/back").await.0 == StatusCode::OK,
    )
    .await;
    events.expect("message,restart,back").await;
}

#[tokio::test]
async fn on_a_cluster_a_subscriber_gets_what_is_published_through_any_node() {
    let cluster = RedisCluster::start().await;
    let gateway = common::cluster_gateway(&cluster).await;
    let http = http_client();
    let get = |path: &str| {
        http.get(format!("{}{path}", gateway.url))
            .bearer_auth(&gateway.token)
    };
    let mut channels = Events::open(get("/subscribe/board:1/board:2")).await;
    channels.expect("subscribe,board:1,1").await;
    channels.expect("subscribe,board:2,2").await;
    let mut patterns = Events::open(get("/psubscribe/board:*")).await;
    patterns.expect("psubscribe,board:*,1").await;
    // Published through the gateway, and on each node directly: the cluster relays them all.
    let (status, _) = common::send(get("/publish/board:1/via-gateway")).await;
    assert_eq!(status, StatusCode::OK);
    channels.expect("message,board:1,via-gateway").await;
    patterns
        .expect("pmessage,board:*,board:1,via-gateway")
        .await;
    for (index, node) in cluster.nodes.iter().enumerate() {
        let mut connection = node.connection().await;
        redis::cmd("PUBLISH")
            .arg("board:2")
            .arg(format!("node-{index}"))
            .query_async::<i64>(&mut connection)
            .await
            .expect("PUBLISH on a node");
        channels
            .expect(&format!("message,board:2,node-{index}"))
            .await;
        patterns
            .expect(&format!("pmessage,board:*,board:2,node-{index}"))
            .await;
    }
}

/// The gateway binary on one serving thread, for its memory.
struct Binary {
    child: Child,
    url: String,
}

impl Binary {
    fn start(server: &RedisServer, token: &str) -> Self {
        let mut child = Command::new(BINARY)
            .args(["--listen", "127.0.0.1:0", "--threads", "1"])
            .env("PODIUM_REDIS_URL", server.gateway_url())
            .env("PODIUM_GATEWAY_TOKEN", token)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let line = BufReader::new(stdout)
            .lines()
            .next()
            .expect("a ready line")
            .expect("readable");
        let url = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected ready line {line:?}"))
            .to_owned();
        Self { child, url }
    }

    /// Resident memory, in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A subscriber that sends its request, reads the answer's first bytes and then nothing more,
/// with a small receive buffer so that the gateway's side fills quickly.
fn stalled_subscriber(url: &str, path: &str) -> std::net::TcpStream {
    let address: std::net::SocketAddr = url
        .strip_prefix("http://")
        .expect("http URL")
        .parse()
        .expect("address");
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    socket.connect(&address.into()).expect("connect");
    let mut tcp: std::net::TcpStream = socket.into();
    write!(
        tcp,
        "GET {path} HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut first = [0u8; 512];
    let read = tcp.read(&mut first).expect("the answer starts");
    let head = String::from_utf8_lossy(&first[..read]);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    tcp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_stops_reading_is_dropped_and_memory_stays_bounded() {
    const ROUNDS: usize = 4;
    const PER_ROUND: usize = 2_000;
    const BATCH: usize = 100;
    const STALLED: usize = 10;
    let server = RedisServer::start().await;
    let token = "pubsub-memory-token";
    let gateway = Binary::start(&server, token);
    let path = format!("/subscribe/flood?_token={token}");
    let stalled: Vec<_> = (0..STALLED)
        .map(|_| stalled_subscriber(&gateway.url, &path))
        .collect();
    let http = http_client();
    let mut fast = Events::open(http.get(format!("{}{path}", gateway.url))).await;
    fast.expect("subscribe,flood,1").await;
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let reader = tokio::spawn(async move {
        for expected in 0..ROUNDS * PER_ROUND {
            let event = fast.next().await.expect("every message");
            assert!(
                event.starts_with(&format!("message,flood,{expected}:")),
                "{expected}: {}",
                &event[..event.len().min(40)]
            );
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });

    // 8 KiB messages: SUBSCRIBER_BUFFER of them is 4 MiB, far less than what flows through.
    let filler = "x".repeat(8 * 1024);
    let mut publisher = server.connection().await;
    let mut rss = Vec::new();
    for round in 0..ROUNDS {
        for batch in 0..PER_ROUND / BATCH {
            let mut pipe = redis::pipe();
            for index in 0..BATCH {
                let number = round * PER_ROUND + batch * BATCH + index;
                pipe.cmd("PUBLISH")
                    .arg("flood")
                    .arg(format!("{number}:{filler}"))
                    .ignore();
            }
            pipe.query_async::<()>(&mut publisher)
                .await
                .expect("PUBLISH");
            let target = round * PER_ROUND + (batch + 1) * BATCH;
            eventually("the fast subscriber keeps up", async || {
                received.load(Ordering::Relaxed) >= target
            })
            .await;
        }
        rss.push(gateway.rss_kib());
    }
    reader
        .await
        .expect("the fast subscriber got every message in order");
    eprintln!("gateway RSS after each round of {PER_ROUND} × 8 KiB: {rss:?} KiB");
    // Once the stalled subscribers are dropped, nothing grows with what is published.
    let growth = rss[ROUNDS - 1].saturating_sub(rss[0]);
    assert!(growth < 16 * 1024, "RSS grew by {growth} KiB: {rss:?}");

    // Each stalled subscriber, read at last: what was buffered, then the last event, then the end.
    let too_slow = format!(
        "data: error,flood,ERR subscriber too slow: more than {SUBSCRIBER_BUFFER} undelivered messages\n\n"
    );
    for mut tcp in stalled {
        tcp.set_read_timeout(Some(PATIENCE)).expect("timeout");
        let mut everything = Vec::new();
        tcp.read_to_end(&mut everything).expect("the stream ends");
        let text = String::from_utf8_lossy(&everything);
        assert!(text.contains(&too_slow), "no last event");
        let delivered = text.matches("data: message,flood,").count();
        assert!(
            delivered < ROUNDS * PER_ROUND,
            "a stalled subscriber was not dropped ({delivered} messages)"
        );
    }
}

/// docs/protocol.md states each limit next to its constant's name: a changed constant fails here
/// until the document says so too.
#[test]
fn the_protocol_document_states_the_limits() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/protocol.md"
    ))
    .expect("docs/protocol.md");
    let thousands = |value: usize| {
        let digits = value.to_string();
        let mut shown = String::new();
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                shown.push(',');
            }
            shown.push(digit);
        }
        shown
    };
    for (name, value) in [
        ("SUBSCRIBER_BUFFER", SUBSCRIBER_BUFFER),
        ("MAX_NAMES_PER_STREAM", MAX_NAMES_PER_STREAM),
        ("MAX_NAME_BYTES", MAX_NAME_BYTES),
    ] {
        let stated = format!("**{}**", thousands(value));
        assert!(
            doc.contains(&stated) && doc.contains(&format!("`{name}`")),
            "docs/protocol.md should state {name} as {stated}"
        );
    }
    let every = format!(
        "every {} s (`KEEP_ALIVE_INTERVAL`)",
        KEEP_ALIVE_INTERVAL.as_secs()
    );
    assert!(
        doc.contains(&every),
        "docs/protocol.md should say {every:?}"
    );
}
