//! What a token holder cannot do, scripts included (issue 21): a script cannot run what the
//! gateway refuses as a command, the read-only token runs no script at all, a runaway script
//! can be killed through the gateway, and HEAD never writes.

mod common;

use std::time::{Duration, Instant};

use common::{Stack, send};
use podium_testkit::{RedisServer, ServerKind};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// What is stored, for checking that a refused script changed nothing.
async fn stored(stack: &Stack) -> (Vec<String>, Option<String>, Vec<String>) {
    let mut connection = stack.server.connection().await;
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut connection)
        .await
        .expect("KEYS");
    keys.sort();
    let canary: Option<String> = redis::cmd("GET")
        .arg("safety:canary")
        .query_async(&mut connection)
        .await
        .expect("GET");
    // Database 1, which SELECT and SWAPDB would reach, on a connection of its own.
    let mut db1 = stack.server.connection().await;
    let other: Vec<String> = redis::pipe()
        .cmd("SELECT")
        .arg(1)
        .ignore()
        .cmd("KEYS")
        .arg("*")
        .query_async::<(Vec<String>,)>(&mut db1)
        .await
        .expect("KEYS in db 1")
        .0;
    (keys, canary, other)
}

/// A script's own error when its user may not run a command (Valkey and Redis word it
/// differently).
fn denied_to_the_script(reply: &Value) -> bool {
    reply["error"].as_str().is_some_and(|text| {
        text.starts_with("ERR") && (text.contains("no permissions") || text.contains("can't run"))
    })
}

