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

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import {
  freePort,
  gatewayBinaryPath,
  repoRoot,
  respCommand,
  startGateway,
  startRedisServer,
  valkeyServerPath,
} from "../../scripts/lib/stack.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = repoRoot();
const LUA = path.join(HERE, "request.lua");
const DOCS_DIR = process.env.BENCH_DOCS_DIR ? path.resolve(process.env.BENCH_DOCS_DIR) : path.join(ROOT, "docs");
const DOC = path.join(DOCS_DIR, "benchmarks.md");
const SVG = path.join(DOCS_DIR, "bench-gateway.svg");
const RESULTS_JSON = path.join(ROOT, "target", "bench", "gateway.json");
const MARK_START = "<!-- bench:gateway:start -->";
const MARK_END = "<!-- bench:gateway:end -->";

// ---------------------------------------------------------------------------------------------
// Configuration.

const env = process.env;
const flag = (name, dflt = false) => (env[name] === undefined || env[name] === "" ? dflt : /^(1|true|yes|on)$/i.test(env[name]));
const QUICK = flag("BENCH_QUICK");
const cfg = {
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
const KEY = "lb";
const SINGLE_VARIANTS = 20_000; // distinct prepared requests per wrk thread (random players)
const PIPELINE_VARIANTS = 300;

/** "10s" | "500ms" | "1m" | "10" → seconds */
function seconds(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(text).trim());
  if (!m) throw new Error(`bad duration ${JSON.stringify(text)} (use e.g. 10s, 500ms, 1m)`);
  const n = Number(m[1]);
  return { ms: n / 1000, s: n, m: n * 60, h: n * 3600 }[m[2] ?? "s"];
}
/** wrk wants whole seconds (or m/h); round up. */
const wrkDuration = (text) => `${Math.max(1, Math.ceil(seconds(text)))}s`;

const pad = (n) => String(n).padStart(12, "0");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error("[bench:gateway]", ...a);

// ---------------------------------------------------------------------------------------------
// Process bookkeeping: everything we start is stopped in `finally`, by PID.

const cleanups = [];
const children = new Set();
function spawnTracked(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}
function killChildren() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
}
const tempDirs = new Set();
process.on("exit", () => {
  killChildren();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
let interrupted = false;
for (const sig of ["SIGINT", "SIGTERM"]) {
  // `on`, not `once`: while this listener exists, scripts/lib/stack.mjs does not re-raise the signal
  // (which would end the process before the cleanups below have run).
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: stopping everything`);
    killChildren();
    Promise.allSettled(cleanups.map((f) => f())).finally(() => process.exit(130));
  });
}

/** Runs a command to completion, collecting stdout/stderr; `onStart(pid)` is called once spawned. */
function run(cmd, args, { onStart, timeoutMs = 0, ...opts } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(cmd, args, opts);
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr?.setEncoding("utf8").on("data", (d) => (stderr += d));
    child.once("error", reject);
    let timer;
    if (timeoutMs) timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    if (onStart && child.pid) onStart(child.pid);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, pid: child.pid });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// CPU accounting from /proc (utime + stime of every thread of a process).

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

function procTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
}
function machineTicks() {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = line[3] + (line[4] || 0);
  const total = line.slice(0, 8).reduce((a, b) => a + b, 0);
  const steal = line[7] || 0; // time this VM wanted to run but the host ran something else
  return { busy: total - idle - steal, total, steal };
}

/** Samples CPU of named PIDs (and the whole machine) until stop(); returns % of one core each. */
function cpuSampler(pids) {
  const first = {};
  const last = {};
  const t0 = performance.now();
  let t1 = t0;
  const m0 = machineTicks();
  let m1 = m0;
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) {
      if (!pid) continue;
      const t = procTicks(pid);
      if (t === undefined) continue;
      if (first[name] === undefined) first[name] = t;
      last[name] = t;
    }
    t1 = performance.now();
    m1 = machineTicks();
  };
  sample();
  const timer = setInterval(sample, 200);
  return {
    add(name, pid) {
      pids[name] = pid;
      sample();
    },
    stop() {
      clearInterval(timer);
      sample();
      const secs = (t1 - t0) / 1000;
      const out = {};
      for (const name of Object.keys(pids)) {
        if (first[name] === undefined) continue;
        out[name] = Math.round(((last[name] - first[name]) / CLK_TCK / secs) * 100);
      }
      const cores = os.cpus().length;
      const busy = m1.total > m0.total ? (m1.busy - m0.busy) / (m1.total - m0.total) : 0;
      out.machine = Math.round(busy * cores * 100);
      out.steal = m1.total > m0.total ? Math.round(((m1.steal - m0.steal) / (m1.total - m0.total)) * cores * 100) : 0;
      const ours = Object.entries(out).filter(([k]) => k !== "machine" && k !== "steal").reduce((a, [, v]) => a + v, 0);
      out.other = Math.max(0, out.machine - ours);
      return out;
    },
  };
}

/** Busy % (of one core) of the whole machine over `ms`. */
async function machineBusy(ms) {
  const a = machineTicks();
  await sleep(ms);
  const b = machineTicks();
  return b.total > a.total ? Math.round(((b.busy - a.busy) / (b.total - a.total)) * os.cpus().length * 100) : 0;
}

/** Waits (up to cfg.waitIdle s) until the machine is quiet; returns the last background load seen. */
async function waitForQuiet() {
  const deadline = Date.now() + cfg.waitIdle * 1000;
  for (;;) {
    const busy = await machineBusy(2000);
    if (busy < cfg.idleThreshold) return busy;
    if (Date.now() >= deadline) {
      if (cfg.waitIdle > 0) log(`WARNING: the machine is still busy (${busy}% of one core used by other processes); measuring anyway`);
      return busy;
    }
    log(`machine busy (${busy}% of one core used by other processes); waiting for it to calm down`);
    await sleep(3000);
  }
}

// ---------------------------------------------------------------------------------------------
// Valkey: seeding through one raw pipelined TCP connection.

function encode(args) {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`;
  return out;
}

async function seed(port, players) {
  await respCommand(port, ["DEL", KEY]);
  const batch = 1000;
  const commands = [];
  let x = 2463534242; // xorshift32: deterministic scores
  for (let start = 0; start < players; start += batch) {
    const args = ["ZADD", KEY];
    for (let i = start; i < Math.min(players, start + batch); i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      args.push(String(x % 1_000_000), `player:${pad(i)}`);
    }
    commands.push(encode(args));
  }
  await new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let pending = commands.length;
    let buf = "";
    socket.setEncoding("utf8");
    socket.setTimeout(30_000, () => {
      socket.destroy();
      reject(new Error("seeding timed out"));
    });
    socket.once("error", reject);
    socket.once("connect", () => socket.end(commands.join("")));
    socket.on("data", (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf("\r\n")) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (!line.startsWith(":")) {
          socket.destroy();
          reject(new Error(`seeding: unexpected reply ${line}`));
          return;
        }
        if (--pending === 0) {
          socket.destroy();
          resolve();
        }
      }
    });
  });
  const card = await respCommand(port, ["ZCARD", KEY]);
  if (card !== `:${players}`) throw new Error(`seeding: ZCARD ${KEY} = ${card}, expected ${players}`);
}

