use std::time::{Duration, Instant};

use crate::server::{RedisServer, ServerKind};

/// Three cluster-enabled servers (no replicas) with the 16384 slots split between them.
#[derive(Debug)]
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
}

const SLOTS: u16 = 16384;

impl RedisCluster {
    pub async fn start() -> Self {
        let kind = ServerKind::from_env();
        let mut nodes = Vec::new();
        for _ in 0..3 {
            nodes.push(
                RedisServer::start_with(
                    kind,
                    vec![
                        "--cluster-enabled".into(),
                        "yes".into(),
                        "--cluster-config-file".into(),
                        "nodes.conf".into(),
                    ],
                )
                .await,
            );
        }
        let count = nodes.len() as u16;
        for (i, node) in nodes.iter().enumerate() {
            let i = i as u16;
            let first = i * SLOTS / count;
            let last = (i + 1) * SLOTS / count - 1;
            let mut connection = node.connection().await;
            redis::cmd("CLUSTER")
                .arg("ADDSLOTSRANGE")
                .arg(first)
                .arg(last)
                .query_async::<()>(&mut connection)
                .await
                .expect("CLUSTER ADDSLOTSRANGE");
            if i > 0 {
                redis::cmd("CLUSTER")
                    .arg("MEET")
                    .arg("127.0.0.1")
                    .arg(nodes[0].port())
                    .query_async::<()>(&mut connection)
                    .await
                    .expect("CLUSTER MEET");
            }
        }
        let cluster = Self { nodes };
        cluster.wait_until_ready().await;
        cluster
    }

    async fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        'poll: loop {
            assert!(Instant::now() < deadline, "the cluster did not converge");
            for node in &self.nodes {
                let mut connection = node.connection().await;
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query_async(&mut connection)
                    .await
                    .unwrap_or_default();
                let known: String = redis::cmd("CLUSTER")
                    .arg("NODES")
                    .query_async(&mut connection)
                    .await
                    .unwrap_or_default();
                let ready = info.contains("cluster_state:ok")
                    && known
                        .lines()
                        .filter(|line| line.contains("connected"))
                        .count()
                        == self.nodes.len();
                if !ready {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue 'poll;
                }
            }
            return;
        }
    }

    /// Seed URLs for a cluster client.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }
}
