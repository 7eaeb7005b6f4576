#!/usr/bin/env node
// Gateway benchmark: `npm run bench:gateway`.
//
// In one run, against one throw-away Valkey seeded with a 100,000-member sorted set `lb`:
//   - the Podium gateway (release build), Upstash REST forms, Authorization: Bearer;
//   - Webdis (/usr/bin/webdis, Debian), its /CMD/arg URL forms, same threads and a comparable pool;
//   - raw Valkey through redis-benchmark (the single-command throughput anchor).
// HTTP load comes from wrk (keep-alive connections, bench/gateway/request.lua). Each case gets a
// warm-up run, then a measured run; operations are interleaved across targets so that machine noise
// is spread evenly. Any non-2xx answer or socket error fails the run.
//
// Environment (all optional):
//   BENCH_DURATION=10s   measured time per case          BENCH_WARMUP=3s   warm-up per case
//   BENCH_ROUNDS=3       measured runs per case (interleaved rounds; the median is reported), 1 in quick mode
//   BENCH_QUICK=1        smoke run (2s + 1s, no docs written unless BENCH_WRITE_DOCS=1)
//   BENCH_CONNECTIONS=50 BENCH_THREADS=2 (wrk threads)  BENCH_PLAYERS=100000  BENCH_PIPELINE=100
//   BENCH_GATEWAY_THREADS=2 (--threads of the gateway (one runtime + Valkey connection each) = Webdis "threads")
//   BENCH_COALESCE=1     the gateway's --coalesce-reads (0 measures it without read coalescing)
//   BENCH_WEBDIS_POOL=n  Webdis pool_size per thread (default: the gateway's measured Valkey
//                        connections divided by the thread count, at least 1)
//   BENCH_WRITE_DOCS=0|1 write docs/benchmarks.md + docs/bench-gateway.svg (default 1, 0 in quick mode)
//   BENCH_DOCS_DIR=dir   write benchmarks.md and bench-gateway.svg there instead of docs/
//   BENCH_RENDER_ONLY=1  only rebuild the docs from the last run's target/bench/gateway.json
//   BENCH_NO_BUILD=1     skip `cargo build --release -p podium-gateway`
//   BENCH_STRICT=1       exit 1 when a target is missed (errors always exit 1)
//   BENCH_VERBOSE=1      print wrk's and redis-benchmark's full output
//   BENCH_WAIT_IDLE=180  before measuring, wait up to this many seconds for the machine to be quiet
//                        (other processes using < BENCH_IDLE_THRESHOLD=25 % of one core); 0 in quick mode

//
// One module per job: config.mjs (these settings), children.mjs (processes), cpu.mjs, seed.mjs,
// webdis.mjs, ops.mjs (the operations), load.mjs (wrk, redis-benchmark), machine.mjs, report.mjs,
// svg.mjs and docs.mjs; the servers and the gateway come from scripts/lib/stack.mjs.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { gatewayBinaryPath, respCommand, startGateway, startRedisServer } from "../../scripts/lib/stack.mjs";
import { cleanups, isInterrupted, killChildren, run } from "./children.mjs";
import { cfg, DOC, env, flag, KEY, log, RESULTS_JSON, ROOT, seconds, SVG } from "./config.mjs";
import { waitForQuiet } from "./cpu.mjs";
import { writeDocs } from "./docs.mjs";
import { aggregate, redisCommandsSent, runRedisBenchmark, runWrk } from "./load.mjs";
import { machineInfo, versions } from "./machine.mjs";
import { OPS, preflight, TARGETS } from "./ops.mjs";
import { analyse, cpuText, fmtMs, fmtRps, markdownSection, printTable } from "./report.mjs";
import { clientConnections, seed } from "./seed.mjs";
import { svgChart } from "./svg.mjs";
import { startWebdis } from "./webdis.mjs";

// ---------------------------------------------------------------------------------------------
// Main.

/** BENCH_RENDER_ONLY=1: rebuild the docs from the last run's target/bench/gateway.json, measuring nothing. */
function renderOnly() {
  const saved = JSON.parse(readFileSync(RESULTS_JSON, "utf8"));
  if (saved.failures?.length) throw new Error(`the saved run had failures: ${saved.failures.join("; ")}`);
  Object.assign(cfg, saved.cfg);
  const { date, machine, versions: vers, setup, commands = [], results } = saved;
  const analysis = analyse(results);
  printTable(results, analysis);
  writeDocs(
    markdownSection({ results, analysis, machine, vers, setup, commands, date }),
    svgChart(results, chartMeta(machine, date)),
  );
  log(`re-rendered ${path.relative(ROOT, DOC)} and ${path.relative(ROOT, SVG)} from ${path.relative(ROOT, RESULTS_JSON)} (${date})`);
}

