//! `podium-seed`: fills a board with synthetic players (`npm run seed -- --board global
//! --players 100000`), then prints how long it took.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Parser;
use podium_core::Boards;
use podium_redis::{Client, ReqwestTransport, install_crypto_provider};
use podium_seed::{DEFAULT_BATCH, DEFAULT_CONCURRENCY, SeedPlan, seed};

/// Fills a Podium board with synthetic players through an Upstash-compatible REST endpoint
/// (Podium's gateway or Upstash), with the same write script as the Worker.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Board id, as configured in PODIUM_BOARDS.
    #[arg(long, default_value = "global")]
    board: String,
    /// How many players to write.
    #[arg(long, default_value_t = 1_000)]
    players: u64,
    /// The REST endpoint: Podium's gateway or an Upstash database.
    #[arg(
        long,
        visible_alias = "gateway",
        env = "UPSTASH_REDIS_REST_URL",
        default_value = "http://127.0.0.1:8079"
    )]
    url: String,
    /// The endpoint's full-access token.
    #[arg(long, env = "UPSTASH_REDIS_REST_TOKEN", hide_env_values = true)]
    token: String,
    /// The boards' JSON configuration, as the Worker reads it (default: the local demo boards).
    #[arg(long, env = "PODIUM_BOARDS", hide_env_values = true)]
    boards: Option<String>,
    /// Player ids are this prefix and a six-digit number.
    #[arg(long, default_value = "seed-")]
    prefix: String,
    /// Lowest score written.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    min_score: i64,
    /// Highest score written.
    #[arg(long, default_value_t = 100_000, allow_negative_numbers = true)]
    max_score: i64,
    /// Same seed, same players and scores.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Commands per /pipeline request (at most the gateway's --max-pipeline).
    #[arg(long, default_value_t = DEFAULT_BATCH)]
    batch: usize,
    /// Pipelines in flight at once.
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY)]
    concurrency: usize,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("podium-seed: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let boards = match args
        .boards
        .as_deref()
        .filter(|json| !json.trim().is_empty())
    {
        Some(json) => Boards::from_json(json).map_err(|error| format!("PODIUM_BOARDS: {error}"))?,
        None => Boards::local_default(),
    };
    let Some(board) = boards.get(&args.board).cloned() else {
        let known: Vec<&str> = boards.iter().map(|board| board.id().as_str()).collect();
        return Err(format!(
            "no board {:?}; configured: {}",
            args.board,
            known.join(", ")
        ));
    };
    let plan = SeedPlan::new(
        board,
        args.players,
        &args.prefix,
        args.min_score,
        args.max_score,
        args.seed,
    )
    .map_err(|error| error.to_string())?;
    install_crypto_provider();
    let transport = ReqwestTransport::new().map_err(|error| error.to_string())?;
    let client = Client::new(&args.url, &args.token, transport);

    let periods: Vec<&str> = plan.board().periods().iter().map(|p| p.as_str()).collect();
    eprintln!(
        "Seeding {} players into {} ({}) through {} …",
        args.players,
        args.board,
        periods.join(", "),
        args.url
    );
    let tenth = (args.players / 10).max(1);
    let mut next_report = tenth;
    let report = seed(
        &client,
        &plan,
        args.batch,
        args.concurrency,
        now_ms,
        |done| {
            if done >= next_report && done < args.players {
                eprintln!("  {done} / {}", args.players);
                next_report = done / tenth * tenth + tenth;
            }
        },
    )
    .await
    .map_err(|error| error.to_string())?;

    let seconds = report.elapsed.as_secs_f64();
    println!(
        "Seeded {} players into {} in {seconds:.2} s ({:.0} players/s); the board now holds {} players ({}).",
        report.written,
        args.board,
        report.players_per_second(),
        report.board_total,
        plan.board().default_period().as_str(),
    );
    if report.rate_limited > 0 {
        println!(
            "{} writes were refused by the board's per-player rate limit (seeded again too soon).",
            report.rate_limited
        );
    }
    Ok(())
}
