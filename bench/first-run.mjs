#!/usr/bin/env node
// First-run benchmark: `npm run bench:first-run`. What a new user waits for, measured as they
// would meet it: a fresh clone of this checkout's HEAD, `npm start` in it, the time until
// `Podium is ready`, and the time of each step the bootstrap and start script announce.
// `npm run bench:first-run -- test` runs `npm test` instead, to its end (its output goes to
// first-run-test.log in the current folder), and reports how long it took and how it ended.
//
// "Fresh" here means: a new clone (no target/, no worker/build, no web/pkg, no node_modules, no
// .tools), and, unless FIRST_RUN_KEEP_CARGO_HOME=1, an empty CARGO_HOME (no cargo tools, no crate
// downloads: every crate is fetched and compiled again) and an empty npm cache. What it cannot
// take away is what the machine has installed system-wide: Debian's packages (on a new machine the
// bootstrap's apt step adds about a minute for Chromium) and rustup's toolchain and wasm32 target.
// Only cargo, rustc and rustup's other proxies stay on PATH (through a directory of links), so no
// tool installed in ~/.cargo/bin is found by accident.
//
// The clone and the fresh homes are removed afterwards unless FIRST_RUN_KEEP=1. The stack is
// stopped with SIGINT, as Ctrl-C would, by the process group of the npm process it started.
//
// Environment (optional):
//   FIRST_RUN_COMMIT=rev            measure that commit instead of HEAD (e.g. the one before a change)
//   FIRST_RUN_TIMEOUT_MIN=45        give up after this many minutes
//   FIRST_RUN_KEEP_CARGO_HOME=1     use the normal CARGO_HOME (the tools are already installed)
//   FIRST_RUN_KEEP=1                keep the clone, CARGO_HOME and npm cache in the printed folder
//   FIRST_RUN_JSON=path             also write the phases as JSON

import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";

import { freePort, repoRoot } from "../scripts/lib/stack.mjs";

const timeoutMs = Number(process.env.FIRST_RUN_TIMEOUT_MIN ?? 45) * 60_000;
const keepCargoHome = process.env.FIRST_RUN_KEEP_CARGO_HOME === "1";
const keep = process.env.FIRST_RUN_KEEP === "1";

/** The lines whose first appearance marks a phase, in the order a first run meets them. */
const MARKS = [
  { name: "cargo tools started", pattern: /^bootstrap: installing .*cargo install/ },
  { name: "bootstrap done", pattern: /^bootstrap: (done in|nothing to install)/ },
  { name: "builds started", pattern: /^podium: building / },
  // Before issue 20 the builds ran one after another, each announced with its own line.
  { name: "gateway built", pattern: /^podium: building podium-gateway .*: done in/ },
  { name: "Worker built", pattern: /^podium: building the Worker .*: done in/ },
  { name: "widget built", pattern: /^podium: building the widget .*: done in/ },
  { name: "widget built", pattern: /^podium: the widget: built in/ },
  { name: "Worker built", pattern: /^podium: the Worker: built in/ },
  { name: "gateway built", pattern: /^podium: podium-gateway: built in/ },
  { name: "builds done", pattern: /^podium: builds done in/ },
  { name: "ready", pattern: /^Podium is ready/ },
  // npm test's steps (scripts/test.sh).
  { name: "tests started", pattern: /^==> cargo fmt/ },
  { name: "node tests started", pattern: /^==> PODIUM_TEST_SERVER=\S+ node --test/ },
];

