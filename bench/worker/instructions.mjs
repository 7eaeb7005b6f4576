#!/usr/bin/env node
// The Workers' cost per request, counted in instructions: `npm run bench:worker:instructions`.
//
// `npm run bench:worker` measures requests per second, and on this shared two-core machine the
// workerd CPU time per request moves by up to ±20 % from run to run, far more than the
// difference between the two Workers. Callgrind counts the instructions workerd executes. On a
// quiet machine the count on the isolate's thread repeats to within about 1 % for one build;
// with other work running (a cargo build), V8's background compilation finishes at other points
// relative to the requests, and counts moved by up to 6 %. Run it alone, and compare Workers
// within one run.
//
// Each Worker (Podium's built Rust Worker, the JS Worker of `bench/worker/js-worker/`, and
// optionally an older build of the Rust one) runs in its own workerd under
// `valgrind --tool=callgrind --separate-threads=yes`, against one Valkey and one release gateway
// that run at full speed. For each case (score writes with the server key, random players;
// cached top-10 reads) it sends BENCH_WARMUP requests (default 3000), zeroes the counters, sends
// BENCH_REQUESTS more (default 400), dumps, and divides. Four requests are in flight at a time
// and every one must answer 200. Each asks for `Accept-Encoding: identity` (wrk asks for no
// encoding at all; Node's fetch would ask for gzip, and workerd would compress every answer).
//
// What the numbers mean:
// - "isolate thread" is workerd's main thread: the Worker's JavaScript and wasm, and workerd's
//   own HTTP and fetch handling for it (the same for both Workers). Compare Workers with it.
// - "other threads" is mostly V8 compiling hot wasm functions in the background (tier-up). It
//   shrinks as the warm-up grows, so it is printed but not part of the comparison.
// - Under valgrind everything runs some 50 times slower, and V8 still tiers code up by how
//   often it runs, not by time: the code is the code a warm isolate runs.
//
//   BENCH_BASELINE_DIR=path   also measure an older Rust Worker build: a directory holding its
//                             entry.mjs and build/ (copies of worker/entry.mjs and worker/build)
//   BENCH_WARMUP=3000 BENCH_REQUESTS=400
//   BENCH_NO_BUILD=1          skip the gateway's cargo build and build-worker.sh --if-stale
//
// Prints a Markdown table; writes nothing.

import { spawnSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { Miniflare } from "miniflare";

import { repoRoot, startGateway, startRedisServer } from "../../scripts/lib/stack.mjs";
import { COMPATIBILITY_DATE, WORKER_DIR, startWorker } from "../../tests/worker/harness.mjs";
import { bundleJsWorker } from "./js-worker/bundle.mjs";

const ROOT = repoRoot();
const WARMUP = Number(process.env.BENCH_WARMUP || 3000);
const REQUESTS = Number(process.env.BENCH_REQUESTS || 400);
const IN_FLIGHT = 4;
const SERVER_KEY = "bench-server-key-0123456789abcdef";
const BOARD = "bench";

const log = (message) => console.error(`[bench:worker:instructions] ${message}`);

function need(command) {
  if (spawnSync("sh", ["-c", `command -v ${command}`]).status !== 0) {
    throw new Error(`${command} not found (scripts/bootstrap.sh installs it)`);
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${result.stderr}`);
  return result.stdout;
}

/** Miniflare starts the binary named by MINIFLARE_WORKERD_PATH: this script runs workerd under callgrind. */
function callgrindWrapper(dir) {
  const workerd = path.join(ROOT, "node_modules", "@cloudflare", "workerd-linux-64", "bin", "workerd");
  const wrapper = path.join(dir, "workerd.sh");
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file=${dir}/cg.%p ` +
      `--log-file=${dir}/valgrind.log ${workerd} "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}

const CASES = {
  write: (url, i) =>
    fetch(`${url}/v1/boards/${BOARD}/scores`, {
      method: "POST",
      headers: { authorization: `Bearer ${SERVER_KEY}`, "content-type": "application/json", "accept-encoding": "identity" },
      body: JSON.stringify({ player: `p${(i * 7919) % 10000}`, score: (i * 104729) % 1000000, name: `Player ${i % 10000}` }),
    }),
  read: (url) => fetch(`${url}/v1/boards/${BOARD}/top?limit=10`, { headers: { "accept-encoding": "identity" } }),
};

/** `count` requests, IN_FLIGHT at a time. Under valgrind workerd now and then closes an idle keep-alive
 * connection as the next request goes out; such a request is sent again (and counted once). */
async function drive(url, kind, count, first) {
  let next = 0;
  let resent = 0;
  const one = async (i) => {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await CASES[kind](url, first + i);
        const body = await response.text();
        if (response.status !== 200) throw new Error(`${kind}: status ${response.status}: ${body}`);
        return;
      } catch (error) {
        if (attempt >= 3 || !/fetch failed/.test(String(error?.message))) throw error;
        resent++;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < count) await one(next++);
  }));
  return resent;
}

function callgrindControl(option, pid) {
  run("callgrind_control", [option, String(pid)]);
}

/** Instructions of dump `part`, per thread, from `dir`. */
function dumpTotals(dir, pid, part) {
  const threads = {};
  for (const file of readdirSync(dir)) {
    const m = new RegExp(`^cg\\.${pid}\\.${part}-(\\d+)$`).exec(file);
    if (!m) continue;
    const summary = /^summary: (\d+)/m.exec(readFileSync(path.join(dir, file), "utf8"));
    threads[Number(m[1])] = Number(summary?.[1] ?? 0);
  }
  if (Object.keys(threads).length === 0) throw new Error(`callgrind wrote no dump ${part} in ${dir}`);
  return threads;
}

/** Instructions per request of the Worker `start()` starts, for each case, on the isolate's thread and on the others. */
async function measure(label, start) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "podium-worker-callgrind-"));
  const saved = process.env.MINIFLARE_WORKERD_PATH;
  process.env.MINIFLARE_WORKERD_PATH = callgrindWrapper(dir);
  let mf;
  try {
    mf = await start();
    const url = (await mf.ready).toString().replace(/\/$/, "");
    const pid = Number(readdirSync(dir).map((f) => /^cg\.(\d+)$/.exec(f)?.[1]).find(Boolean));
    if (!pid) throw new Error(`no callgrind output in ${dir}`);
    const results = {};
    let part = 0;
    for (const kind of ["write", "read"]) {
      log(`${label}: ${WARMUP} ${kind}s to warm up`);
      await drive(url, kind, WARMUP, 0);
      callgrindControl("--zero", pid);
      const resent = await drive(url, kind, REQUESTS, WARMUP);
      callgrindControl("--dump", pid);
      const threads = dumpTotals(dir, pid, ++part);
      const isolate = threads[1] ?? 0;
      const others = Object.entries(threads).reduce((sum, [t, n]) => (t === "1" ? sum : sum + n), 0);
      results[kind] = { isolate: Math.round(isolate / REQUESTS), others: Math.round(others / REQUESTS), resent };
      log(`${label} ${kind}: ${results[kind].isolate} on the isolate's thread, ${results[kind].others} on others, per request`);
    }
    return results;
  } finally {
    await mf?.dispose();
    if (saved === undefined) delete process.env.MINIFLARE_WORKERD_PATH;
    else process.env.MINIFLARE_WORKERD_PATH = saved;
    await rm(dir, { recursive: true, force: true });
  }
}

