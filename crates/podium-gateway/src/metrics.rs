//! Prometheus metrics for `GET /_metrics`: requests by outcome, latency, and whether Redis
//! answers.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<OutcomeLabels, Counter>,
    ok: Counter,
    latency: Histogram,
    commands: Counter,
    coalesced: Counter,
    redis_up: Gauge,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("podium_gateway");
        let requests = Family::<OutcomeLabels, Counter>::default();
        // 50 µs … ~1.6 s, doubling.
        let latency = Histogram::new(exponential_buckets(0.000_05, 2.0, 16));
        let commands = Counter::default();
        let coalesced = Counter::default();
        let redis_up = Gauge::default();
        registry.register(
            "requests",
            "HTTP requests by outcome (ok, redis_error, refused, bad_request, unauthorized, unavailable, timeout)",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time from request to response",
            latency.clone(),
        );
        registry.register(
            "redis_commands",
            "Commands sent to Redis (a pipeline counts each; reads that shared one trip count once)",
            commands.clone(),
        );
        registry.register(
            "coalesced_requests",
            "Single-command reads answered by a trip to Redis another request made (read coalescing)",
            coalesced.clone(),
        );
        registry.register(
            "redis_up",
            "1 when the last exchange with Redis worked",
            redis_up.clone(),
        );
        let ok = requests
            .get_or_create(&OutcomeLabels { outcome: "ok" })
            .clone();
        Self {
            registry,
            requests,
            ok,
            latency,
            commands,
            coalesced,
            redis_up,
        }
    }

    /// A request answered by another request's trip to Redis.
    pub fn record_coalesced(&self) {
        self.coalesced.inc();
    }

    pub fn record(&self, outcome: &'static str, elapsed: Duration, commands: usize) {
        // Resolving a label is a locked map lookup; the hot outcome skips it.
        if outcome == "ok" {
            self.ok.inc();
        } else {
            self.requests
                .get_or_create(&OutcomeLabels { outcome })
                .inc();
        }
        self.latency.observe(elapsed.as_secs_f64());
        self.commands.inc_by(commands as u64);
    }

    /// The text exposition format.
    pub fn render(&self, redis_up: bool) -> String {
        self.redis_up.set(i64::from(redis_up));
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
