//! The gateway's request parser, reply encoder and command policy, compiled from the gateway's
//! own source files.
//!
//! Depending on `podium-gateway` would build axum, hyper, tokio, rustls and ring with the fuzzing
//! instrumentation, several minutes on 2 cores for modules that need none of them. These files
//! use only `GatewayError::BadRequest` from the rest of the gateway; the stand-in below provides
//! exactly that, so a change to one of them that needs more fails this build (run by `npm test`)
//! rather than going unfuzzed.

#[path = "../../crates/podium-gateway/src/request.rs"]
pub mod request;

#[path = "../../crates/podium-gateway/src/reply.rs"]
pub mod reply;

#[path = "../../crates/podium-gateway/src/policy.rs"]
pub mod policy;

/// Stand-in for the gateway's error enum: the parser only ever reports a malformed request.
pub mod error {
    #[derive(Debug)]
    pub enum GatewayError {
        BadRequest(String),
    }
}
