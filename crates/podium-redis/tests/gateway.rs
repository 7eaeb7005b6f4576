//! The client against the real gateway in front of a real Valkey (or Redis with
//! `PODIUM_TEST_SERVER=redis`), each test on its own ephemeral server.

use podium_redis::{
    Client, Command, Error, ReqwestTransport, Script, Transport, Value, ZAddOptions,
};
use podium_testkit::{RedisServer, TestGateway};

/// Keeps the server and gateway alive for as long as the test uses the client.
struct Stack {
    client: Client<ReqwestTransport>,
    gateway: TestGateway,
    _server: RedisServer,
}

async fn stack() -> Stack {
    let server = RedisServer::start().await;
    let gateway = TestGateway::start(&server).await;
    let client = Client::new(&gateway.url, &gateway.token, transport());
    Stack {
        client,
        gateway,
        _server: server,
    }
}

fn transport() -> ReqwestTransport {
    ReqwestTransport::new().expect("an HTTP client")
}

fn server_error(result: Result<impl std::fmt::Debug, Error>) -> podium_redis::RedisServerError {
    match result {
        Err(Error::Server(e)) => e,
        other => panic!("expected a Redis error, got {other:?}"),
    }
}

#[tokio::test]
async fn strings_and_expiry() {
    let s = stack().await;
    let c = &s.client;
    assert_eq!(c.ping().await.unwrap(), "PONG");

    assert_eq!(c.get("missing").await.unwrap(), None);
    c.set_ex("greeting", "hello", 100).await.unwrap();
    assert_eq!(c.get("greeting").await.unwrap().as_deref(), Some("hello"));
    let ttl = c.ttl("greeting").await.unwrap();
    assert!((1..=100).contains(&ttl), "ttl {ttl}");
    assert_eq!(c.ttl("missing").await.unwrap(), -2);

    assert!(c.set_nx_ex("lock", "me", 30).await.unwrap());
    assert!(!c.set_nx_ex("lock", "you", 30).await.unwrap());
    assert_eq!(c.get("lock").await.unwrap().as_deref(), Some("me"));

    assert_eq!(c.incr("counter").await.unwrap(), 1);
    assert_eq!(c.incr("counter").await.unwrap(), 2);
    assert_eq!(c.ttl("counter").await.unwrap(), -1);
    assert!(c.expire("counter", 50).await.unwrap());
    assert!(!c.expire("missing", 50).await.unwrap());
    let counter: i64 = c.query(Command::new("GET").arg("counter")).await.unwrap();
    assert_eq!(counter, 2);

    assert_eq!(
        c.del(&["greeting", "lock", "counter", "missing"])
            .await
            .unwrap(),
        3
    );
}

