#!/usr/bin/env node
// The gateway's own work per request, counted in instructions: `npm run bench:gateway:instructions`.
//
// Requests per second on this two-core machine move by ±10 % from run to run, which hides most
// single changes to the request path. Callgrind counts the instructions the gateway's threads
// execute in user space, and for one build that count repeats to about ±0.3 % whatever else the
// machine is doing. It leaves out the kernel (the sockets are about half of the gateway's CPU
// time) and runs the gateway some 50 times slower, so pipelines to Valkey carry more commands
// than at full speed: compare builds with it, and read speed from `npm run bench:gateway`.
//
// For each request form of the throughput bench: start Valkey (100,000-member board) and the
// release gateway under `valgrind --tool=callgrind` (two serving threads), put wrk's load on
// it for a warm-up, zero the counters, load it for BENCH_SECONDS (default 6), dump, and divide
// the instructions by the requests wrk saw answered.
//
//   BENCH_BASELINE_BIN=path   also measure another build of podium-gateway (e.g. one built from
//                             an older commit in a git worktree), and print both
//   BENCH_NO_BUILD=1          skip `cargo build --release -p podium-gateway`
//
// Prints a Markdown table; writes nothing.

import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { freePort, gatewayBinaryPath, repoRoot, respCommand, sleep, startRedisServer } from "../../scripts/lib/stack.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LUA = path.join(HERE, "request.lua");
const PLAYERS = 100_000;
const SECONDS = Number(process.env.BENCH_SECONDS || 6);
const TOKEN = "bench-instructions";

const CASES = [
  { label: "top-10 read", args: ["GET", "/zrevrange/lb/0/9/WITHSCORES", "-", String(PLAYERS), "1"] },
  { label: "write (ZINCRBY)", args: ["POST", "/", '["ZINCRBY","lb","1","player:{p}"]', String(PLAYERS), "20000"], json: true },
  { label: "rank read (ZREVRANK)", args: ["GET", "/zrevrank/lb/player:{p}", "-", String(PLAYERS), "20000"] },
];

const log = (message) => console.error(`[bench:gateway:instructions] ${message}`);

function need(command) {
  if (spawnSync("sh", ["-c", `command -v ${command}`]).status !== 0) {
    throw new Error(`${command} not found (scripts/bootstrap.sh installs it)`);
  }
}

/** Runs to completion; resolves with stdout. */
function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (err += d));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err}`))));
  });
}

function wrk(url, spec, seconds) {
  const headers = ["-H", `Authorization: Bearer ${TOKEN}`];
  if (spec.json) headers.push("-H", "Content-Type: application/json");
  return run("wrk", ["-t", "2", "-c", "50", "-d", `${seconds}s`, "--timeout", "10s", ...headers, "-s", LUA, url, "--", ...spec.args]);
}

async function seed(port) {
  for (let start = 0; start < PLAYERS; start += 1000) {
    const args = ["ZADD", "lb"];
    for (let i = start; i < start + 1000; i++) args.push(String((i * 7919) % 1_000_000), `player:${String(i).padStart(12, "0")}`);
    await respCommand(port, args, 10_000);
  }
}

/** User-space instructions per request of `binary` for each case. */
async function measure(binary, valkey) {
  const results = [];
  for (const spec of CASES) {
    const dir = await mkdtemp(path.join(os.tmpdir(), "podium-callgrind-"));
    const port = await freePort();
    const gateway = spawn(
      "valgrind",
      ["--tool=callgrind", `--callgrind-out-file=${dir}/callgrind.out.%p`, binary, "--listen", `127.0.0.1:${port}`, "--redis-url", valkey.url, "--threads", "2"],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PODIUM_GATEWAY_TOKEN: TOKEN } },
    );
    let output = "";
    gateway.stdout.setEncoding("utf8").on("data", (d) => (output += d));
    gateway.stderr.setEncoding("utf8").on("data", (d) => (output += d));
    try {
      const deadline = Date.now() + 60_000;
      while (!/listening on http/.test(output)) {
        if (Date.now() > deadline || gateway.exitCode !== null) throw new Error(`gateway under valgrind did not start:\n${output}`);
        await sleep(100);
      }
      const url = `http://127.0.0.1:${port}`;
      await wrk(url, spec, 2);
      await run("callgrind_control", ["--zero", String(gateway.pid)]);
      const report = await wrk(url, spec, SECONDS);
      await run("callgrind_control", ["--dump", String(gateway.pid)]);
      const stats = JSON.parse(/BENCH_JSON (\{.*\})/.exec(report)[1]);
      const errors = Object.values(stats.errors).reduce((a, b) => a + b, 0);
      if (errors > 0) throw new Error(`${spec.label}: ${errors} failed requests`);
      const dumps = readdirSync(dir).filter((f) => /\.\d+$/.test(f));
      if (dumps.length === 0) throw new Error("callgrind wrote no dump");
      let instructions = 0;
      for (const f of dumps) {
        const summary = /^summary: (\d+)/m.exec(readFileSync(path.join(dir, f), "utf8"));
        instructions += Number(summary?.[1] ?? 0);
      }
      results.push({ label: spec.label, requests: stats.requests, perRequest: Math.round(instructions / stats.requests) });
      log(`${binary} ${spec.label}: ${results.at(-1).perRequest} instructions/request over ${stats.requests} requests`);
    } finally {
      gateway.kill("SIGKILL");
      await new Promise((r) => (gateway.exitCode !== null ? r() : gateway.once("exit", r)));
      await rm(dir, { recursive: true, force: true });
    }
  }
  return results;
}

async function main() {
  for (const command of ["valgrind", "callgrind_control", "wrk"]) need(command);
  const root = repoRoot();
  if (!process.env.BENCH_NO_BUILD) {
    log("cargo build --release -p podium-gateway");
    const built = spawnSync("cargo", ["build", "--release", "-p", "podium-gateway"], { cwd: root, stdio: "inherit" });
    if (built.status !== 0) throw new Error("cargo build failed");
  }
  const valkey = await startRedisServer({ kind: "valkey", args: ["--save", "", "--appendonly", "no"] });
  try {
    await seed(valkey.port);
    const current = await measure(gatewayBinaryPath({ release: true }), valkey);
    const baseline = process.env.BENCH_BASELINE_BIN ? await measure(path.resolve(process.env.BENCH_BASELINE_BIN), valkey) : null;
    const rev = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).stdout.trim();
    console.log(baseline ? `| request | baseline (${process.env.BENCH_BASELINE_BIN}) | this build (${rev}) | change |` : `| request | instructions/request (${rev}) |`);
    console.log(baseline ? "|---|---:|---:|---:|" : "|---|---:|");
    current.forEach((c, i) => {
      const fmt = (n) => n.toLocaleString("en-US");
      if (!baseline) return console.log(`| ${c.label} | ${fmt(c.perRequest)} |`);
      const b = baseline[i].perRequest;
      console.log(`| ${c.label} | ${fmt(b)} | ${fmt(c.perRequest)} | ${(((c.perRequest - b) / b) * 100).toFixed(1)} % |`);
    });
  } finally {
    await valkey.stop();
  }
}

main().catch((error) => {
  console.error(error.stack ?? error);
  process.exit(1);
});
