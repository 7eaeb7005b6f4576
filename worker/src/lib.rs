//! Podium's product API as a Cloudflare Worker.
//!
//! Everything the API does lives in `podium-api`; this crate only wires it to the Workers
//! runtime:
//! - configuration: variables and secrets (`UPSTASH_REDIS_REST_URL`, `UPSTASH_REDIS_REST_TOKEN`,
//!   `PODIUM_*`) read once per isolate into one [`Api`];
//! - requests: the runtime's `Request` becomes an [`ApiRequest`] (`CF-Connecting-IP` is the
//!   client address), `Date.now()` is the clock and `crypto.getRandomValues` the randomness;
//! - reads at the edge: top-N pages go through the Cache API, so a popular board costs Redis
//!   calls per freshness window, not per viewer; the isolate also keeps the pages it made in
//!   memory for the same freshness, so most reads skip even the Cache API lookup;
//!
//! Layout:
//! - `edge`: the fetch handler: configuration, requests, the caches, answers.
//! - `glue`: the few runtime calls a request makes, each one crossing of the wasm boundary.
//! - `fresh`: values kept until a deadline, the isolate's copy of the pages it caches.
//!
//! The main module is `worker/entry.mjs`, which calls the handler worker-build generates without
//! the Proxies of worker-build's own entry. After a trap (a panic aborts) the generated glue
//! starts a fresh wasm instance for the next request.
//!
//! Only `fresh` is built outside wasm32, so `cargo test` covers it natively.
pub mod fresh;

#[cfg(target_arch = "wasm32")]
mod edge;
#[cfg(target_arch = "wasm32")]
mod glue;