async function clientConnections(port) {
  const list = await respCommand(port, ["CLIENT", "LIST"]);
  return String(list)
    .split("\n")
    .filter((l) => l.trim() && !/cmd=client\|list/.test(l)).length;
}

// ---------------------------------------------------------------------------------------------
// Webdis.

async function startWebdis({ redisPort, threads, poolSize }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "podium-webdis-"));
  tempDirs.add(dir);
  const port = await freePort();
  const config = {
    redis_host: "127.0.0.1",
    redis_port: redisPort,
    redis_auth: null,
    http_host: "127.0.0.1",
    http_port: port,
    threads,
    pool_size: poolSize,
    daemonize: false,
    websockets: false,
    database: 0,
    verbosity: 3,
    logfile: path.join(dir, "webdis.log"),
  };
  const file = path.join(dir, "webdis.json");
  writeFileSync(file, JSON.stringify(config, null, 2));
  const child = spawnTracked("/usr/bin/webdis", [file], { cwd: dir });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (output += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (output += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`webdis exited early (${child.exitCode ?? child.signalCode}):\n${output}`);
    }
    try {
      const res = await fetch(`${url}/PING`);
      const body = await res.text();
      if (res.ok && body.includes("PONG")) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`webdis did not answer /PING within 10 s:\n${output}`);
    }
    await sleep(50);
  }
  return { url, port, pid: child.pid, config, stop, logSize: () => fileSize(config.logfile) };
}

