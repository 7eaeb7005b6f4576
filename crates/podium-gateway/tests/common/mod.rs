//! Helpers shared by the gateway's integration tests.
#![allow(dead_code)]

use podium_gateway::RedisConfig;
use podium_testkit::{RedisCluster, RedisServer, TestGateway, http_client};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A real server, a gateway in front of it, and an HTTP client.
pub struct Stack {
    pub server: RedisServer,
    pub gateway: TestGateway,
    pub http: reqwest::Client,
}

impl Stack {
    pub async fn start() -> Self {
        Self::start_on(RedisServer::start().await).await
    }

    /// A gateway in front of a server started in a particular way.
    pub async fn start_on(server: RedisServer) -> Self {
        let gateway = TestGateway::start(&server).await;
        Self {
            server,
            gateway,
            http: http_client(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gateway.url)
    }

    /// A request with the full-access token.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.gateway.token)
    }

    /// POSTs a JSON body with the full token; returns the status and the parsed body.
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        send(self.request(Method::POST, path).body(body.to_string())).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.request(Method::GET, path)).await
    }

    /// One command in the body form.
    pub async fn command(&self, command: Value) -> (StatusCode, Value) {
        self.post("/", command).await
    }

    /// A request with the read-only token.
    pub fn read_only(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.gateway.read_only_token)
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("the gateway answers");
    let status = response.status();
    let text = response.text().await.expect("a body");
    let body =
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}): {text:?}"));
    (status, body)
}

/// A gateway in front of `cluster`, through its cluster connection.
pub async fn cluster_gateway(cluster: &RedisCluster) -> TestGateway {
    let redis = RedisConfig {
        urls: cluster.urls(),
        cluster: true,
        ca_file: None,
    };
    TestGateway::start_with(redis, |_| {}).await
}
