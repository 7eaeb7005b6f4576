//! The `podium-gateway` binary: configuration, the ready line, and graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use podium_testkit::{RedisServer, http_client};

const BINARY: &str = env!("CARGO_BIN_EXE_podium-gateway");

#[test]
fn refuses_to_start_without_a_token() {
    let output = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0"])
        .env_remove("PODIUM_GATEWAY_TOKEN")
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("token is required"), "{stderr}");
}

#[tokio::test]
async fn prints_its_address_serves_and_stops_on_sigterm_without_logging_secrets() {
    let server = RedisServer::start().await;
    let token = "binary-test-secret-token";
    let mut child = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0"])
        .env("PODIUM_REDIS_URL", server.url())
        .env("PODIUM_GATEWAY_TOKEN", token)
        .env("PODIUM_GATEWAY_READONLY_TOKEN", "binary-test-read-only")
        .env("RUST_LOG", "podium_gateway=debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let url = ready_url(&mut child);

    let http = http_client();
    let set = http
        .get(format!("{url}/set/bin/1"))
        .bearer_auth(token)
        .send()
        .await
        .expect("answer");
    assert_eq!(set.status(), 200);
    let refused = http
        .get(format!("{url}/get/bin?_token=wrong-token"))
        .send()
        .await
        .expect("answer");
    assert_eq!(refused.status(), 401);

    let pid = child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "{exit}");
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut logs)
        .expect("logs");
    assert!(logs.contains("connected to Redis"), "{logs}");
    for secret in [token, "binary-test-read-only", "wrong-token"] {
        assert!(
            !logs.contains(secret),
            "a secret leaked into the logs:\n{logs}"
        );
    }
}

#[test]
fn prints_the_acl_rules_of_its_policy_without_a_token() {
    let output = Command::new(BINARY)
        .arg("--print-acl-rules")
        .env_remove("PODIUM_GATEWAY_TOKEN")
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("{}\n", podium_gateway::acl_rules())
    );
}

/// Scripts run with the rights of the gateway's Redis user: connected as a user that may run
/// what the gateway refuses, it says so once at start; as a user with the printed rules, it
/// says they hold. Neither line names the password.
#[tokio::test]
async fn says_at_start_whether_its_redis_user_holds_scripts_to_the_policy() {
    let server = RedisServer::start().await;
    for (url, expected) in [
        (server.url(), "may run commands the gateway refuses"),
        (
            server.gateway_url(),
            "is denied every command the gateway refuses",
        ),
    ] {
        let mut child = Command::new(BINARY)
            .args(["--listen", "127.0.0.1:0"])
            .env("PODIUM_REDIS_URL", &url)
            .env("PODIUM_GATEWAY_TOKEN", "t")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let _ = ready_url(&mut child);
        let stderr = child.stderr.take().expect("stderr");
        let line = BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .find(|line| line.contains("the Redis user"))
            .expect("a line about the Redis user");
        let _ = child.kill();
        let _ = child.wait();
        assert!(line.contains(expected), "{line}");
        let password = url.rsplit_once('@').map(|(head, _)| head.to_owned());
        if let Some(credentials) = password {
            let password = credentials.rsplit(':').next().expect("a password");
            assert!(!line.contains(password), "{line}");
        }
        if expected.starts_with("may run") {
            assert!(
                line.contains("FLUSHDB") && line.contains("SELECT"),
                "{line}"
            );
        }
    }
}

/// Whoever reads the ready line may signal at once: the handlers must already be in place.
#[test]
fn a_signal_right_after_the_ready_line_is_a_graceful_stop() {
    for _ in 0..10 {
        let mut child = Command::new(BINARY)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--redis-url",
                "redis://127.0.0.1:1",
            ])
            .env("PODIUM_GATEWAY_TOKEN", "t")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("a ready line");
        assert!(line.starts_with("listening on "), "{line:?}");
        let pid = child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        let exit = child.wait().expect("exit");
        assert!(exit.success(), "{exit}");
    }
}

/// Rotation without downtime: while `PODIUM_GATEWAY_TOKEN` lists `new,old`, clients holding
/// either token are served; read-only tokens rotate the same way and stay read-only.
#[tokio::test]
async fn token_lists_let_old_and_new_tokens_work_during_a_rotation() {
    let server = RedisServer::start().await;
    let mut child = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0"])
        .env("PODIUM_REDIS_URL", server.url())
        .env("PODIUM_GATEWAY_TOKEN", "rotation-new, rotation-old")
        .env("PODIUM_GATEWAY_READONLY_TOKEN", "reader-new,reader-old")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let url = ready_url(&mut child);
    let http = http_client();
    let status = |path: String, token: &'static str| {
        let request = http.get(format!("{url}{path}")).bearer_auth(token).send();
        async move { request.await.expect("answer").status().as_u16() }
    };
    assert_eq!(status("/set/rotated/1".into(), "rotation-new").await, 200);
    assert_eq!(status("/set/rotated/2".into(), "rotation-old").await, 200);
    assert_eq!(status("/get/rotated".into(), "reader-new").await, 200);
    assert_eq!(status("/get/rotated".into(), "reader-old").await, 200);
    assert_eq!(status("/set/rotated/3".into(), "reader-old").await, 400);
    assert_eq!(status("/get/rotated".into(), "rotation").await, 401);
    assert_eq!(
        status("/get/rotated".into(), "rotation-new,rotation-old").await,
        401,
        "the list is two tokens, not one"
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// The URL from the binary's `listening on http://ADDR` line.
fn ready_url(child: &mut std::process::Child) -> String {
    let stdout = child.stdout.take().expect("stdout");
    let line = BufReader::new(stdout)
        .lines()
        .next()
        .expect("a ready line")
        .expect("readable");
    line.strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected ready line {line:?}"))
        .to_owned()
}
