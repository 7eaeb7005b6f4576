use std::net::SocketAddr;

use podium_core::Secret;
use podium_gateway::{GatewayConfig, RedisConfig};
use tokio::sync::oneshot;

use crate::server::RedisServer;

/// The gateway served in-process on an ephemeral port; shut down gracefully on drop.
#[derive(Debug)]
pub struct TestGateway {
    pub url: String,
    pub address: SocketAddr,
    pub token: String,
    pub read_only_token: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestGateway {
    /// A gateway in front of `server` with fresh full and read-only tokens, connected as the
    /// server's gateway user (so scripts cannot run what the gateway refuses).
    pub async fn start(server: &RedisServer) -> Self {
        let mut redis = RedisConfig::single(server.gateway_url());
        redis.ca_file = server.tls().map(|tls| tls.ca_file.clone());
        Self::start_with(redis, |_| {}).await
    }

    /// A gateway with its configuration adjusted by `configure` (limits, cluster mode …).
    pub async fn start_with(
        redis: RedisConfig,
        configure: impl FnOnce(&mut GatewayConfig),
    ) -> Self {
        let token = format!("test-token-{}", unique());
        let read_only_token = format!("test-read-only-{}", unique());
        let mut config = GatewayConfig::new(redis, &token);
        config.read_only_tokens = vec![Secret::new(&read_only_token)];
        configure(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind an ephemeral port");
        let address = listener.local_addr().expect("bound address");
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(podium_gateway::run(listener, config, async move {
            let _ = stopped.await;
        }));
        Self {
            url: format!("http://{address}"),
            address,
            token,
            read_only_token,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    /// Stops accepting requests, lets in-flight ones finish, and waits for the server to end.
    /// A counter from `/_metrics`, summed over its label sets (0 when absent).
    pub async fn metric(&self, name: &str) -> u64 {
        let text = crate::http_client()
            .get(format!("{}/_metrics", self.url))
            .send()
            .await
            .expect("metrics answer")
            .text()
            .await
            .expect("metrics text");
        text.lines()
            .filter(|line| {
                line.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with([' ', '{']))
            })
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>() as u64
    }

    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default()
}
