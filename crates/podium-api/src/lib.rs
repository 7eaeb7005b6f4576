//! Podium's public HTTP API, independent of where it runs.
//!
//! The Cloudflare Worker (`worker/`) turns a `worker::Request` into an [`ApiRequest`], calls
//! [`Api::handle`] and turns the [`ApiResponse`] back; tests do the same natively against a
//! real gateway and Valkey. Time and randomness are arguments, so every rule (periods, rate
//! limits, session expiry) is testable without sleeping.
//!
//! Layout:
//! - `config`: [`ApiConfig`] from the Worker's variables and secrets.
//! - `http`: [`ApiRequest`], [`ApiResponse`], JSON bodies, CORS and ETags.
//! - `auth`: who is calling: the game server (server key), the admin, a player session (a
//!   signed token, checked against the isolate's copy of the ended sessions), or anyone.
//! - `registry`: the isolate's copy of the board registry, refreshed at most once a second.
//! - `params`: query parameters, JSON bodies and the period a request names, read one way.
//! - `routes`: [`Api`], which routes each request once (`podium-wire`'s operation table) to
//!   its handler: `boards`, `reads`, `scores`, `sessions`.
//! - `openapi`: the OpenAPI 3.1 description, derived from the operation table and the body
//!   types (natively only); `/v1/openapi.json` serves the checked-in `openapi.json`, which a
//!   test keeps equal to the derived one (`cargo run -p podium-api --example openapi` writes it).
//!
//! Routes, bodies and limits are `podium-wire`'s, shared with the widget.

mod auth;
mod config;
mod http;
#[cfg(not(target_arch = "wasm32"))]
mod openapi;
mod params;
mod registry;
mod routes;

pub use config::{ApiConfig, DEFAULT_CACHE_SECONDS, DEFAULT_SESSION_TTL_SECS};
pub use http::{ApiRequest, ApiResponse};
#[cfg(not(target_arch = "wasm32"))]
pub use openapi::openapi_json;
pub use podium_wire::MAX_BODY_BYTES;
pub use routes::Api;
