#!/usr/bin/env node
// `npm run soak`: the long versions of tests/reliability/*.test.mjs, with the release gateway, and
// a report of their figures as Markdown tables. Exits 1 if any run broke its expectations (the
// same checks as the tests).
//
//   1. Sustained mixed load, SOAK_LOAD_S seconds (default 60) through the Worker and then
//      straight to the gateway; then every acknowledged write read back.
//   2. The three faults under open-loop load on both paths, each phase (before, during, after)
//      SOAK_FAULT_S seconds (default 10).
//   3. The rate-limit bursts (100 and 1,000 simultaneous writes, one and two gateways).
//
// Environment: SOAK_LOAD_S, SOAK_FAULT_S, SOAK_NO_BUILD=1 (skip the release build and
// build-worker.sh --if-stale), SOAK_WRITE_DOCS=1 (replace the soak section of docs/reliability.md
// between its markers with this run's report).

import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { repoRoot, respCommand } from "../../scripts/lib/stack.mjs";
import { burst, burstProblems, startTwoGateways } from "./lib/ratelimit.mjs";
import {
  BURST_HEADER,
  burstRow,
  CHECK_HEADER,
  checkRows,
  FAULT_HEADER,
  faultRows,
  faultRss,
  LOAD_HEADER,
  LOAD_KIND_HEADER,
  loadKindRows,
  loadRow,
} from "./lib/report.mjs";
import {
  FAULT_TIMEOUT_MS,
  faultProblems,
  loadProblems,
  PLAYERS,
  runFault,
  runLoad,
  seed,
  startStack,
  verifyWrites,
} from "./lib/scenarios.mjs";

const ROOT = repoRoot();
const DOC = path.join(ROOT, "docs", "reliability.md");
const MARK_START = "<!-- soak:start -->";
const MARK_END = "<!-- soak:end -->";

const env = process.env;
const LOAD_S = Number(env.SOAK_LOAD_S ?? 60);
const FAULT_S = Number(env.SOAK_FAULT_S ?? 10);
const RATES = { worker: 100, gateway: 500 };
const CONNECTIONS = { worker: 16, gateway: 32 };

const log = (...args) => console.error("soak:", ...args);

