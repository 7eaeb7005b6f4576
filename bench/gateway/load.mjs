// Load generators: wrk against the HTTP targets, redis-benchmark against raw Valkey, each sampled
// for CPU; and the median of the rounds.

import path from "node:path";

import { run } from "./children.mjs";
import { cfg, LUA, PIPELINE_VARIANTS, ROOT, SINGLE_VARIANTS, wrkDuration } from "./config.mjs";
import { cpuSampler } from "./cpu.mjs";

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

export async function runWrk({ url, spec, duration, token, pids }) {
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

export async function runRedisBenchmark({ port, spec, n, pids }) {
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

export const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

/** The gateway's own count of commands it sent to Valkey (`/_metrics`, no token needed). */
export async function redisCommandsSent(url) {
  const text = await (await fetch(`${url}/_metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("podium_gateway_redis_commands_total "));
  return Number(line?.split(" ").pop() ?? NaN);
}

/** Median of the rounds (req/s, p50, p99 each), their spread, and the mean CPU split. */
export function aggregate(list, target) {
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