function fileSize(file) {
  try {
    return readFileSync(file).length;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// The operations, in the forms each target speaks.

function pipelineBody(n) {
  return JSON.stringify(Array.from({ length: n }, () => ["ZINCRBY", KEY, "1", "player:{p}"]));
}

const OPS = [
  {
    id: "top10",
    label: "top-10 read",
    detail: "ZREVRANGE lb 0 9 WITHSCORES",
    gateway: { method: "GET", path: "/zrevrange/lb/0/9/WITHSCORES" },
    webdis: { method: "GET", path: "/ZREVRANGE/lb/0/9/WITHSCORES" },
    raw: { args: ["zrevrange", KEY, "0", "9", "WITHSCORES"] },
  },
  {
    id: "zincrby",
    label: "write",
    detail: "ZINCRBY lb 1 player:N",
    gateway: { method: "POST", path: "/", body: `["ZINCRBY","${KEY}","1","player:{p}"]` },
    webdis: { method: "GET", path: "/ZINCRBY/lb/1/player:{p}" },
    raw: { args: ["zincrby", KEY, "1", "player:__rand_int__"] },
  },
  {
    id: "zrevrank",
    label: "rank read",
    detail: "ZREVRANK lb player:N",
    gateway: { method: "GET", path: "/zrevrank/lb/player:{p}" },
    webdis: { method: "GET", path: "/ZREVRANK/lb/player:{p}" },
    raw: { args: ["zrevrank", KEY, "player:__rand_int__"] },
  },
  {
    id: "pipeline",
    label: `pipeline ×${cfg.pipeline}`,
    detail: `POST /pipeline, ${cfg.pipeline} × ZINCRBY`,
    batch: cfg.pipeline,
    gateway: { method: "POST", path: "/pipeline", body: pipelineBody(cfg.pipeline) },
    webdis: null, // Webdis has no pipeline endpoint
    raw: { args: ["zincrby", KEY, "1", "player:__rand_int__"], pipeline: cfg.pipeline },
  },
];
const TARGETS = ["gateway", "webdis", "raw"];
const TARGET_LABEL = { gateway: "Podium gateway", webdis: "Webdis", raw: "raw Valkey (redis-benchmark)" };

/** Checks one request of each form by hand before putting load on it. */
async function preflight(kind, base, token) {
  const auth = token ? { authorization: `Bearer ${token}` } : {};
  const fill = (s) => s.replaceAll("{p}", pad(12345));
  const call = async (spec) => {
    const res = await fetch(base + fill(spec.path), {
      method: spec.method,
      headers: { ...auth, ...(spec.body ? { "content-type": "application/json" } : {}) },
      body: spec.body ? fill(spec.body) : undefined,
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  };
  const fail = (what, r) => {
    throw new Error(`preflight ${kind} ${what}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  };
  for (const op of OPS) {
    const spec = op[kind];
    if (!spec) continue;
    const r = await call(spec);
    if (r.status !== 200 || !r.json) fail(op.id, r);
    const value = kind === "gateway" ? r.json.result : r.json[op.raw.args[0].toUpperCase()];
    const ok = {
      top10: () => Array.isArray(value) && value.length === 20,
      zincrby: () => typeof value === "string" && /^\d+(\.\d+)?$/.test(value),
      zrevrank: () => Number.isInteger(value),
      pipeline: () =>
        Array.isArray(r.json) && r.json.length === op.batch && r.json.every((e) => typeof e.result === "string"),
    }[op.id]();
    if (!ok) fail(op.id, r);
  }
  if (kind === "gateway") {
    const res = await fetch(`${base}/zrevrange/lb/0/9`);
    await res.text();
    if (res.status !== 401) throw new Error(`preflight gateway: no token gave HTTP ${res.status}, expected 401`);
  }
}

// ---------------------------------------------------------------------------------------------
// Load generators.

function wrkArgs(url, spec, duration, token) {
  const args = ["-t", String(cfg.wrkThreads), "-c", String(cfg.connections), "-d", wrkDuration(duration), "--latency", "--timeout", "5s"];
  if (token) args.push("-H", `Authorization: Bearer ${token}`);
  if (spec.body) args.push("-H", "Content-Type: application/json");
  const dynamic = spec.path.includes("{p}") || (spec.body ?? "").includes("{p}");
  const variants = !dynamic ? 1 : spec.body && spec.body.length > 1000 ? PIPELINE_VARIANTS : SINGLE_VARIANTS;
  args.push("-s", LUA, url, "--", spec.method, spec.path, spec.body ?? "-", String(cfg.players), String(variants));
  return args;
}

/** A shell-ready rendering of a command line (for the docs). */
function shellQuote(args) {
  return args
    .map((a) => {
      if (/^[\w@%+=:,./-]+$/.test(a)) return a;
      if (/^\$\w+$/.test(a)) return a; // a placeholder such as $PORT
      if (/\$\w/.test(a) && !/["\\`]/.test(a)) return `"${a}"`; // keep placeholders expandable
      return `'${a.replaceAll("'", `'\\''`)}'`;
    })
    .join(" ");
}

/** The wrk command line as documented: placeholders for the token and port, the pipeline body abbreviated. */
function documentedWrk(args, { token, port, name }) {
  return args.map((a) => {
    if (token && a.includes(token)) return a.replace(token, "$TOKEN");
    if (a === LUA) return path.relative(ROOT, LUA);
    if (a.startsWith("http://127.0.0.1:")) return `http://127.0.0.1:$${name}_PORT`;
    if (a.length > 200 && a.startsWith("[[")) {
      const first = JSON.stringify(JSON.parse(a)[0]);
      return `[${first},…×${JSON.parse(a).length}]`;
    }
    return a;
  });
}

async function runWrk({ url, spec, duration, token, pids }) {
  const args = wrkArgs(url, spec, duration, token);
  let sampler;
  const res = await run("wrk", args, {
    onStart: (pid) => {
      sampler = cpuSampler({ ...pids, wrk: pid });
    },
  });
  const cpu = sampler?.stop();
  if (cfg.verbose) console.error(res.stdout, res.stderr);
  const line = res.stdout.split("\n").find((l) => l.startsWith("BENCH_JSON "));
  if (res.code !== 0 || !line) {
    throw new Error(`wrk failed (exit ${res.code ?? res.signal}):\n${res.stdout}\n${res.stderr}`);
  }
  const j = JSON.parse(line.slice("BENCH_JSON ".length));
  const non2xx = /Non-2xx or 3xx responses:\s*(\d+)/.exec(res.stdout);
  const errors = { ...j.errors, non2xx: non2xx ? Number(non2xx[1]) : 0 };
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  return {
    requests: j.requests,
    seconds: j.duration_us / 1e6,
    rps: j.requests / (j.duration_us / 1e6),
    p50: j.latency_us.p50 / 1000,
    p99: j.latency_us.p99 / 1000,
    p999: j.latency_us.p999 / 1000,
    mean: j.latency_us.mean / 1000,
    max: j.latency_us.max / 1000,
    errors,
    errorCount,
    cpu,
    command: `wrk ${shellQuote(documentedWrk(args, { token, name: token ? "GATEWAY" : "WEBDIS" }))}`,
    output: res.stdout,
  };
}

function redisBenchmarkArgs(port, spec, n) {
  return [
    "-h", "127.0.0.1", "-p", String(port),
    "-c", String(cfg.connections), "-n", String(n), "-P", String(spec.pipeline ?? 1),
    "-r", String(cfg.players), "--csv", ...spec.args,
  ];
}

async function runRedisBenchmark({ port, spec, n, pids }) {
  const args = redisBenchmarkArgs(port, spec, n);
  let sampler;
  const res = await run("redis-benchmark", args, {
    onStart: (pid) => {
      sampler = cpuSampler({ ...pids, "redis-benchmark": pid });
    },
  });
  const cpu = sampler?.stop();
  if (cfg.verbose) console.error(res.stdout, res.stderr);
  const rows = res.stdout.trim().split("\n").filter((l) => l.startsWith('"') && !l.startsWith('"test"'));
  if (res.code !== 0 || rows.length === 0 || /error/i.test(res.stderr + res.stdout.replace(/"test".*\n/, ""))) {
    throw new Error(`redis-benchmark failed (exit ${res.code ?? res.signal}):\n${res.stdout}\n${res.stderr}`);
  }
  const cols = rows.at(-1).split('","').map((c) => c.replaceAll('"', ""));
  const cmdRps = Number(cols[1]);
  const batch = spec.pipeline ?? 1;
  return {
    requests: n,
    seconds: n / cmdRps,
    rps: cmdRps / batch, // batches per second, to compare with HTTP requests per second
    commandsPerSec: cmdRps,
    p50: Number(cols[4]),
    p99: Number(cols[6]),
    mean: Number(cols[2]),
    max: Number(cols[7]),
    errors: {},
    errorCount: 0,
    cpu,
    command: `redis-benchmark ${shellQuote(args.map((a) => (a === String(port) ? "$VALKEY_PORT" : a)))}`,
    output: res.stdout,
  };
}

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

/** Median of the rounds (req/s, p50, p99 each), their spread, and the mean CPU split. */
/** The gateway's own count of commands it sent to Valkey (`/_metrics`, no token needed). */
async function redisCommandsSent(url) {
  const text = await (await fetch(`${url}/_metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("podium_gateway_redis_commands_total "));
  return Number(line?.split(" ").pop() ?? NaN);
}

function aggregate(list, target) {
  const proc = target === "raw" ? "valkey" : target;
  const cpu = {};
  for (const x of list) for (const [k, v] of Object.entries(x.cpu ?? {})) cpu[k] = (cpu[k] ?? 0) + v / list.length;
  for (const k of Object.keys(cpu)) cpu[k] = Math.round(cpu[k]);
  return {
    rps: median(list.map((x) => x.rps)),
    p50: median(list.map((x) => x.p50)),
    p99: median(list.map((x) => x.p99)),
    rpsMin: Math.min(...list.map((x) => x.rps)),
    rpsMax: Math.max(...list.map((x) => x.rps)),
    // CPU time the server process (gateway, Webdis; Valkey for raw) spent per request, in µs
    cpuUsPerReq: median(list.map((x) => ((x.cpu?.[proc] ?? NaN) / 100 / x.rps) * 1e6)),
    // Commands the gateway sent to Valkey per HTTP request (below 1 when reads were coalesced).
    commandsPerRequest: median(list.map((x) => (x.redisCommands ?? NaN) / x.requests)),
    requests: list.reduce((a, x) => a + x.requests, 0),
    cpu,
    rounds: list.map(({ output, command, ...rest }) => rest),
  };
}

// ---------------------------------------------------------------------------------------------
// Versions and machine.

function cmdOutput(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
}
function machineInfo() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  let mem = "";
  try {
    const kb = Number(/^MemTotal:\s*(\d+)/m.exec(readFileSync("/proc/meminfo", "utf8"))[1]);
    mem = `${(kb / 1024 / 1024).toFixed(1)} GiB`;
  } catch {
    // ignore
  }
  let distro = "";
  try {
    distro = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "";
  } catch {
    // ignore
  }
  return {
    nproc: Number(cmdOutput("nproc", [])) || os.cpus().length,
    cpuModel: model,
    memory: mem,
    kernel: os.release(),
    distro,
    loadavg: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
  };
}
function versions(gatewayBin) {
  const dpkg = (p) => cmdOutput("dpkg-query", ["-W", "-f=${Version}", p]) || "?";
  const v = spawnSync(gatewayBin, ["--version"], { encoding: "utf8" });
  const cargoVersion = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(path.join(ROOT, "Cargo.toml"), "utf8"))?.[1];
  const gw = (v.status === 0 && v.stdout.trim().split("\n")[0]) || `podium-gateway ${cargoVersion ?? ""}`.trim();
  const commit = cmdOutput("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]);
  const dirty = cmdOutput("git", ["-C", ROOT, "status", "--porcelain", "--", "crates"]).length > 0;
  return {
    gateway: `${gw} (release; ${/^[0-9a-f]{7,}$/.test(commit) ? commit : "no commit yet"}${dirty ? ", uncommitted changes" : ""})`,
    rustc: cmdOutput("rustc", ["--version"]),
    valkey: /v=(\S+)/.exec(cmdOutput(valkeyServerPath(), ["--version"]))?.[1] ?? "?",
    webdis: dpkg("webdis"),
    wrk: dpkg("wrk"),
    redisBenchmark: /redis-benchmark (\S+)/.exec(cmdOutput("redis-benchmark", ["--version"]))?.[1] ?? dpkg("redis-tools"),
    node: process.version,
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting.

const fmtRps = (v) => (v === undefined ? "n/a" : v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1));
const fmtMs = (v) => (v === undefined ? "n/a" : v < 10 ? v.toFixed(2) : v.toFixed(1));
const fmtUs = (v) => (v === undefined || !Number.isFinite(v) ? "n/a" : v.toFixed(1));
const fmtX = (v) => (v === undefined || !Number.isFinite(v) ? "n/a" : `${v.toFixed(2)}x`);

function analyse(results) {
  const r = (op, t) => results[op]?.[t];
  const ratio = (op, base) => (r(op, "gateway") && r(op, base) ? r(op, "gateway").rps / r(op, base).rps : undefined);
  const ratios = {};
  for (const op of OPS) {
    ratios[op.id] = {
      webdis: ratio(op.id, "webdis"),
      raw: ratio(op.id, "raw"),
      p99: r(op.id, "gateway") && r(op.id, "webdis") ? r(op.id, "gateway").p99 / r(op.id, "webdis").p99 : undefined,
    };
  }
  const targets = [];
  const ge = (name, value, need) => {
    const met = value !== undefined && value >= need;
    const shortBy = met || value === undefined ? undefined : `${((need / value - 1) * 100).toFixed(0)}% more gateway req/s needed`;
    targets.push({ name, value: fmtX(value), need: `≥ ${need.toFixed(1)}x`, met, shortBy });
  };
  ge("top-10 read: req/s vs Webdis", ratios.top10.webdis, 1.3);
  ge("write (ZINCRBY): req/s vs Webdis", ratios.zincrby.webdis, 1.0);
  for (const op of OPS.filter((o) => o.webdis)) {
    const g = r(op.id, "gateway");
    const w = r(op.id, "webdis");
    const met = g && w ? g.p99 < w.p99 : false;
    targets.push({
      name: `${op.label}: p99 lower than Webdis`,
      value: g && w ? `${fmtMs(g.p99)} vs ${fmtMs(w.p99)} ms` : "n/a",
      need: "<",
      met,
      shortBy: met || !g || !w ? undefined : `${fmtMs(g.p99 - w.p99)} ms (${((g.p99 / w.p99 - 1) * 100).toFixed(0)}%) too slow`,
    });
  }
  for (const op of OPS.filter((o) => !o.batch)) ge(`${op.label}: req/s vs raw Valkey (50 conns)`, ratios[op.id].raw, 0.7);
  return { ratios, targets };
}

function cpuText(cpu, target) {
  if (!cpu) return "";
  const names = target === "raw" ? ["redis-benchmark", "valkey"] : ["wrk", target, "valkey"];
  return names
    .filter((n) => cpu[n] !== undefined)
    .map((n) => `${n} ${cpu[n]}%`)
    .concat(cpu.other > 5 ? [`other ${cpu.other}%`] : [])
    .concat(cpu.steal > 2 ? [`steal ${cpu.steal}%`] : [])
    .join(", ");
}

function printTable(results, analysis) {
  const rows = [["operation", "target", cfg.rounds > 1 ? `req/s (median of ${cfg.rounds})` : "req/s", "p50 ms", "p99 ms", "server µs/req", "CPU (% of one core)"]];
  for (const op of OPS) {
    for (const t of TARGETS) {
      const x = results[op.id]?.[t];
      let rps = x ? fmtRps(x.rps) : "n/a";
      if (x && op.batch) rps += ` (${fmtRps(x.rps * op.batch)} cmd/s)`;
      rows.push([op.label, t, rps, x ? fmtMs(x.p50) : "n/a", x ? fmtMs(x.p99) : "n/a", x ? fmtUs(x.cpuUsPerReq) : "n/a", x ? cpuText(x.cpu, t) : ""]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  console.log(line(rows[0]));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows.slice(1)) console.log(line(r));
  console.log();
  for (const op of OPS) {
    const x = analysis.ratios[op.id];
    console.log(`${op.label.padEnd(14)} gateway/Webdis ${fmtX(x.webdis).padStart(6)}   gateway/raw ${fmtX(x.raw).padStart(6)}`);
  }
  console.log();
  for (const t of analysis.targets) {
    console.log(`${t.met ? "MET   " : "MISSED"} ${t.name}: ${t.value} (need ${t.need})${t.shortBy ? ` — ${t.shortBy}` : ""}`);
  }
}

function esc(s) {
  return String(s).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Small multiples: one panel per operation, req/s on top, p99 below, each with its own scale. */
function svgChart(results, meta) {
  const colors = { gateway: "#2563eb", webdis: "#f59e0b", raw: "#6b7280" };
  const short = { gateway: "gateway", webdis: "Webdis", raw: "raw Valkey" };
  const W = 1000;
  const panelW = W / OPS.length;
  const top = 70;
  const rowH = 226;
  const barArea = 140;
  const parts = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${top + 2 * rowH + 40}" viewBox="0 0 ${W} ${top + 2 * rowH + 40}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="600">Podium gateway vs Webdis vs raw Valkey — ${esc(meta.subtitle)}</text>`,
  );
  let lx = W / 2 - 190;
  for (const t of TARGETS) {
    parts.push(`<rect x="${lx}" y="38" width="12" height="12" fill="${colors[t]}"/>`, `<text x="${lx + 16}" y="48">${esc(short[t])}${t === "raw" ? " (redis-benchmark)" : ""}</text>`);
    lx += t === "raw" ? 190 : 100;
  }
  const rows = [
    { key: "rps", title: "Requests per second (higher is better)", fmt: fmtRps },
    { key: "p99", title: "p99 latency in ms (lower is better)", fmt: fmtMs },
  ];
  rows.forEach((row, ri) => {
    const y0 = top + ri * rowH;
    OPS.forEach((op, oi) => {
      const x0 = oi * panelW;
      const vals = TARGETS.map((t) => results[op.id]?.[t]?.[row.key]);
      const max = Math.max(...vals.filter((v) => v !== undefined), 1e-9);
      if (oi === 0) parts.push(`<text x="12" y="${y0 + 14}" font-size="13" font-weight="600" fill="#111827">${esc(row.title)}</text>`);
      parts.push(`<text x="${x0 + panelW / 2}" y="${y0 + 34}" text-anchor="middle" fill="#374151">${esc(op.label)}${op.batch && row.key === "rps" ? " (batches/s)" : ""}</text>`);
      const baseY = y0 + 46 + barArea;
      parts.push(`<line x1="${x0 + 20}" y1="${baseY}" x2="${x0 + panelW - 20}" y2="${baseY}" stroke="#9ca3af"/>`);
      const bw = (panelW - 60) / TARGETS.length;
      TARGETS.forEach((t, ti) => {
        const v = vals[ti];
        const bx = x0 + 30 + ti * bw + 6;
        const w = bw - 12;
        if (v === undefined) {
          parts.push(`<text x="${bx + w / 2}" y="${baseY - 6}" text-anchor="middle" fill="#9ca3af">n/a</text>`);
        } else {
          const h = Math.max(1, (v / max) * (barArea - 18));
          parts.push(
            `<rect x="${bx}" y="${baseY - h}" width="${w}" height="${h}" fill="${colors[t]}"><title>${esc(short[t])}: ${esc(row.fmt(v))}</title></rect>`,
            `<text x="${bx + w / 2}" y="${baseY - h - 4}" text-anchor="middle">${esc(row.fmt(v))}</text>`,
          );
        }
        parts.push(`<text x="${bx + w / 2}" y="${baseY + 14}" text-anchor="middle" fill="#374151">${esc(short[t])}</text>`);
      });
    });
  });
  parts.push(`<text x="${W / 2}" y="${top + 2 * rowH + 28}" text-anchor="middle" fill="#6b7280">${esc(meta.footer)}</text>`, `</svg>`);
  return parts.join("\n") + "\n";
}

function markdownSection({ results, analysis, machine, vers, setup, commands, date }) {
  const L = [];
  L.push(MARK_START, "## Gateway", "");
  L.push(`_Generated by \`bench/gateway/run.mjs\` on ${date}; everything between the \`bench:gateway\` markers is rewritten by the next run._`, "");
  L.push("### How it was run", "");
  L.push("```sh", setup.command, "```", "");
  L.push(
    `- **Machine:** ${machine.nproc} × ${machine.cpuModel}${machine.memory ? `, ${machine.memory} RAM` : ""}, ${machine.distro}, Linux ${machine.kernel}; load average before the run ${machine.loadavg}, other processes using ${machine.backgroundLoad ?? "?"}% of one core just before it (the "other" figures in the CPU column are what ran beside the benchmark during each case). ` +
      "Everything (load generator, gateway/Webdis, Valkey) runs on this one machine over loopback, so the client competes with the server for the two cores.",
    `- **Versions:** ${vers.gateway}; ${vers.rustc}; Valkey ${vers.valkey}; Webdis ${vers.webdis}; wrk ${vers.wrk}; redis-benchmark ${vers.redisBenchmark}; Node ${vers.node}.`,
    `- **Data:** one Valkey server (\`--save "" --appendonly no\`), sorted set \`${KEY}\` seeded with ${cfg.players.toLocaleString("en-US")} members \`player:000000000000\` … \`player:${pad(cfg.players - 1)}\` (12-digit ids, the format of redis-benchmark's \`__rand_int__\`) through one pipelined connection. Writes only touch existing members; ZCARD is checked after the run.`,
    `- **Load:** wrk, ${cfg.connections} keep-alive connections, ${cfg.wrkThreads} threads, ${setup.warmup} warm-up per case, then ${cfg.rounds} round(s) of ${setup.duration} measured per case, interleaved (each round runs every operation on gateway, Webdis, raw in turn); req/s, p50 and p99 are the medians over the rounds. Player ids are random over the whole set (each wrk thread pre-formats ${SINGLE_VARIANTS.toLocaleString("en-US")} requests, ${PIPELINE_VARIANTS} for pipelines). Latency is wrk's (closed loop, no coordinated-omission correction).`,
    `- **Gateway:** release build, \`--threads ${cfg.gatewayThreads}\`, \`--coalesce-reads ${cfg.coalesce}\` (identical concurrent reads share one trip to Valkey: the top-10 case is one read asked by every connection, the rank case a different read each time), ${setup.gatewayConnections} Valkey connection(s) observed in CLIENT LIST after the warm-up; requests carry \`Authorization: Bearer\` (and \`Content-Type: application/json\` for POST).`,
    `- **Webdis:** foreground (\`daemonize: false\`), \`threads: ${setup.webdis.threads}\`, \`pool_size: ${setup.webdis.pool_size}\` per thread (${setup.webdisConnections} Valkey connections observed), \`verbosity: ${setup.webdis.verbosity}\`, no ACL. Webdis has no pipeline endpoint.`,
    `- **Raw Valkey:** redis-benchmark, same ${cfg.connections} connections, \`-P 1\` (the pipeline row uses \`-P ${cfg.pipeline}\` and shows batches of ${cfg.pipeline} per second, for reference only).`,
    "",
  );
  L.push("<details><summary>Exact load commands (ports and token are placeholders; the /pipeline body is abbreviated)</summary>", "", "```sh", ...commands, "```", "", "</details>", "");
  L.push("### Results", "");
  L.push(`![Gateway benchmark chart](bench-gateway.svg)`, "");
  L.push(
    `| operation | target | req/s${cfg.rounds > 1 ? ` (median of ${cfg.rounds})` : ""} |${cfg.rounds > 1 ? " req/s min – max |" : ""} p50 ms | p99 ms | server CPU µs/req | mean CPU during the runs (% of one core) |`,
    `|---|---|---:|${cfg.rounds > 1 ? "---:|" : ""}---:|---:|---:|---|`,
  );
  for (const op of OPS) {
    for (const t of TARGETS) {
      const x = results[op.id]?.[t];
      let rps = x ? fmtRps(x.rps) : "n/a";
      if (x && op.batch) rps += ` (${fmtRps(x.rps * op.batch)} cmd/s)`;
      const spread = cfg.rounds > 1 ? ` ${x ? `${fmtRps(x.rpsMin)} – ${fmtRps(x.rpsMax)}` : "n/a"} |` : "";
      L.push(`| ${op.label} (${op.detail}) | ${TARGET_LABEL[t]} | ${rps} |${spread} ${x ? fmtMs(x.p50) : "n/a"} | ${x ? fmtMs(x.p99) : "n/a"} | ${x ? fmtUs(x.cpuUsPerReq) : "n/a"} | ${x ? cpuText(x.cpu, t) : t === "webdis" ? "no pipeline endpoint" : ""} |`);
    }
  }
  L.push(
    "",
    "_server CPU µs/req_: CPU time of the gateway or Webdis process (Valkey's, for the raw rows) per request, from /proc over the measured run — " +
      "how much work each request costs the server, independent of how the two cores were shared with the load generator.",
  );
  const sharing = OPS.map((op) => [op, results[op.id]?.gateway?.commandsPerRequest])
    .filter(([, c]) => Number.isFinite(c))
    .map(([op, c]) => `${op.label} ${c.toFixed(c < 10 ? 2 : 0)}${c > 0 && c < 0.9 ? ` (${(1 / c).toFixed(1)} requests per trip)` : ""}`);
  if (sharing.length) {
    L.push(
      "",
      `_Valkey commands the gateway sent per request_ (its \`/_metrics\` \`podium_gateway_redis_commands_total\` over each measured run, median): ${sharing.join("; ")}. ` +
        "Below one, identical reads shared trips (read coalescing).",
    );
  }
  L.push("", "| operation | gateway / Webdis req/s | gateway / raw Valkey req/s | gateway p99 / Webdis p99 |", "|---|---:|---:|---:|");
  for (const op of OPS) {
    const x = analysis.ratios[op.id];
    L.push(`| ${op.label} | ${fmtX(x.webdis)} | ${fmtX(x.raw)}${op.batch ? " (batches)" : ""} | ${fmtX(x.p99)} |`);
  }
  L.push("", "### Targets", "", "| target | measured | needed | |", "|---|---|---|---|");
  for (const t of analysis.targets) {
    L.push(`| ${t.name} | ${t.value} | ${t.need} | ${t.met ? "✅ met" : `❌ missed${t.shortBy ? `: ${t.shortBy}` : ""}`} |`);
  }
  const notes = observations(results, machine);
  if (notes.length) L.push("", "### What the numbers say", "", ...notes.map((n) => `- ${n}`));
  L.push("", MARK_END);
  return L.join("\n");
}

/**
 * Generated observations: how the cores were shared, CPU per request of gateway vs Webdis, and the
 * gateway CPU budget per request that each missed throughput target implies on this machine
 * (assuming wrk's and Valkey's CPU per request stay as measured).
 */
function observations(results, machine) {
  const out = [];
  const capacity = machine.nproc * 100;
  const single = OPS.filter((o) => !o.batch && results[o.id]?.gateway && results[o.id]?.webdis);
  if (!single.length) return out;
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const share = (t, proc) => Math.round(mean(single.map((o) => results[o.id][t].cpu?.[proc] ?? 0)));
  out.push(
    `The single-command HTTP runs use the whole machine: on average wrk takes ${share("gateway", "wrk")}% of one core, ` +
      `the gateway ${share("gateway", "gateway")}% and Valkey ${share("gateway", "valkey")}% (Webdis runs: wrk ${share("webdis", "wrk")}%, ` +
      `Webdis ${share("webdis", "webdis")}%, Valkey ${share("webdis", "valkey")}%) out of ${capacity}%. ` +
      "Throughput here is therefore set by how much CPU each server spends per request.",
  );
  const per = single.map((o) => {
    const g = results[o.id].gateway.cpuUsPerReq;
    const w = results[o.id].webdis.cpuUsPerReq;
    return `${o.label} ${fmtUs(g)} vs ${fmtUs(w)} µs (${g >= w ? "+" : ""}${(((g - w) / w) * 100).toFixed(0)}%)`;
  });
  out.push(`Server CPU per request, gateway vs Webdis: ${per.join("; ")}.`);
  const budget = (op, wantRps) => {
    const g = results[op.id].gateway;
    const perReq = (proc) => (g.cpu?.[proc] ?? 0) / 100 / g.rps; // core-seconds per request
    const others = (perReq("wrk") + perReq("valkey")) * wantRps * 100; // % of one core
    return { others: Math.round(others), us: ((capacity - others) / 100 / wantRps) * 1e6 };
  };
  const goals = [
    ["top10", "webdis", 1.3],
    ["zincrby", "webdis", 1.0],
    ["top10", "raw", 0.7],
    ["zincrby", "raw", 0.7],
    ["zrevrank", "raw", 0.7],
  ];
  for (const [id, base, factor] of goals) {
    const op = OPS.find((o) => o.id === id);
    const g = results[id]?.gateway;
    const b = results[id]?.[base];
    if (!g || !b || g.rps >= factor * b.rps) continue;
    const want = factor * b.rps;
    const { others, us } = budget(op, want);
    out.push(
      `To reach ${factor.toFixed(1)}x ${base === "raw" ? "raw Valkey" : "Webdis"} on the ${op.label} (${fmtRps(want)} req/s) on this machine, ` +
        `wrk and Valkey alone would need about ${others}% of one core, leaving the gateway ` +
        (us > 0 ? `about ${fmtUs(us)} µs of CPU per request (it uses ${fmtUs(g.cpuUsPerReq)} µs now).` : "no CPU at all: not reachable with the load generator on the same machine."),
    );
  }
  return out;
}

function writeDocs(section, svg) {
  mkdirSync(path.dirname(DOC), { recursive: true });
  let doc;
  if (existsSync(DOC)) {
    const old = readFileSync(DOC, "utf8");
    const a = old.indexOf(MARK_START);
    const b = old.indexOf(MARK_END);
    if (a !== -1 && b > a) doc = old.slice(0, a) + section + old.slice(b + MARK_END.length);
    else doc = `${old.replace(/\s*$/, "")}\n\n${section}\n`;
  } else {
    doc =
      "# Benchmarks\n\n" +
      "Measured numbers for Podium's moving parts. Each section is generated by its benchmark script and\n" +
      "rewritten in place between its markers; text outside the markers is kept.\n\n" +
      `${section}\n`;
  }
  writeFileSync(DOC, doc);
  writeFileSync(SVG, svg);
}

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
        if (interrupted) throw new Error("interrupted");
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