function chartMeta(machine, date) {
  return {
    subtitle: `${cfg.connections} connections, ${machine.nproc} cores`,
    footer: `${machine.nproc} × ${machine.cpuModel}, ${date}; wrk ${cfg.connections} conns / ${cfg.wrkThreads} threads, ${cfg.rounds > 1 ? `median of ${cfg.rounds} × ` : ""}${cfg.duration} per case; pipeline = ${cfg.pipeline} × ZINCRBY per request (raw: redis-benchmark -P ${cfg.pipeline}, batches/s)`,
  };
}

async function main() {
  if (flag("BENCH_RENDER_ONLY")) return renderOnly();
  for (const tool of ["wrk", "redis-benchmark"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) throw new Error(`${tool} not found (apt-get install ${tool === "wrk" ? "wrk" : "redis-tools"})`);
  }
  if (!existsSync("/usr/bin/webdis")) throw new Error("/usr/bin/webdis not found (apt-get install webdis)");

  const machine = machineInfo();
  log(`machine: ${machine.nproc} × ${machine.cpuModel}, load ${machine.loadavg}`);
  log(`config: duration ${cfg.duration}, warm-up ${cfg.warmup}, ${cfg.connections} connections, ${cfg.wrkThreads} wrk threads${cfg.quick ? " (quick)" : ""}`);

  if (cfg.build) {
    log("cargo build --release -p podium-gateway");
    const b = await run("cargo", ["build", "--release", "-p", "podium-gateway"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
    if (b.code !== 0) throw new Error(`cargo build failed (exit ${b.code ?? b.signal})`);
  }
  const gatewayBin = gatewayBinaryPath({ release: true });
  const backgroundLoad = await waitForQuiet();
  machine.backgroundLoad = backgroundLoad;
  machine.loadavg = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  log(`background load before the run: ${backgroundLoad}% of one core (load average ${machine.loadavg})`);

  const valkey = await startRedisServer({ kind: "valkey" });
  cleanups.push(() => valkey.stop());
  log(`valkey pid ${valkey.pid} on ${valkey.port}; seeding ${cfg.players} members`);
  const t0 = performance.now();
  await seed(valkey.port, cfg.players);
  log(`seeded in ${((performance.now() - t0) / 1000).toFixed(2)} s`);

  const gateway = await startGateway({
    redisUrl: valkey.url,
    release: true,
    env: { PODIUM_GATEWAY_THREADS: String(cfg.gatewayThreads), PODIUM_GATEWAY_COALESCE_READS: String(cfg.coalesce) },
  });
  cleanups.push(() => gateway.stop());
  log(`gateway pid ${gateway.pid} at ${gateway.url}`);
  await preflight("gateway", gateway.url, gateway.token);

  // Calibrate the gateway's connection pool under load, so Webdis can get a comparable one.
  await runWrk({ url: gateway.url, spec: OPS[0].gateway, duration: cfg.warmup, token: gateway.token, pids: {} });
  const gatewayConnections = await clientConnections(valkey.port);
  const poolSize = cfg.webdisPool ?? Math.max(1, Math.ceil(gatewayConnections / cfg.gatewayThreads));
  log(`gateway holds ${gatewayConnections} Valkey connection(s); Webdis pool_size ${poolSize} per thread × ${cfg.gatewayThreads} threads`);

  const webdis = await startWebdis({ redisPort: valkey.port, threads: cfg.gatewayThreads, poolSize });
  cleanups.push(() => webdis.stop());
  log(`webdis pid ${webdis.pid} at ${webdis.url}`);
  await preflight("webdis", webdis.url);
  await runWrk({ url: webdis.url, spec: OPS[0].webdis, duration: "1s", pids: {} });
  const webdisConnections = (await clientConnections(valkey.port)) - gatewayConnections;

  const runs = {}; // op → target → [result per round]
  const commands = [];
  const failures = [];
  const durationSecs = seconds(cfg.duration);
  const warmupSecs = seconds(cfg.warmup);
  const rawN = {};
  for (let round = 1; round <= cfg.rounds; round++) {
    if (cfg.rounds > 1) log(`round ${round} of ${cfg.rounds}`);
    for (const op of OPS) {
      runs[op.id] ??= {};
      for (const t of TARGETS) {
        if (isInterrupted()) throw new Error("interrupted");
        let x;
        if (t === "raw") {
          const pids = { valkey: valkey.pid };
          if (round === 1) {
            // The warm-up doubles as calibration: -n of the measured runs is sized to last `duration`.
            const warmN = Math.round((op.raw.pipeline ? 200_000 : 20_000) * Math.max(warmupSecs, 0.5));
            const warm = await runRedisBenchmark({ port: valkey.port, spec: op.raw, n: warmN, pids });
            rawN[op.id] = Math.max(10_000, Math.round(warm.commandsPerSec * durationSecs));
          }
          x = await runRedisBenchmark({ port: valkey.port, spec: op.raw, n: rawN[op.id], pids });
        } else {
          const spec = op[t];
          if (!spec) continue;
          const server = t === "gateway" ? gateway : webdis;
          const token = t === "gateway" ? gateway.token : undefined;
          const pids = { [t]: server.pid, valkey: valkey.pid };
          if (round === 1) {
            const warm = await runWrk({ url: server.url, spec, duration: cfg.warmup, token, pids });
            if (warm.errorCount > 0) failures.push(`${t} ${op.id} (warm-up): ${JSON.stringify(warm.errors)}`);
          }
          const sentBefore = t === "gateway" ? await redisCommandsSent(gateway.url) : null;
          x = await runWrk({ url: server.url, spec, duration: cfg.duration, token, pids });
          if (sentBefore !== null) x.redisCommands = (await redisCommandsSent(gateway.url)) - sentBefore;
          if (x.errorCount > 0) failures.push(`${t} ${op.id} (round ${round}): ${JSON.stringify(x.errors)}`);
        }
        (runs[op.id][t] ??= []).push(x);
        if (round === 1) commands.push(x.command);
        log(`${op.label.padEnd(14)} ${t.padEnd(8)} ${fmtRps(x.rps).padStart(9)} req/s  p50 ${fmtMs(x.p50)} ms  p99 ${fmtMs(x.p99)} ms  [${cpuText(x.cpu, t)}]`);
      }
    }
  }
  const results = {};
  for (const [op, byTarget] of Object.entries(runs)) {
    results[op] = {};
    for (const [t, list] of Object.entries(byTarget)) results[op][t] = aggregate(list, t);
  }

  const card = await respCommand(valkey.port, ["ZCARD", KEY]);
  if (card !== `:${cfg.players}`) failures.push(`ZCARD ${KEY} = ${card} after the run, expected ${cfg.players}`);
  const health = await fetch(`${gateway.url}/_health`, { headers: { authorization: `Bearer ${gateway.token}` } });
  await health.text();
  if (!health.ok) failures.push(`gateway /_health answered HTTP ${health.status} after the run`);
  const webdisLog = webdis.logSize();

  const analysis = analyse(results);
  console.log();
  printTable(results, analysis);
  console.log();

  const vers = versions(gatewayBin);
  const setup = {
    command: [
      cfg.quick ? "BENCH_QUICK=1" : "",
      env.BENCH_DURATION ? `BENCH_DURATION=${cfg.duration}` : "",
      env.BENCH_WARMUP ? `BENCH_WARMUP=${cfg.warmup}` : "",
      env.BENCH_CONNECTIONS ? `BENCH_CONNECTIONS=${cfg.connections}` : "",
      env.BENCH_THREADS ? `BENCH_THREADS=${cfg.wrkThreads}` : "",
      env.BENCH_WEBDIS_POOL ? `BENCH_WEBDIS_POOL=${cfg.webdisPool}` : "",
      env.BENCH_ROUNDS ? `BENCH_ROUNDS=${cfg.rounds}` : "",
      env.BENCH_COALESCE ? `BENCH_COALESCE=${cfg.coalesce ? 1 : 0}` : "",
      "npm run bench:gateway",
    ]
      .filter(Boolean)
      .join(" "),
    duration: cfg.duration,
    warmup: cfg.warmup,
    gatewayConnections,
    webdisConnections,
    webdis: webdis.config,
  };
  const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  mkdirSync(path.dirname(RESULTS_JSON), { recursive: true });
  writeFileSync(
    RESULTS_JSON,
    JSON.stringify({ date, cfg, machine, versions: vers, setup, commands, results: stripOutput(results), analysis, failures, webdisLogBytes: webdisLog }, null, 2),
  );
  log(`results: ${path.relative(ROOT, RESULTS_JSON)}`);

  if (failures.length) {
    throw new Error(`bad responses or broken state — numbers not written:\n  ${failures.join("\n  ")}`);
  }
  if (cfg.writeDocs) {
    const section = markdownSection({ results, analysis, machine, vers, setup, commands, date });
    const svg = svgChart(results, chartMeta(machine, date));
    writeDocs(section, svg);
    log(`wrote ${path.relative(ROOT, DOC)} and ${path.relative(ROOT, SVG)}`);
  } else {
    log("docs not written (quick mode; set BENCH_WRITE_DOCS=1 to write them)");
  }
  const missed = analysis.targets.filter((t) => !t.met);
  if (missed.length && cfg.strict) throw new Error(`${missed.length} target(s) missed (BENCH_STRICT=1)`);
}

function stripOutput(results) {
  const out = {};
  for (const [op, byTarget] of Object.entries(results)) {
    out[op] = {};
    for (const [t, x] of Object.entries(byTarget)) {
      const { output, ...rest } = x;
      out[op][t] = rest;
    }
  }
  return out;
}

let exitCode = 0;
try {
  await main();
} catch (err) {
  exitCode = 1;
  console.error(`\n[bench:gateway] FAILED: ${err?.stack ?? err}`);
} finally {
  killChildren();
  for (const stop of cleanups.reverse()) {
    try {
      await stop();
    } catch (err) {
      console.error(`[bench:gateway] cleanup: ${err}`);
    }
  }
}
process.exit(exitCode);
