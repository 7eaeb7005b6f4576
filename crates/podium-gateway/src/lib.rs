//! Podium's gateway: the Upstash Redis REST protocol served in front of a real Valkey or
//! Redis server (single node, TLS, or cluster), so that Upstash clients and Podium's edge
//! worker run unchanged against self-hosted Valkey.
//!
//! Layout:
//! - [`config`](GatewayConfig): what the binary parses from flags and environment.
//! - `request`: the request forms (body, path, path + body, path + query) → `CommandArgs`.
//! - `policy`: the one table of every command and subcommand the servers report
//!   ([`command_table`]), and what derives from it: which commands the gateway forwards, for
//!   which token ([`classify`]), where their first key is, and the ACL rules that hold scripts
//!   to the same ([`acl_rules`]).
//! - `app`: the routes, authentication, response headers, and the one wrapper that times and
//!   counts every command route for `metrics`.
//! - `backend`: the shared multiplexed (or cluster) connection, single commands sent in
//!   batches, pipelines and MULTI/EXEC.
//! - `pubsub`: `/subscribe` and `/psubscribe` as server-sent events, fanned out from one Redis
//!   pub/sub connection per serving thread; its limits ([`MAX_NAMES_PER_STREAM`] …).
//! - `coalesce`: identical concurrent reads share one trip to Redis.
//! - `reply`: Redis replies (`PipelineReply`, `SharedReply`) as JSON (plain or base64) and
//!   RESP2.
//! - `cors`: the CORS headers on every response, and preflight answers.
//! - `error`: [`GatewayError`], each case mapped to an HTTP status.
//! - `metrics`: Prometheus counters for `/_metrics`.
//! - `mutex`: locking the few mutexes, poisoned or not.
//! - `server`: [`run`] on one runtime, or [`run_per_core`] with one runtime per core.
//!
//! Dependencies point one way (`app` → `backend` → `coalesce`, `reply`, `policy`); of the rest of
//! the gateway `request` needs only [`GatewayError`], and `reply` and `policy` nothing, so the
//! fuzz crate compiles the three on their own.

mod app;
mod backend;
mod coalesce;
mod config;
mod cors;
mod error;
mod metrics;
mod mutex;
mod policy;
mod pubsub;
mod reply;
mod request;
mod server;

pub use app::{AppState, Shared, app};
pub use backend::Backend;
pub use config::{
    DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_PIPELINE, DEFAULT_REQUEST_TIMEOUT, GatewayConfig,
    RedisConfig,
};
pub use error::GatewayError;
pub use policy::{
    CommandClass, KeyPosition, MAX_KEY_BYTES, RefusalReason, Since, TableRow, acl_denied,
    acl_rules, classify, command_table, first_key, is_kill, is_read_only, is_shareable,
};
pub use pubsub::{KEEP_ALIVE_INTERVAL, MAX_NAME_BYTES, MAX_NAMES_PER_STREAM, SUBSCRIBER_BUFFER};
pub use server::{bind, run, run_per_core};
