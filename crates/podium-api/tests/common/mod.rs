//! Requests and answers as the API tests build and read them.

#![allow(dead_code, reason = "each test file uses its own part")]

use podium_api::{Api, ApiConfig, ApiRequest, ApiResponse};
use podium_redis::{Client, ReqwestTransport};
use podium_testkit::{RedisServer, TestGateway};
use serde_json::Value;

/// A real server (Valkey, or Redis 7 with `PODIUM_TEST_SERVER=redis`), the gateway in front of
/// it, and the API over that gateway, configured by `vars` as the Worker's variables would.
pub async fn start_api(
    vars: impl Fn(&str) -> Option<String>,
) -> (RedisServer, TestGateway, Api<ReqwestTransport>) {
    let server = RedisServer::start().await;
    let gateway = TestGateway::start(&server).await;
    let config = ApiConfig::from_vars(vars).expect("valid configuration");
    let api = Api::new(config, client(&gateway));
    (server, gateway, api)
}

/// A client of `gateway` with its full token.
pub fn client(gateway: &TestGateway) -> Client<ReqwestTransport> {
    let transport = ReqwestTransport::new().expect("transport");
    Client::new(&gateway.url, &gateway.token, transport)
}

pub fn get(path: &str) -> ApiRequest {
    ApiRequest::new("GET", path)
}

pub fn post(path: &str, body: Value) -> ApiRequest {
    ApiRequest::new("POST", path)
        .with_header("content-type", "application/json")
        .with_body(body.to_string())
}

pub fn bearer(request: ApiRequest, token: &str) -> ApiRequest {
    request.with_header("authorization", &format!("Bearer {token}"))
}

/// The answer's JSON body; `null` when it has none.
pub fn body(response: &ApiResponse) -> Value {
    if response.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&response.body).expect("JSON body")
    }
}

pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}