function git(args, cwd) {
  const run = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr.trim()}`);
  return run.stdout.trim();
}

/** A directory holding links to rustup's proxies only, for a PATH without ~/.cargo/bin's tools. */
function rustupOnlyBin(dir) {
  const cargoBin = path.join(process.env.CARGO_HOME ?? path.join(os.homedir(), ".cargo"), "bin");
  mkdirSync(dir, { recursive: true });
  const proxies = ["cargo", "rustc", "rustup", "rustdoc", "cargo-clippy", "clippy-driver", "rustfmt", "cargo-fmt"];
  for (const name of proxies) {
    if (existsSync(path.join(cargoBin, name))) symlinkSync(path.join(cargoBin, name), path.join(dir, name));
  }
  return dir;
}

async function main() {
  const source = repoRoot();
  const rev = process.env.FIRST_RUN_COMMIT || "HEAD";
  const head = git(["rev-parse", "--short", `${rev}^{commit}`], source);
  const dirty = rev === "HEAD" && git(["status", "--porcelain", "--untracked-files=no"], source) !== "";
  const work = mkdtempSync(path.join(os.tmpdir(), "podium-first-run-"));
  const clone = path.join(work, "podium");
  console.log(`first-run: cloning ${source} at ${head}${dirty ? " (uncommitted changes are NOT in the clone)" : ""} into ${clone}`);
  git(["clone", "--quiet", "--no-hardlinks", source, clone]);
  git(["checkout", "--quiet", "--detach", head], clone);

  const env = { ...process.env, CI: "", FORCE_COLOR: "0", CARGO_TERM_COLOR: "never" };
  for (const name of ["PODIUM_GATEWAY_BIN", "CARGO_TARGET_DIR", "PODIUM_TOOLS_PATHS"]) delete env[name];
  if (!keepCargoHome) {
    env.CARGO_HOME = path.join(work, "cargo-home");
    env.npm_config_cache = path.join(work, "npm-cache");
    env.PIP_NO_CACHE_DIR = "1";
    const bin = rustupOnlyBin(path.join(work, "rustup-bin"));
    env.PATH = [bin, ...(process.env.PATH ?? "").split(path.delimiter).filter((dir) => !dir.includes(".cargo"))].join(path.delimiter);
    // rustup itself must still find its toolchains where they are.
    env.RUSTUP_HOME = process.env.RUSTUP_HOME ?? path.join(os.homedir(), ".rustup");
  }
  env.PODIUM_DEMO_PORT = String(await freePort());
  env.PODIUM_WORKER_PORT = String(await freePort());
  env.PODIUM_GATEWAY_PORT = String(await freePort());

  const startedAt = Date.now();
  const seconds = () => (Date.now() - startedAt) / 1000;
  const script = process.argv[2] === "test" ? "test" : "start";
  const testLog = script === "test" ? createWriteStream(path.resolve("first-run-test.log")) : undefined;
  const child = spawn("npm", [script], { cwd: clone, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const reached = new Map();
  let tail = [];
  let resolveReady;
  const ready = new Promise((resolve) => (resolveReady = resolve));
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      tail = [...tail.slice(-40), line];
      testLog?.write(`${line}\n`);
      const at = seconds();
      for (const mark of MARKS) {
        if (!reached.has(mark.name) && mark.pattern.test(line)) {
          reached.set(mark.name, at);
          console.log(`first-run: ${at.toFixed(0).padStart(5)} s  ${mark.name}`);
          if (mark.name === "ready") resolveReady(true);
        }
      }
      // The announced steps, as they happen.
      if (/^(bootstrap|podium): /.test(line)) console.log(`           ${line}`);
    });
  }
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const timer = setTimeout(() => resolveReady(false), timeoutMs);
  if (script === "test") {
    const ended = await Promise.race([exited, ready.then(() => undefined)]);
    clearTimeout(timer);
    const took = seconds();
    testLog.end();
    if (!ended) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (keep) console.log(`first-run: kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
    const how = ended ? (ended.code === 0 ? "passed" : `FAILED (${ended.signal ?? `exit code ${ended.code}`})`) : "timed out";
    console.log(`\nfirst-run: npm test from a fresh clone ${how} after ${(took / 60).toFixed(1)} min (${took.toFixed(0)} s) on ${os.cpus().length} cores, commit ${head}, ${new Date().toISOString().slice(0, 10)}`);
    console.log(tail.slice(-6).join("\n"));
    process.exit(ended?.code === 0 ? 0 : 1);
  }
  const outcome = await Promise.race([ready, exited.then(() => false)]);
  clearTimeout(timer);
  const readyAt = reached.get("ready");

  // Ctrl-C to the whole group: npm, bash, node and what node started.
  try {
    process.kill(-child.pid, "SIGINT");
  } catch {
    // already gone
  }
  const stopped = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 20_000))]);
  if (!stopped) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }

  const result = {
    commit: head,
    date: new Date().toISOString().slice(0, 10),
    cores: os.cpus().length,
    freshCargoHome: !keepCargoHome,
    ready: outcome === true,
    readySeconds: readyAt,
    phases: Object.fromEntries(reached),
  };
  if (process.env.FIRST_RUN_JSON) writeFileSync(process.env.FIRST_RUN_JSON, `${JSON.stringify(result, null, 2)}\n`);
  if (keep) console.log(`first-run: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });

  if (!result.ready) {
    console.error(`first-run: npm start did not get ready (${outcome === false ? "exited or timed out" : "?"}); its last lines:`);
    console.error(tail.join("\n"));
    process.exit(1);
  }
  console.log(`\nfirst-run: npm start ready after ${(readyAt / 60).toFixed(1)} min (${readyAt.toFixed(0)} s) on ${result.cores} cores, commit ${head}, ${result.date}`);
  console.log("| phase | at (s) |\n|---|---:|");
  for (const [name, at] of reached) console.log(`| ${name} | ${at.toFixed(0)} |`);
}

main().catch((err) => {
  console.error(`first-run: ${err.stack ?? err}`);
  process.exit(1);
});
