// The benchmark's settings (from BENCH_* variables, see run.mjs) and where it reads and writes.

import path from "node:path";
import { fileURLToPath } from "node:url";

import { repoRoot } from "../../scripts/lib/stack.mjs";

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = repoRoot();
export const LUA = path.join(HERE, "request.lua");
export const DOCS_DIR = process.env.BENCH_DOCS_DIR ? path.resolve(process.env.BENCH_DOCS_DIR) : path.join(ROOT, "docs");
export const DOC = path.join(DOCS_DIR, "benchmarks.md");
export const SVG = path.join(DOCS_DIR, "bench-gateway.svg");
export const RESULTS_JSON = path.join(ROOT, "target", "bench", "gateway.json");
export const MARK_START = "<!-- bench:gateway:start -->";
export const MARK_END = "<!-- bench:gateway:end -->";

export const env = process.env;
export const flag = (name, dflt = false) => (env[name] === undefined || env[name] === "" ? dflt : /^(1|true|yes|on)$/i.test(env[name]));
export const QUICK = flag("BENCH_QUICK");
export const cfg = {
  quick: QUICK,
  duration: env.BENCH_DURATION || (QUICK ? "2s" : "10s"),
  warmup: env.BENCH_WARMUP || (QUICK ? "1s" : "3s"),
  connections: Number(env.BENCH_CONNECTIONS || 50),
  wrkThreads: Number(env.BENCH_THREADS || 2),
  players: Number(env.BENCH_PLAYERS || 100_000),
  pipeline: Number(env.BENCH_PIPELINE || 100),
  gatewayThreads: Number(env.BENCH_GATEWAY_THREADS || 2),
  webdisPool: env.BENCH_WEBDIS_POOL ? Number(env.BENCH_WEBDIS_POOL) : undefined,
  writeDocs: flag("BENCH_WRITE_DOCS", !QUICK),
  build: !flag("BENCH_NO_BUILD"),
  strict: flag("BENCH_STRICT"),
  verbose: flag("BENCH_VERBOSE"),
  waitIdle: Number(env.BENCH_WAIT_IDLE ?? (QUICK ? 0 : 180)),
  idleThreshold: Number(env.BENCH_IDLE_THRESHOLD ?? 25),
  coalesce: flag("BENCH_COALESCE", true),
  rounds: Math.max(1, Number(env.BENCH_ROUNDS || (QUICK ? 1 : 3))),
};
export const KEY = "lb";
export const SINGLE_VARIANTS = 20_000; // distinct prepared requests per wrk thread (random players)
export const PIPELINE_VARIANTS = 300;

/** "10s" | "500ms" | "1m" | "10" → seconds */
export function seconds(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(text).trim());
  if (!m) throw new Error(`bad duration ${JSON.stringify(text)} (use e.g. 10s, 500ms, 1m)`);
  const n = Number(m[1]);
  return { ms: n / 1000, s: n, m: n * 60, h: n * 3600 }[m[2] ?? "s"];
}
/** wrk wants whole seconds (or m/h); round up. */
export const wrkDuration = (text) => `${Math.max(1, Math.ceil(seconds(text)))}s`;

export const pad = (n) => String(n).padStart(12, "0");
export const log = (...a) => console.error("[bench:gateway]", ...a);
