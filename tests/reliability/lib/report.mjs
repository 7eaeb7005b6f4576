// The figures of the reliability runs as Markdown table rows, for the soak's report and the
// short tests' diagnostics.

import { mb } from "./scenarios.mjs";

const ms = (x) => (Number.isFinite(x) ? x.toFixed(1) : "–");
const int = (x) => Math.round(x).toLocaleString("en-US");
const statuses = (counts) =>
  Object.entries(counts)
    .map(([status, n]) => `${status === "0" ? "no answer" : status}: ${int(n)}`)
    .join(", ");

export const LOAD_HEADER = [
  "| target | connections | duration | requests | req/s | p50 ms | p99 ms | answers | gateway RSS start → after 10 % → end (max) |",
  "|---|---:|---:|---:|---:|---:|---:|---|---|",
];

export function loadRow(r) {
  const rss = `${mb(r.rss.start)} → ${mb(r.rss.warm)} → ${mb(r.rss.end)} MB (${mb(r.rss.max)})`;
  return `| ${r.target === "worker" ? "Worker (workerd) → gateway" : "gateway (Upstash REST)"} | ${r.concurrency} | ${(r.durationMs / 1000).toFixed(0)} s | ${int(r.requests)} | ${int(r.rps)} | ${ms(r.p50)} | ${ms(r.p99)} | ${statuses(r.statuses)} | ${rss} |`;
}

export const LOAD_KIND_HEADER = ["| target | operation | requests | p50 ms | p99 ms |", "|---|---|---:|---:|---:|"];

export function loadKindRows(r) {
  return Object.entries(r.byKind).map(
    ([kind, s]) => `| ${r.target} | ${kind} | ${int(s.requests)} | ${ms(s.p50)} | ${ms(s.p99)} |`,
  );
}

export const FAULT_HEADER = [
  "| fault | stream (ops/s) | answers while down | slowest answer ms | repaired → first 2xx write ms | repaired → last error ms | max in flight (before / during) |",
  "|---|---|---|---:|---:|---:|---|",
];

export function faultRows(f) {
  return Object.entries(f.streams).map(([name, s]) => {
    const first = Number.isFinite(s.firstWriteOkMs) ? s.firstWriteOkMs.toFixed(0) : "none";
    return `| ${f.what} | ${name} (${f.rates[name]}) | ${statuses(s.statusesDuring)} | ${s.maxLatency.toFixed(0)} | ${first} | ${s.recoveryMs.toFixed(0)} | ${s.inFlight.before} / ${s.inFlight.during} |`;
  });
}

export const CHECK_HEADER = [
  "| after | stream | acknowledged writes (cumulative) | players checked | exact (no unanswered write) | lost |",
  "|---|---|---:|---:|---:|---:|",
];

export function checkRows(label, check) {
  return Object.entries(check).map(
    ([name, c]) => `| ${label} | ${name} | ${int(c.acknowledged)} | ${int(c.players)} | ${int(c.exact)} | ${c.wrong.length} |`,
  );
}

export function faultRss(f) {
  return `gateway RSS ${mb(f.rss.before)} MB before, at most ${mb(f.rss.maxDuring)} MB until 2 s after the repair, ${mb(f.rss.end)} MB at the end`;
}

export const BURST_HEADER = [
  "| board (algorithm) | simultaneous writes | gateways | 200 | 429 (all with Retry-After) | other | gateway calls | took s |",
  "|---|---:|---:|---:|---:|---:|---|---:|",
];

export function burstRow(r) {
  const algorithm = r.board === "bucket" ? "token bucket" : "sliding window";
  return `| ${r.board} (${algorithm}, limit 10) | ${int(r.writes)} | ${r.paths} | ${r.accepted} | ${int(r.refused)} (${r.retryAfterOk === r.refused ? "yes" : `${r.retryAfterOk} only`}) | ${r.other.length} | ${r.gatewayCalls.join(" + ")} | ${r.seconds.toFixed(2)} |`;
}
