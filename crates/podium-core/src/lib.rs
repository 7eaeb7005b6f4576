//! Podium's pure logic, shared by the gateway, the edge worker and the widget.
//!
//! Nothing in this crate does I/O, so it builds for native targets and `wasm32-unknown-unknown`
//! alike and is tested natively.
//!
//! Layout:
//! - [`secret`]: bearer secrets compared in constant time.
//! - [`command`]: which Redis commands a REST gateway may run, and for which token.

mod command;
mod secret;

pub use command::{CommandClass, MAX_KEY_BYTES, RefusalReason, classify, first_key, is_read_only};
pub use secret::{Secret, bearer_token};
