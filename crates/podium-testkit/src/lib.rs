//! Real servers for integration tests, on ephemeral ports, stopped on drop.
//!
//! - [`RedisServer`]: a Valkey 8 server, or Redis 7 when `PODIUM_TEST_SERVER=redis`
//!   (`npm test` runs every suite against both), optionally with TLS; Valkey 9
//!   ([`ServerKind::Valkey9`]) on request.
//! - [`RedisCluster`]: three cluster-enabled servers with all slots assigned.
//! - [`TestGateway`]: the Podium gateway served in-process in front of either, connected as
//!   the server's [`GATEWAY_USER`], whose ACL rules are the gateway's policy.
//!
//! Nothing sleeps for a fixed time: every start waits until the server answers. The server
//! binaries are found as the node harness finds them, from the paths file the bootstrap writes
//! and the same environment overrides, in the same order: see `src/tools.rs`.

mod cluster;
mod gateway;
mod server;
mod tls;
mod tools;

pub use cluster::RedisCluster;
pub use gateway::TestGateway;
pub use server::{GATEWAY_USER, RedisServer, ServerKind, free_port};
pub use tls::TestCertificates;

/// An HTTP client for tests (rustls with the ring provider, which the workspace pins).
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().build().expect("an HTTP client")
}
