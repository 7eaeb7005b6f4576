//! `podium-gateway`: parses configuration and serves until SIGINT/SIGTERM.

// The request path allocates many small buffers; mimalloc does that faster than glibc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use podium_core::Secret;
use podium_gateway::{GatewayConfig, RedisConfig};

/// An Upstash-REST-compatible HTTP gateway in front of Valkey or Redis.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "PODIUM_GATEWAY_LISTEN", default_value = "127.0.0.1:8079")]
    listen: SocketAddr,
    /// redis:// or rediss:// URL; in cluster mode, comma-separated seed nodes.
    #[arg(
        long,
        env = "PODIUM_REDIS_URL",
        default_value = "redis://127.0.0.1:6379",
        value_delimiter = ','
    )]
    redis_url: Vec<String>,
    /// Connect to a Valkey/Redis cluster.
    #[arg(long, env = "PODIUM_REDIS_CLUSTER")]
    cluster: bool,
    /// PEM CA certificate to trust for rediss:// (default: the system's roots).
    #[arg(long, env = "PODIUM_REDIS_CA_FILE")]
    redis_ca_file: Option<PathBuf>,
    /// Token with full access (required). A comma-separated list is accepted while rotating:
    /// `new,old` until every client has the new one.
    #[arg(long, env = "PODIUM_GATEWAY_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Token limited to read commands (a comma-separated list while rotating).
    #[arg(long, env = "PODIUM_GATEWAY_READONLY_TOKEN", hide_env_values = true)]
    read_only_token: Option<String>,
    /// Forward FLUSHALL, FLUSHDB, CONFIG, KEYS … (for development only).
    #[arg(long, env = "PODIUM_GATEWAY_ALLOW_DANGEROUS")]
    allow_dangerous_commands: bool,
    /// Most commands in one /pipeline or /multi-exec request.
    #[arg(long, env = "PODIUM_GATEWAY_MAX_PIPELINE", default_value_t = podium_gateway::DEFAULT_MAX_PIPELINE)]
    max_pipeline: usize,
    /// How long a request may wait for Redis, in milliseconds.
    #[arg(
        long,
        env = "PODIUM_GATEWAY_REQUEST_TIMEOUT_MS",
        default_value_t = 5_000
    )]
    request_timeout_ms: u64,
    /// Let identical concurrent reads (the same ZREVRANGE from many viewers) share one trip to
    /// Redis. Reads stay linearizable; `false` only to measure what it saves.
    #[arg(
        long,
        env = "PODIUM_GATEWAY_COALESCE_READS",
        default_value_t = true,
        action = clap::ArgAction::Set
    )]
    coalesce_reads: bool,
    /// Serving threads, each with its own runtime and Redis connection (default: one per core).
    #[arg(long, env = "PODIUM_GATEWAY_THREADS")]
    threads: Option<usize>,
    /// Print the ACL rules for the Redis user the gateway should connect as (so that scripts
    /// cannot run what the gateway refuses) and exit.
    #[arg(long)]
    print_acl_rules: bool,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "podium_gateway=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    if args.print_acl_rules {
        println!("{}", podium_gateway::acl_rules());
        return ExitCode::SUCCESS;
    }
    let tokens = token_list(args.token.as_deref());
    let Some(first) = tokens.first() else {
        eprintln!("podium-gateway: a token is required (--token or PODIUM_GATEWAY_TOKEN)");
        return ExitCode::from(2);
    };
    let mut config = GatewayConfig::new(
        RedisConfig {
            urls: args.redis_url,
            cluster: args.cluster,
            ca_file: args.redis_ca_file,
        },
        first,
    );
    config.tokens = tokens.iter().map(|token| Secret::new(token)).collect();
    config.read_only_tokens = token_list(args.read_only_token.as_deref())
        .iter()
        .map(|token| Secret::new(token))
        .collect();
    config.allow_dangerous_commands = args.allow_dangerous_commands;
    config.max_pipeline = args.max_pipeline;
    config.request_timeout = Duration::from_millis(args.request_timeout_ms);
    config.coalesce_reads = args.coalesce_reads;
    if config.allow_dangerous_commands {
        tracing::warn!("dangerous commands (FLUSHALL, CONFIG, KEYS …) are allowed");
    }
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });

    let (address, listener) = match podium_gateway::bind(args.listen) {
        Ok(bound) => bound,
        Err(error) => {
            eprintln!("podium-gateway: cannot listen on {}: {error}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    // Handlers go in before the ready line: whoever reads it may signal at once.
    let (signals, shutdown) = match listen_for_shutdown() {
        Ok(listening) => listening,
        Err(error) => {
            eprintln!("podium-gateway: cannot install signal handlers: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on http://{address}");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    std::thread::spawn(move || {
        signals.block_on(shutdown);
        let _ = stop.send(true);
    });
    match podium_gateway::run_per_core(listener, threads, config, stopped) {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("podium-gateway: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A small runtime and a future that resolves on SIGINT or SIGTERM, both registered now.
fn listen_for_shutdown()
-> std::io::Result<(tokio::runtime::Runtime, impl Future<Output = ()> + Send)> {
    use tokio::signal::unix::{SignalKind, signal};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let _context = runtime.enter();
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let shutdown = async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
    };
    Ok((runtime, shutdown))
}

/// The tokens of a comma-separated list, without blanks (so `""` is none at all).
fn token_list(list: Option<&str>) -> Vec<String> {
    list.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
        .collect()
}
