//! Requests and answers as the API tests build and read them.

#![allow(dead_code, reason = "each test file uses its own part")]

use podium_api::{ApiRequest, ApiResponse};
use serde_json::Value;

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