async function main() {
  for (const command of ["valgrind", "callgrind_control"]) need(command);
  if (!process.env.BENCH_NO_BUILD) {
    log("cargo build --release -p podium-gateway; scripts/build-worker.sh --if-stale");
    run("cargo", ["build", "--release", "-p", "podium-gateway"]);
    run("bash", ["scripts/build-worker.sh", "--if-stale"]);
  }
  const jsBundle = bundleJsWorker();
  const server = await startRedisServer({ kind: "valkey" });
  const gateway = await startGateway({ redisUrl: server.url, release: true });
  try {
    const bindings = {
      UPSTASH_REDIS_REST_URL: gateway.url,
      UPSTASH_REDIS_REST_TOKEN: gateway.token,
      PODIUM_SERVER_KEY: SERVER_KEY,
      PODIUM_CACHE_SECONDS: "1",
      PODIUM_BOARDS: JSON.stringify([{ id: BOARD, title: "Bench", order: "higher", policy: "best", periods: ["alltime"] }]),
    };
    const served = { host: "127.0.0.1", port: 0 };
    // The Rust Worker as the tests start it; a baseline build from its own directory.
    const rust = (dir) => () => startWorker(bindings, { ...served, modulesRoot: dir, scriptPath: path.join(dir, "entry.mjs") });
    const rows = [["Rust Worker (this build)", await measure("rust", rust(WORKER_DIR))]];
    if (process.env.BENCH_BASELINE_DIR) {
      const dir = path.resolve(process.env.BENCH_BASELINE_DIR);
      rows.push([`Rust Worker (${dir})`, await measure("baseline", rust(dir))]);
    }
    const js = () => new Miniflare({ modules: true, scriptPath: jsBundle, compatibilityDate: COMPATIBILITY_DATE, bindings, ...served });
    rows.push(["JS Worker (@upstash/redis)", await measure("js", js)]);

    const rev = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout.trim();
    const fmt = (n) => n.toLocaleString("en-US");
    console.log(`Instructions per request in workerd (${rev}; warm-up ${WARMUP}, measured ${REQUESTS} per case):\n`);
    console.log("| Worker | score write: isolate thread | other threads | cached top-10 read: isolate thread | other threads |");
    console.log("|---|---:|---:|---:|---:|");
    for (const [label, r] of rows) {
      console.log(`| ${label} | ${fmt(r.write.isolate)} | ${fmt(r.write.others)} | ${fmt(r.read.isolate)} | ${fmt(r.read.others)} |`);
    }
    const resent = rows.reduce((sum, [, r]) => sum + r.write.resent + r.read.resent, 0);
    if (resent > 0) console.log(`\n(${resent} requests sent again after workerd closed an idle connection)`);
  } finally {
    await gateway.stop();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error.stack ?? error);
  process.exit(1);
});