function run(cmd, args) {
  // Their output goes to stderr: stdout carries only the report.
  const res = spawnSync(cmd, args, { cwd: ROOT, stdio: ["ignore", 2, 2] });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${res.error ?? `exit ${res.status}`})`);
}

function machine() {
  const cpus = os.cpus();
  const model = cpus[0]?.model.replace(/\s+/g, " ").trim() ?? "?";
  return `${cpus.length} × ${model}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${os.release()}`;
}

const loadAverage = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");

async function serverVersion(port) {
  const info = await respCommand(port, ["INFO", "server"]);
  // Valkey also reports redis_version (7.2.4, for compatibility): its own comes first here.
  const valkey = /^valkey_version:(\S+)/m.exec(info)?.[1];
  return valkey ? `Valkey ${valkey}` : `Redis ${/^redis_version:(\S+)/m.exec(info)?.[1] ?? "?"}`;
}

async function main() {
  const started = Date.now();
  if (env.SOAK_NO_BUILD !== "1") {
    log("cargo build --release -p podium-gateway; bash scripts/build-worker.sh --if-stale");
    run("cargo", ["build", "--release", "-p", "podium-gateway"]);
    run("bash", ["scripts/build-worker.sh", "--if-stale"]);
  }
  const loadBefore = loadAverage();
  const problems = [];
  const out = [];
  const section = (title, lines) => out.push("", `### ${title}`, "", ...lines);

  // 1. Sustained load.
  log(`load: ${LOAD_S} s through the Worker, then ${LOAD_S} s straight to the gateway`);
  let version;
  const loads = [];
  let loadCheck;
  {
    const stack = await startStack({ release: true });
    try {
      version = await serverVersion(stack.server.port);
      const models = await seed(stack);
      for (const target of ["worker", "gateway"]) {
        const result = await runLoad(stack, models, { target, durationMs: LOAD_S * 1000, concurrency: CONNECTIONS[target] });
        problems.push(...loadProblems(result));
        loads.push(result);
        log(loadRow(result));
      }
      loadCheck = await verifyWrites(stack, models);
      for (const [name, c] of Object.entries(loadCheck)) {
        if (c.wrong.length) problems.push(`load, ${name}: ${c.wrong.length} players lost acknowledged writes`);
        if (c.exact !== c.players) problems.push(`load, ${name}: ${c.players - c.exact} players with unanswered writes`);
      }
    } finally {
      await stack.stop();
    }
  }
  section("Figures: load", [...LOAD_HEADER, ...loads.map(loadRow), "", ...LOAD_KIND_HEADER, ...loads.flatMap(loadKindRows), "", ...CHECK_HEADER, ...checkRows("load", loadCheck)]);

  // 2. Faults.
  const faults = [];
  {
    const stack = await startStack({ release: true, requestTimeoutMs: FAULT_TIMEOUT_MS });
    try {
      const models = await seed(stack);
      for (const fault of ["valkey-kill", "gateway-restart", "valkey-stall"]) {
        log(`fault: ${fault}, ${FAULT_S} s before, during and after`);
        const result = await runFault(stack, models, {
          fault,
          warmMs: FAULT_S * 1000,
          faultMs: FAULT_S * 1000,
          afterMs: FAULT_S * 1000,
          rates: RATES,
        });
        problems.push(...faultProblems(result));
        faults.push(result);
        for (const row of faultRows(result)) log(row);
      }
    } finally {
      await stack.stop();
    }
  }
  section("Figures: faults", [
    ...FAULT_HEADER,
    ...faults.flatMap(faultRows),
    "",
    ...faults.map((f) => `- ${f.fault}: ${faultRss(f)}.`),
    "",
    ...CHECK_HEADER,
    ...faults.flatMap((f) => checkRows(f.fault, f.check)),
  ]);

  // 3. Rate limits under concurrency.
  log("rate limits: bursts of simultaneous writes");
  const bursts = [];
  {
    const stack = await startTwoGateways({ release: true });
    try {
      for (const c of [
        { board: "window", writes: 100, paths: 1 },
        { board: "window", writes: 1_000, paths: 1 },
        { board: "window", writes: 100, paths: 2 },
        { board: "window", writes: 1_000, paths: 2 },
        { board: "bucket", writes: 1_000, paths: 2 },
      ]) {
        const result = await burst(stack, c);
        problems.push(...burstProblems(result));
        bursts.push(result);
      }
    } finally {
      await stack.stop();
    }
  }
  section("Figures: rate limits under concurrency", [...BURST_HEADER, ...bursts.map(burstRow)]);

  const seconds = Math.round((Date.now() - started) / 1000);
  const head = [
    `_Generated by \`npm run soak\` (tests/reliability/soak.mjs) on ${new Date().toISOString().replace(/\.\d+Z$/, "Z")} in ${seconds} s;`,
    `everything between the \`soak\` markers is rewritten by \`SOAK_WRITE_DOCS=1 npm run soak\`._`,
    "",
    "```sh",
    `${LOAD_S === 60 && FAULT_S === 10 ? "" : `SOAK_LOAD_S=${LOAD_S} SOAK_FAULT_S=${FAULT_S} `}SOAK_WRITE_DOCS=1 npm run soak`,
    "```",
    "",
    `- **Machine:** ${machine()}; load average ${loadBefore} before the run and ${loadAverage()} after it`,
    "  (other work was running on the same two cores: the figures are noisy, compare them within a run).",
    `- **Versions:** podium-gateway release build, ${version} (\`--appendonly yes --appendfsync always\`), workerd via`,
    `  Miniflare, Node ${process.version}; the load generator (node:http, keep-alive) runs on the same machine.`,
    `- **Load:** ${PLAYERS.toLocaleString("en-US")} players seeded; 90 % reads (a third each: top 10, one player, around a player),`,
    `  10 % writes (a fifth of them to one hot player, whose limit of 10 per 60 s makes the intended 429s);`,
    `  closed loop, ${CONNECTIONS.worker} connections to the Worker, ${CONNECTIONS.gateway} to the gateway, ${LOAD_S} s each.`,
    `- **Faults:** open loop at ${RATES.worker} ops/s through the Worker and ${RATES.gateway} ops/s straight to the gateway at the same`,
    `  time; ${FAULT_S} s of load, ${FAULT_S} s of fault, ${FAULT_S} s after the repair; gateway \`--request-timeout-ms ${FAULT_TIMEOUT_MS}\`.`,
    problems.length ? `- **Problems:** ${problems.join("; ")}` : "- **Problems:** none: every check of the short tests held.",
  ];
  const report = [...head, ...out].join("\n");
  console.log(report);

  if (env.SOAK_WRITE_DOCS === "1") {
    const doc = readFileSync(DOC, "utf8");
    const from = doc.indexOf(MARK_START);
    const to = doc.indexOf(MARK_END);
    if (from === -1 || to < from) throw new Error(`${DOC} has no ${MARK_START} … ${MARK_END} section`);
    writeFileSync(DOC, `${doc.slice(0, from + MARK_START.length)}\n${report}\n${doc.slice(to)}`);
    log(`wrote the soak section of ${path.relative(ROOT, DOC)}`);
  }
  if (problems.length) {
    log(`${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
