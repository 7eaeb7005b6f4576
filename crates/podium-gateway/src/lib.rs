//! Podium's gateway: the Upstash Redis REST protocol served in front of a real Valkey or
//! Redis server (single node, TLS, or cluster), so that Upstash clients and Podium's edge
//! worker run unchanged against self-hosted Valkey.
//!
//! Layout:
//! - [`config`](GatewayConfig): what the binary parses from flags and environment.
//! - `request`: the request forms (body, path, path + body, path + query) → commands.
//! - `app`: the routes, authentication, command policy and response headers.
//! - `backend`: the shared multiplexed (or cluster) connection, pipelines and MULTI/EXEC.
//! - `reply`: Redis replies as JSON (plain or base64) and RESP2.
//! - `error`: [`GatewayError`], each case mapped to an HTTP status.
//! - `metrics`: Prometheus counters for `/_metrics`.
//!
//! [`run`] serves a listener until the shutdown future resolves, finishing in-flight requests.

mod app;
mod backend;
mod config;
mod error;
mod metrics;
mod reply;
mod request;

use std::future::Future;

use axum::serve::ListenerExt;
use tokio::net::TcpListener;

pub use app::{AppState, app};
pub use backend::Backend;
pub use config::{
    DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_PIPELINE, DEFAULT_REQUEST_TIMEOUT, GatewayConfig,
    RedisConfig,
};
pub use error::GatewayError;

/// Serves the gateway on `listener` until `shutdown` resolves, then lets in-flight requests
/// finish.
pub async fn run(
    listener: TcpListener,
    config: GatewayConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let backend = Backend::new(config.redis.clone(), config.request_timeout);
    // Connect in the background so the first request does not pay for it.
    let warm = backend.clone();
    tokio::spawn(async move {
        let _ = warm.command(&vec![b"PING".to_vec()]).await;
    });
    let router = app(AppState::new(config, backend));
    let listener = listener.tap_io(|tcp| {
        // Small JSON replies should leave at once, not wait for Nagle.
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