#[tokio::test]
async fn full_token_scripts_cannot_run_what_the_gateway_refuses() {
    let stack = Stack::start().await;
    stack
        .command(json!(["SET", "safety:canary", "alive"]))
        .await;
    let before = stored(&stack).await;
    for script in [
        "return redis.call('FLUSHDB')",
        "return redis.call('FLUSHALL')",
        "return redis.call('SWAPDB', 0, 1)",
        "return redis.call('KEYS', '*')",
        "redis.call('SELECT', 1) return redis.call('SET', 'safety:leak', 'x')",
    ] {
        // (CONFIG, DEBUG, SHUTDOWN, ACL … are not allowed in scripts at all.)
        let (status, reply) = stack.command(json!(["EVAL", script, 0])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{script}: {reply}");
        assert!(denied_to_the_script(&reply), "{script}: {reply}");
        // The same through a pipeline and a transaction.
        let (_, entries) = stack
            .post(
                "/pipeline",
                json!([["EVAL", script, 0], ["GET", "safety:canary"]]),
            )
            .await;
        assert!(denied_to_the_script(&entries[0]), "{script}: {entries}");
        assert_eq!(entries[1], json!({"result": "alive"}));
        let (_, entries) = stack
            .post("/multi-exec", json!([["EVAL", script, 0]]))
            .await;
        assert!(denied_to_the_script(&entries[0]), "{script}: {entries}");
    }
    assert_eq!(stored(&stack).await, before, "nothing changed");
    // Scripts keep everything else.
    assert_eq!(
        stack
            .command(json!([
                "EVAL",
                "return redis.call('GET', KEYS[1])",
                1,
                "safety:canary"
            ]))
            .await,
        (StatusCode::OK, json!({"result": "alive"}))
    );
}

#[tokio::test]
async fn the_read_only_token_runs_no_script() {
    let stack = Stack::start().await;
    stack
        .command(json!(["SET", "safety:canary", "alive"]))
        .await;
    let (_, loaded) = stack
        .command(json!(["SCRIPT", "LOAD", "return redis.call('SCAN', 0)"]))
        .await;
    let sha = loaded["result"].as_str().expect("a script hash").to_owned();
    for command in [
        json!(["EVAL_RO", "return redis.call('KEYS', '*')", 0]),
        json!(["eval_ro", "return redis.call('SCAN', 0)", 0]),
        json!(["EVALSHA_RO", sha, 0]),
        json!(["FCALL_RO", "anything", 0]),
        json!(["EVAL_RO", "while true do end", 0]),
    ] {
        let (status, reply) =
            send(stack.read_only(Method::POST, "/").body(command.to_string())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{command}: {reply}");
        assert!(
            reply["error"]
                .as_str()
                .is_some_and(|text| text.starts_with("NOPERM")),
            "{command}: {reply}"
        );
        let (status, entries) = send(
            stack
                .read_only(Method::POST, "/pipeline")
                .body(json!([command, ["GET", "safety:canary"]]).to_string()),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            entries[0]["error"]
                .as_str()
                .is_some_and(|text| text.starts_with("NOPERM")),
            "{command}: {entries}"
        );
        assert_eq!(entries[1], json!({"result": "alive"}));
    }
    // The full token still runs read-only scripts.
    assert_eq!(
        stack
            .command(json!([
                "EVAL_RO",
                "return redis.call('GET', KEYS[1])",
                1,
                "safety:canary"
            ]))
            .await,
        (StatusCode::OK, json!({"result": "alive"}))
    );
}

/// Waits until the server answers everyone else with BUSY: a script has run past the
/// server's `busy-reply-threshold`.
async fn wait_until_busy(server: &RedisServer) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut connection = server.connection().await;
    loop {
        let ping: redis::RedisResult<String> =
            redis::cmd("PING").query_async(&mut connection).await;
        match ping {
            Err(error) if error.code() == Some("BUSY") => return,
            _ if Instant::now() > deadline => panic!("the server never got busy: {ping:?}"),
            _ => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

#[tokio::test]
async fn a_runaway_script_is_killed_through_the_gateway_and_everything_recovers() {
    let server = RedisServer::start_with(
        ServerKind::from_env(),
        vec!["--busy-reply-threshold".into(), "100".into()],
    )
    .await;
    let stack = Stack::start_on(server).await;
    stack
        .command(json!(["SET", "safety:canary", "alive"]))
        .await;
    let library =
        "#!lua name=safety\nredis.register_function('spin', function() while true do end end)";
    let (status, reply) = stack
        .command(json!(["FUNCTION", "LOAD", "REPLACE", library]))
        .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    for (runaway, kill) in [
        (
            json!(["EVAL", "while true do end", 0]),
            json!(["SCRIPT", "KILL"]),
        ),
        (json!(["FCALL", "spin", 0]), json!(["FUNCTION", "KILL"])),
    ] {
        let started = Instant::now();
        let stuck = tokio::spawn({
            let request = stack.request(Method::POST, "/").body(runaway.to_string());
            send(request)
        });
        // The kill goes out once the server answers everyone else with BUSY. (Requests on the
        // stuck request's own connection wait behind it, so none is sent meanwhile.)
        wait_until_busy(&stack.server).await;
        assert_eq!(
            stack.command(kill.clone()).await,
            (StatusCode::OK, json!({"result": "OK"})),
            "{kill}"
        );
        let (status, reply) = stuck.await.expect("the stuck request ends");
        assert_eq!(status, StatusCode::BAD_REQUEST, "{runaway}: {reply}");
        assert!(
            reply["error"]
                .as_str()
                .is_some_and(|text| text.contains("killed by user")),
            "{runaway}: {reply}"
        );
        // Well before the request timeout (5 s): the kill ended it, not a timer.
        assert!(started.elapsed() < Duration::from_secs(4), "{runaway}");
        // The gateway and the server serve normally again.
        assert_eq!(
            stack.get("/get/safety:canary").await,
            (StatusCode::OK, json!({"result": "alive"}))
        );
        assert_eq!(stack.get("/_health").await.0, StatusCode::OK);
    }
    // Nothing to kill: the server's own answer.
    let (status, reply) = stack.command(json!(["SCRIPT", "KILL"])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        reply["error"]
            .as_str()
            .is_some_and(|text| text.starts_with("NOTBUSY"))
    );
}

#[tokio::test]
async fn head_never_writes() {
    let stack = Stack::start().await;
    stack.command(json!(["SET", "head:counter", "5"])).await;
    let head = |path: &str, body: Option<Value>| {
        let mut request = stack.request(Method::HEAD, path);
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        async move { request.send().await.expect("HEAD answers").status() }
    };
    for (path, body) in [
        ("/set/head:k/v", None),
        ("/incr/head:counter", None),
        ("/set/head:k?EX=100", Some(json!("v"))),
        ("/", Some(json!(["SET", "head:k", "v"]))),
        (
            "/pipeline",
            Some(json!([["GET", "head:counter"], ["SET", "head:k", "v"]])),
        ),
        ("/multi-exec", Some(json!([["SET", "head:k", "v"]]))),
        (
            "/",
            Some(json!([
                "EVAL",
                "return redis.call('SET', 'head:k', 'v')",
                0
            ])),
        ),
    ] {
        assert_eq!(
            head(path, body.clone()).await,
            StatusCode::METHOD_NOT_ALLOWED,
            "HEAD {path} {body:?}"
        );
    }
    let mut connection = stack.server.connection().await;
    let (k, counter): (Option<String>, String) = redis::pipe()
        .get("head:k")
        .get("head:counter")
        .query_async(&mut connection)
        .await
        .expect("GET");
    assert_eq!((k, counter.as_str()), (None, "5"), "HEAD stored nothing");
    // Reads on HEAD are still answered, without a body.
    assert_eq!(head("/get/head:counter", None).await, StatusCode::OK);
    assert_eq!(
        head("/pipeline", Some(json!([["GET", "head:counter"]]))).await,
        StatusCode::OK
    );
}

/// `ACL DRYRUN` of `command` (a name, or a container and a subcommand) for `user`, with as many
/// placeholder arguments as the server's `COMMAND INFO` says it needs; a container named alone
/// is tried with its first subcommand.
async fn dry_run(
    connection: &mut redis::aio::MultiplexedConnection,
    user: &str,
    command: &[&str],
) -> redis::Value {
    let name = command.join("|").to_ascii_lowercase();
    let info: redis::Value = redis::cmd("COMMAND")
        .arg("INFO")
        .arg(&name)
        .query_async(connection)
        .await
        .expect("COMMAND INFO");
    let redis::Value::Array(mut entries) = info else {
        panic!("COMMAND INFO {name}: {info:?}")
    };
    let Some(redis::Value::Array(mut entry)) = entries.pop() else {
        panic!("{name} is not a command of this server")
    };
    if let Some(redis::Value::Array(subcommands)) = entry.get(9)
        && let Some(redis::Value::Array(first)) = subcommands.first()
    {
        entry = first.clone();
    }
    let (Some(redis::Value::BulkString(full_name)), Some(redis::Value::Int(arity))) =
        (entry.first(), entry.get(1))
    else {
        panic!("COMMAND INFO {name}: {entry:?}")
    };
    let mut args: Vec<String> = String::from_utf8_lossy(full_name)
        .split('|')
        .map(str::to_owned)
        .collect();
    while args.len() < arity.unsigned_abs() as usize {
        args.push("0".into());
    }
    redis::cmd("ACL")
        .arg("DRYRUN")
        .arg(user)
        .arg(&args)
        .query_async(connection)
        .await
        .unwrap_or_else(|error| panic!("ACL DRYRUN {args:?}: {error}"))
}

#[tokio::test]
async fn the_acl_rules_deny_every_command_the_gateway_refuses_and_keep_the_rest() {
    // Every test server has the gateway's user, with `podium_gateway::acl_rules()`.
    let server = RedisServer::start().await;
    let mut connection = server.connection().await;
    let user = podium_testkit::GATEWAY_USER;
    let denied = podium_gateway::acl_denied();
    assert!(denied.contains(&vec!["FLUSHDB"]) && denied.contains(&vec!["SELECT"]));
    let mut allowed = Vec::new();
    for command in &denied {
        let reply = dry_run(&mut connection, user, command).await;
        if !matches!(&reply, redis::Value::BulkString(text)
                if String::from_utf8_lossy(text).contains("no permissions"))
        {
            allowed.push(format!("{command:?}: {reply:?}"));
        }
    }
    assert!(allowed.is_empty(), "not denied: {allowed:?}");
    for command in [
        &["SCRIPT", "KILL"][..],
        &["FUNCTION", "KILL"],
        &["EVAL"],
        &["MULTI"],
        &["EXEC"],
        &["ZADD"],
        &["SCAN"],
        &["PUBLISH"],
    ] {
        assert_eq!(
            dry_run(&mut connection, user, command).await,
            redis::Value::Okay,
            "{command:?} is denied"
        );
    }
}

/// Arguments that make each refused command do its harm if it were forwarded; every row of the
/// table refused for any reason is sent, most with no arguments at all (the gateway refuses by
/// name), these with the ones the outside test used.
fn harmful_forms(row: &podium_gateway::TableRow) -> Vec<Vec<String>> {
    let args: &[&[&str]] = match (row.command, row.subcommand) {
        ("SCRIPT", Some("DEBUG")) => &[&["YES"], &["SYNC"]],
        ("CLIENT", Some("REPLY")) => &[&["OFF"], &["SKIP"]],
        ("CLIENT", Some("NO-EVICT" | "NO-TOUCH" | "TRACKING")) => &[&["ON"]],
        ("CLIENT", Some("SETNAME")) => &[&["podium"]],
        ("CLIENT", Some("PAUSE")) => &[&["10000"]],
        ("SELECT", None) => &[&["1"]],
        ("HELLO", None) => &[&["3"]],
        ("AUTH", None) => &[&["nobody", "wrong"]],
        ("WATCH", None) => &[&["safety:canary"]],
        ("SUBSCRIBE" | "PSUBSCRIBE" | "SSUBSCRIBE", None) => &[&["x"]],
        ("BLPOP" | "BRPOP" | "BZPOPMIN" | "BZPOPMAX", None) => &[&["safety:queue", "0"]],
        ("WAIT", None) => &[&["1", "0"]],
        ("DEBUG", None) => &[&["SLEEP", "0"]],
        _ => &[&[]],
    };
    args.iter()
        .map(|args| {
            row.subcommand.into_iter().chain(args.iter().copied()).fold(
                vec![row.command.to_owned()],
                |mut command, arg| {
                    command.push(arg.to_owned());
                    command
                },
            )
        })
        .collect()
}

/// Scripts, reads and writes work through the gateway's one shared connection.
async fn the_shared_connection_serves(stack: &Stack, sha: &str, after: &[String]) {
    assert_eq!(
        stack
            .command(json!(["EVALSHA", sha, 1, "safety:canary"]))
            .await,
        (StatusCode::OK, json!({"result": "alive"})),
        "EVALSHA after {after:?}"
    );
    assert_eq!(
        stack.get("/get/safety:canary").await,
        (StatusCode::OK, json!({"result": "alive"})),
        "GET after {after:?}"
    );
    assert_eq!(
        stack
            .post(
                "/pipeline",
                json!([["SET", "safety:written", "yes"], ["GET", "safety:written"]])
            )
            .await,
        (StatusCode::OK, json!([{"result": "OK"}, {"result": "yes"}])),
        "writes after {after:?}"
    );
}

fn not_available(reply: &Value) -> bool {
    reply["error"]
        .as_str()
        .is_some_and(|text| text.starts_with("ERR Command is not available"))
}

#[tokio::test]
async fn no_refused_command_reaches_the_shared_connection_in_any_request_form() {
    // The unrestricted default user, so that only the gateway's refusals stand between these
    // commands and the server (the gateway's own user would be denied some of them); one
    // runtime, so one shared connection serves every request.
    let server = RedisServer::start().await;
    let gateway = podium_testkit::TestGateway::start_with(
        podium_gateway::RedisConfig::single(server.url()),
        |_| {},
    )
    .await;
    let stack = Stack {
        server,
        gateway,
        http: podium_testkit::http_client(),
    };
    stack
        .command(json!(["SET", "safety:canary", "alive"]))
        .await;
    let (_, loaded) = stack
        .command(json!([
            "SCRIPT",
            "LOAD",
            "return redis.call('GET', KEYS[1])"
        ]))
        .await;
    let sha = loaded["result"].as_str().expect("a script hash").to_owned();
    let mut commands: Vec<Vec<String>> = podium_gateway::command_table()
        .filter(|row| matches!(row.class, podium_gateway::CommandClass::Refused(_)))
        .flat_map(|row| harmful_forms(&row))
        .collect();
    // The reads that block with an option.
    for row in podium_gateway::command_table().filter(|row| row.blocking_with_block_option) {
        let group: &[&str] = match row.command {
            "XREADGROUP" => &["GROUP", "g", "c"],
            _ => &[],
        };
        let mut command = vec![row.command.to_owned()];
        command.extend(
            group
                .iter()
                .chain(&["BLOCK", "0", "STREAMS", "safety:stream", "$"])
                .map(|arg| arg.to_string()),
        );
        commands.push(command);
    }
    // The commands an outside test found or named, whichever row they come from.
    for required in [
        &["SCRIPT", "DEBUG", "YES"][..],
        &["SCRIPT", "DEBUG", "SYNC"],
        &["CLIENT", "REPLY", "OFF"],
        &["CLIENT", "NO-EVICT", "ON"],
        &["SELECT", "1"],
        &["HELLO", "3"],
        &["RESET"],
        &["MULTI"],
        &["SUBSCRIBE", "x"],
        &["MONITOR"],
        &["READONLY"],
    ] {
        assert!(
            commands.iter().any(|command| command == required),
            "{required:?} is not refused"
        );
    }
    for command in &commands {
        let (status, reply) = stack.command(json!(command)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{command:?}: {reply}");
        assert!(not_available(&reply), "{command:?}: {reply}");
        let path: String = command.iter().map(|arg| format!("/{arg}")).collect();
        let (status, reply) = stack.get(&path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {reply}");
        assert!(not_available(&reply), "{path}: {reply}");
        let (status, entries) = stack
            .post("/pipeline", json!([command, ["GET", "safety:canary"]]))
            .await;
        assert_eq!(status, StatusCode::OK, "{command:?}: {entries}");
        assert!(not_available(&entries[0]), "{command:?}: {entries}");
        assert_eq!(entries[1], json!({"result": "alive"}), "{command:?}");
        let (status, reply) = stack
            .post("/multi-exec", json!([["GET", "safety:canary"], command]))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{command:?}: {reply}");
        assert!(not_available(&reply), "{command:?}: {reply}");
        the_shared_connection_serves(&stack, &sha, command).await;
    }
}
