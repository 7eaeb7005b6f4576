use std::path::PathBuf;
use std::time::Duration;

use podium_core::Secret;

/// Where and how to reach Valkey/Redis.
#[derive(Debug, Clone)]
pub struct RedisConfig {
    /// `redis://` or `rediss://` URLs; several seeds are allowed in cluster mode.
    pub urls: Vec<String>,
    /// Talk to a Valkey/Redis cluster (slot routing, MOVED/ASK handling).
    pub cluster: bool,
    /// A PEM CA bundle to trust for `rediss://` instead of the system roots.
    pub ca_file: Option<PathBuf>,
}

impl RedisConfig {
    pub fn single(url: impl Into<String>) -> Self {
        Self {
            urls: vec![url.into()],
            cluster: false,
            ca_file: None,
        }
    }
}

/// Everything the gateway needs; the binary fills it from flags and environment.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    pub redis: RedisConfig,
    /// Full access. More than one while a token is being rotated: the new one and the old one.
    pub tokens: Vec<Secret>,
    /// Read commands only (Redis's `@read` without keyspace scans, and no scripts); none, one,
    /// or two while rotating.
    pub read_only_tokens: Vec<Secret>,
    /// Forward FLUSHALL, CONFIG, KEYS … (development only).
    pub allow_dangerous_commands: bool,
    /// Most commands accepted in one `/pipeline` or `/multi-exec` request.
    pub max_pipeline: usize,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// How long one request may wait for Redis before answering 504.
    pub request_timeout: Duration,
    /// Let identical concurrent reads share one trip to Redis (on by default; off only to
    /// measure what it saves).
    pub coalesce_reads: bool,
}

/// The Upstash limit on request bodies.
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// The Upstash JS client auto-pipelines up to this many commands.
pub const DEFAULT_MAX_PIPELINE: usize = 1_000;
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

impl GatewayConfig {
    pub fn new(redis: RedisConfig, token: &str) -> Self {
        Self {
            redis,
            tokens: vec![Secret::new(token)],
            read_only_tokens: Vec::new(),
            allow_dangerous_commands: false,
            max_pipeline: DEFAULT_MAX_PIPELINE,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            coalesce_reads: true,
        }
    }
}