#[tokio::test]
async fn leaderboard_sorted_sets() {
    let s = stack().await;
    let c = &s.client;
    let none = ZAddOptions::default();

    let players = [
        ("alice", 20.0),
        ("bob", 30.0),
        ("carol", 12.5),
        ("dave", -3.0),
    ];
    assert_eq!(c.zadd("lb", &players, none).await.unwrap(), 4);
    assert_eq!(c.zcard("lb").await.unwrap(), 4);

    // GT keeps a high score; CH counts the update.
    let gt = ZAddOptions::default().gt().ch();
    assert_eq!(c.zadd("lb", &[("alice", 5.0)], gt).await.unwrap(), 0);
    assert_eq!(c.zadd("lb", &[("alice", 25.0)], gt).await.unwrap(), 1);
    // LT keeps a best (lowest) time.
    let lt = ZAddOptions::default().lt().ch();
    assert_eq!(c.zadd("lb", &[("dave", 0.0)], lt).await.unwrap(), 0);
    assert_eq!(c.zadd("lb", &[("dave", -4.0)], lt).await.unwrap(), 1);
    // NX never updates; XX never adds.
    let nx = ZAddOptions::default().nx();
    assert_eq!(
        c.zadd("lb", &[("bob", 0.0), ("erin", 1.0)], nx)
            .await
            .unwrap(),
        1
    );
    let xx = ZAddOptions::default().xx().ch();
    assert_eq!(c.zadd("lb", &[("frank", 1.0)], xx).await.unwrap(), 0);
    let conflicting = ZAddOptions::default().nx().gt();
    assert_eq!(
        server_error(c.zadd("lb", &[("x", 1.0)], conflicting).await).code,
        "ERR"
    );

    assert_eq!(c.zincrby("lb", 0.5, "carol").await.unwrap(), 13.0);
    assert_eq!(c.zscore("lb", "alice").await.unwrap(), Some(25.0));
    assert_eq!(c.zscore("lb", "nobody").await.unwrap(), None);

    let top = c.zrevrange_withscores("lb", 0, 2).await.unwrap();
    assert_eq!(
        top,
        vec![
            ("bob".to_owned(), 30.0),
            ("alice".to_owned(), 25.0),
            ("carol".to_owned(), 13.0)
        ]
    );
    let bottom = c.zrange_withscores("lb", 0, 1).await.unwrap();
    assert_eq!(
        bottom,
        vec![("dave".to_owned(), -4.0), ("erin".to_owned(), 1.0)]
    );
    assert!(
        c.zrange_withscores("empty", 0, -1)
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(c.zrevrank("lb", "bob").await.unwrap(), Some(0));
    assert_eq!(c.zrank("lb", "bob").await.unwrap(), Some(4));
    assert_eq!(c.zrevrank("lb", "nobody").await.unwrap(), None);

    assert_eq!(c.zrem("lb", &["bob", "nobody"]).await.unwrap(), 1);
    assert_eq!(c.zcard("lb").await.unwrap(), 4);
}

#[tokio::test]
async fn scores_round_trip_exactly() {
    let s = stack().await;
    let c = &s.client;
    let scores = [
        0.1,
        1.0 / 3.0,
        -2.5e-7,
        1e15 + 0.5,
        9_007_199_254_740_993.0,
        1e300,
    ];
    for (i, score) in scores.iter().enumerate() {
        let member = format!("m{i}");
        c.zadd("floats", &[(&member, *score)], ZAddOptions::default())
            .await
            .unwrap();
        assert_eq!(c.zscore("floats", &member).await.unwrap(), Some(*score));
    }
    let with_scores = c.zrange_withscores("floats", 0, -1).await.unwrap();
    let mut sorted = scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    let read: Vec<f64> = with_scores.iter().map(|(_, s)| *s).collect();
    assert_eq!(read, sorted);
}

#[tokio::test]
async fn hashes() {
    let s = stack().await;
    let c = &s.client;
    assert!(c.hgetall("profile").await.unwrap().is_empty());
    assert_eq!(
        c.hset("profile", &[("name", "Zoë 🏆"), ("country", "FR")])
            .await
            .unwrap(),
        2
    );
    assert_eq!(c.hset("profile", &[("country", "BE")]).await.unwrap(), 0);
    assert_eq!(
        c.hget("profile", "name").await.unwrap().as_deref(),
        Some("Zoë 🏆")
    );
    assert_eq!(c.hget("profile", "missing").await.unwrap(), None);
    let mut all = c.hgetall("profile").await.unwrap();
    all.sort();
    assert_eq!(
        all,
        vec![
            ("country".to_owned(), "BE".to_owned()),
            ("name".to_owned(), "Zoë 🏆".to_owned())
        ]
    );
    assert_eq!(c.hdel("profile", &["country", "missing"]).await.unwrap(), 1);
}

#[tokio::test]
async fn bytes_are_exact() {
    let s = stack().await;
    let c = &s.client;

    // Bytes that are not UTF-8 cannot be sent as JSON, but Lua can store them.
    let store = Script::new("redis.call('SET', KEYS[1], '\\255\\000\\254ok') return 1");
    let _: i64 = c
        .evalsha_or_eval(&store, ["raw"], Vec::<&str>::new())
        .await
        .unwrap();
    let raw: Vec<u8> = c.query(Command::new("GET").arg("raw")).await.unwrap();
    assert_eq!(raw, [0xff, 0x00, 0xfe, b'o', b'k']);
    assert!(matches!(
        c.get("raw").await,
        Err(Error::UnexpectedReply { .. })
    ));
    let refused = c.exec(Command::new("SET").arg("k").arg(raw.clone())).await;
    assert!(matches!(refused, Err(Error::NonUtf8Argument { .. })));

    // A stored "OK" is data, base64-encoded, at the top level and inside arrays alike.
    c.exec(Command::new("SET").arg("ok").arg("OK"))
        .await
        .unwrap();
    c.exec(Command::new("SET").arg("emoji").arg("🏆\u{0}\"\\"))
        .await
        .unwrap();
    assert_eq!(c.get("ok").await.unwrap().as_deref(), Some("OK"));
    let values = c
        .exec(Command::new("MGET").args(["ok", "emoji", "missing", "raw"]))
        .await
        .unwrap();
    assert_eq!(
        values,
        Value::Array(vec![
            Value::Bytes(b"OK".to_vec()),
            Value::Bytes("🏆\u{0}\"\\".as_bytes().to_vec()),
            Value::Nil,
            Value::Bytes(raw),
        ])
    );
    // A status reply inside an array (EXEC of SET, via Lua) is encoded too.
    let nested = c
        .exec(
            Command::new("EVAL")
                .arg("return {redis.call('SET', KEYS[1], 'v'), 7, {'a'}}")
                .arg(1)
                .arg("k"),
        )
        .await
        .unwrap();
    assert_eq!(
        nested,
        Value::Array(vec![
            Value::Bytes(b"OK".to_vec()),
            Value::Int(7),
            Value::Array(vec![Value::Bytes(b"a".to_vec())]),
        ])
    );
}

#[tokio::test]
async fn redis_errors_are_typed() {
    let s = stack().await;
    let c = &s.client;
    c.zadd("lb", &[("alice", 1.0)], ZAddOptions::default())
        .await
        .unwrap();
    assert_eq!(server_error(c.get("lb").await).code, "WRONGTYPE");
    c.set_ex("text", "abc", 60).await.unwrap();
    let err = server_error(c.incr("text").await);
    assert_eq!(err.code, "ERR");
    assert_eq!(err.message, "value is not an integer or out of range");
    assert_eq!(
        server_error(c.exec(Command::new("NOSUCHCOMMAND")).await).code,
        "ERR"
    );
}

#[tokio::test]
async fn tokens() {
    let s = stack().await;
    s.client.set_ex("k", "v", 60).await.unwrap();

    let wrong = Client::new(&s.gateway.url, "not-the-token", transport());
    assert!(matches!(wrong.ping().await, Err(Error::Unauthorized)));
    assert!(matches!(
        wrong.pipeline(vec![Command::new("PING")]).await,
        Err(Error::Unauthorized)
    ));

    let reader = Client::new(&s.gateway.url, &s.gateway.read_only_token, transport());
    assert_eq!(reader.get("k").await.unwrap().as_deref(), Some("v"));
    assert_eq!(
        server_error(reader.set_ex("k", "w", 60).await).code,
        "NOPERM"
    );
    assert_eq!(s.client.get("k").await.unwrap().as_deref(), Some("v"));
}

#[tokio::test]
async fn pipelines_keep_order_and_per_command_errors() {
    let s = stack().await;
    let c = &s.client;
    let replies = c
        .pipeline(vec![
            Command::new("SET").arg("k").arg("v"),
            Command::new("INCR").arg("k"),
            Command::new("GET").arg("k"),
            Command::new("ZADD").arg("lb").arg(1.5).arg("a"),
            Command::new("ZRANGE")
                .arg("lb")
                .arg(0)
                .arg(-1)
                .arg("WITHSCORES"),
        ])
        .await
        .unwrap();
    assert_eq!(replies.len(), 5);
    assert_eq!(replies[0], Ok(Value::Bytes(b"OK".to_vec())));
    assert_eq!(replies[1].as_ref().unwrap_err().code, "ERR");
    assert_eq!(replies[2], Ok(Value::Bytes(b"v".to_vec())));
    assert_eq!(replies[3], Ok(Value::Int(1)));
    assert_eq!(
        replies[4],
        Ok(Value::Array(vec![
            Value::Bytes(b"a".to_vec()),
            Value::Bytes(b"1.5".to_vec())
        ]))
    );

    let many: Vec<Command> = (0..500).map(|_| Command::new("INCR").arg("n")).collect();
    let replies = c.pipeline(many).await.unwrap();
    let counts: Vec<i64> = replies
        .into_iter()
        .map(|r| r.unwrap().as_i64().unwrap())
        .collect();
    assert_eq!(counts, (1..=500).collect::<Vec<_>>());
}

#[tokio::test]
async fn transactions() {
    let s = stack().await;
    let c = &s.client;
    let replies = c
        .transaction(vec![
            Command::new("INCR").arg("a"),
            Command::new("INCR").arg("a"),
            Command::new("ZADD").arg("lb").arg(3).arg("x"),
        ])
        .await
        .unwrap();
    assert_eq!(
        replies,
        vec![Ok(Value::Int(1)), Ok(Value::Int(2)), Ok(Value::Int(1))]
    );

    // A command failing at run time fails alone; the others are applied.
    c.set_ex("text", "abc", 60).await.unwrap();
    let replies = c
        .transaction(vec![
            Command::new("INCR").arg("text"),
            Command::new("INCR").arg("a"),
        ])
        .await
        .unwrap();
    assert_eq!(replies[0].as_ref().unwrap_err().code, "ERR");
    assert_eq!(replies[1], Ok(Value::Int(3)));

    // A command Redis refuses to queue discards the whole transaction.
    let discarded = c
        .transaction(vec![Command::new("INCR").arg("a"), Command::new("INCR")])
        .await;
    let err = server_error(discarded);
    assert!(
        err.code == "EXECABORT" || err.code == "ERR",
        "unexpected {err:?}"
    );
    assert_eq!(c.get("a").await.unwrap().as_deref(), Some("3"));
}

#[tokio::test]
async fn scripts_fall_back_to_eval_once() {
    let s = stack().await;
    let c = &s.client;
    let script = Script::new("return redis.call('ZINCRBY', KEYS[1], ARGV[1], ARGV[2])");

    let exists = |sha: String| async move {
        let flags: Vec<i64> = c
            .query(Command::new("SCRIPT").arg("EXISTS").arg(sha))
            .await
            .unwrap();
        flags == [1]
    };
    assert!(!exists(script.sha1().to_owned()).await);

    let score: f64 = c
        .evalsha_or_eval(&script, ["lb"], [2.5.to_string().as_str(), "alice"])
        .await
        .unwrap();
    assert_eq!(score, 2.5);
    // EVAL cached the script under the hash we computed, so the next call is a plain EVALSHA.
    assert!(exists(script.sha1().to_owned()).await);
    let score: f64 = c
        .evalsha_or_eval(&script, ["lb"], ["1", "alice"])
        .await
        .unwrap();
    assert_eq!(score, 3.5);

    let loaded: String = c
        .query(Command::new("SCRIPT").arg("LOAD").arg("return 1"))
        .await
        .unwrap();
    assert_eq!(loaded, Script::new("return 1").sha1());

    let failing = Script::new("return redis.error_reply('NOTALLOWED score too high')");
    let err = server_error(
        c.evalsha_or_eval::<Value, &str, &str>(&failing, [], [])
            .await,
    );
    assert_eq!(err.code, "NOTALLOWED");
    assert_eq!(err.message, "score too high");
}

#[tokio::test]
async fn unreachable_endpoint_is_a_transport_error() {
    let port = podium_testkit::free_port();
    let c = Client::new(format!("http://127.0.0.1:{port}"), "t", transport());
    assert!(matches!(c.ping().await, Err(Error::Transport(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_futures_are_send() {
    let s = stack().await;
    let client = s.client.clone();
    let task = tokio::spawn(async move { client.ping().await });
    assert_eq!(task.await.unwrap().unwrap(), "PONG");

    // Borrowing transports work as well.
    let shared = transport();
    let by_ref = Client::new(&s.gateway.url, &s.gateway.token, &shared);
    assert_eq!(by_ref.ping().await.unwrap(), "PONG");
    assert_send(&by_ref.transport().post("http://x", &[], Vec::new()));
}

fn assert_send<T: Send>(_: &T) {}
