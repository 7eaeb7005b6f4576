//! The Upstash Redis REST protocol as a typed client, for Podium's Cloudflare Worker (wasm32) and
//! for native tools and tests. `docs/protocol.md` describes the wire format.
//!
//! Layout:
//! - `command`: [`Command`], a command name plus arguments built through [`Arg`], and its JSON
//!   request body.
//! - `value`: [`Value`], the decoded reply, and [`FromValue`] for typed replies.
//! - `response`: decoding of `{"result":…}`/`{"error":…}` bodies (base64-encoded), pipelines and
//!   HTTP statuses into [`Error`]s.
//! - `error`: [`Error`], [`RedisServerError`] and [`TransportError`].
//! - `transport`: the [`Transport`] trait (one POST) and [`HttpResponse`].
//! - `script`: [`Script`], Lua source with its SHA-1 for `EVALSHA`.
//! - `client`: [`Client`]: `exec`, `query`, `pipeline`, `transaction`, `evalsha_or_eval`.
//! - `helpers`: typed leaderboard commands on [`Client`] (`zadd`, `zrevrange_withscores`, …) and
//!   [`ZAddOptions`].
//! - `native` (feature `native`, not wasm32): `ReqwestTransport`.
//! - `fetch` (feature `worker`, wasm32 only): `FetchTransport` over the Workers `fetch`.
//!
//! ```no_run
//! # async fn demo<T: podium_redis::Transport>(transport: T) -> podium_redis::Result<()> {
//! use podium_redis::{Client, Command, ZAddOptions};
//!
//! let client = Client::new("https://eu1-example.upstash.io", "token", transport);
//! client.zadd("lb", &[("alice", 10.0)], ZAddOptions::default().gt()).await?;
//! let top = client.zrevrange_withscores("lb", 0, 9).await?;
//! let rank: Option<i64> = client.query(Command::new("ZREVRANK").arg("lb").arg("alice")).await?;
//! # Ok(()) }
//! ```

mod client;
mod command;
mod error;
#[cfg(test)]
mod fake;
mod helpers;
mod response;
mod script;
mod transport;
mod value;

#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
mod native;

#[cfg(all(feature = "worker", target_arch = "wasm32"))]
mod fetch;

pub use client::Client;
pub use command::{Arg, Command};
pub use error::{Error, RedisServerError, Result, TransportError};
pub use helpers::ZAddOptions;
pub use script::Script;
pub use transport::{HttpResponse, Transport};
pub use value::{FromValue, Value};

#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
pub use native::{ReqwestTransport, install_crypto_provider};

#[cfg(all(feature = "worker", target_arch = "wasm32"))]
pub use fetch::FetchTransport;
