//! Single commands asked for close together leave as one pipeline, against a real server: each
//! request still gets its own answer (or its own error), and the server reads them in one go.

use std::time::Duration;

use futures::future::join_all;
use podium_gateway::{Backend, GatewayError, RedisConfig};
use podium_testkit::RedisServer;
use redis::Value;

/// How many reads from its clients the server has done (this INFO is one of them).
async fn reads(connection: &mut redis::aio::MultiplexedConnection) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("stats")
        .query_async(connection)
        .await
        .expect("INFO stats");
    info.lines()
        .find_map(|line| line.strip_prefix("total_reads_processed:"))
        .map(|count| count.trim().parse().expect("a count"))
        .expect("total_reads_processed in INFO stats")
}

/// A backend of its own in front of `server`, without coalescing.
fn backend(server: &RedisServer) -> Backend {
    Backend::new(
        RedisConfig::single(server.url()),
        Duration::from_secs(5),
        false,
    )
}

fn command(args: &[&str]) -> Vec<Vec<u8>> {
    args.iter().map(|arg| arg.as_bytes().to_vec()).collect()
}

#[tokio::test]
async fn commands_asked_for_across_two_turns_leave_together_and_keep_their_own_answers() {
    let server = RedisServer::start().await;
    let backend = backend(&server);
    for i in 0..20 {
        backend
            .command(&command(&["SET", &format!("k{i}"), &format!("v{i}")]))
            .await
            .expect("SET");
    }
    let mut stats = server.connection().await;
    let before = reads(&mut stats).await;
    // Half the requests arrive in this turn of the runtime, half in the next.
    let requests = (0..20).map(|i| {
        let backend = backend.clone();
        async move {
            if i % 2 == 1 {
                tokio::task::yield_now().await;
            }
            let args = if i == 7 {
                // An error for this request only.
                command(&["INCR", "k7"])
            } else {
                command(&["GET", &format!("k{i}")])
            };
            (i, backend.command(&args).await)
        }
    });
    for (i, answer) in join_all(requests).await {
        match answer {
            Ok(Value::BulkString(bytes)) => assert_eq!(bytes, format!("v{i}").into_bytes()),
            Err(GatewayError::Redis(text)) => {
                assert_eq!(i, 7, "{text}");
                assert!(text.contains("not an integer"), "{text}");
            }
            other => panic!("request {i}: {other:?}"),
        }
    }
    // One read for the twenty commands, one for the INFO that asks.
    assert_eq!(reads(&mut stats).await - before, 2);
}

#[tokio::test]
async fn a_lone_command_is_answered_without_company() {
    let server = RedisServer::start().await;
    let backend = backend(&server);
    for round in 0..3 {
        let answer = backend
            .command(&command(&["INCR", "lone"]))
            .await
            .expect("INCR");
        assert_eq!(answer, Value::Int(round + 1));
    }
}
