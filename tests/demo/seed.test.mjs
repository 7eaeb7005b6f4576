// `npm run seed` (scripts/seed.mjs running the podium-seed binary) against a real Valkey/Redis,
// the real gateway and the built Worker in workerd: what it seeds is read back through the
// Worker's public API, in the board's order, with names, and seeding again duplicates no one.
//
// Uses target/debug/podium-seed (scripts/test.sh builds it with the gateway) unless
// PODIUM_SEED_BIN says otherwise.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { before, test } from "node:test";

import { repoRoot } from "../../scripts/lib/stack.mjs";
import { call, useWorkerStack } from "../worker/harness.mjs";

const SEED_BIN = process.env.PODIUM_SEED_BIN ?? path.join(repoRoot(), "target", "debug", "podium-seed");
// The local stack's boards (podium_core::LOCAL_BOARDS_JSON, worker/wrangler.toml).
const BOARDS = [
  {
    id: "global", title: "Global", order: "higher", policy: "best", periods: ["alltime", "daily"],
    rate_limits: { player: { limit: 10, window_seconds: 10 } },
  },
  { id: "speedrun", title: "Speedrun", order: "lower", policy: "best", periods: ["alltime"] },
];
const PLAYERS = 3_000;

const stack = useWorkerStack({ boards: BOARDS });

before(() => {
  if (!existsSync(SEED_BIN)) throw new Error(`${SEED_BIN} not found: cargo build -p podium-seed`);
});

/** Runs `node scripts/seed.mjs args…`; resolves with {code, stdout, stderr}. */
function runSeed(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot(), "scripts", "seed.mjs"), ...args], {
      cwd: repoRoot(),
      env: { ...process.env, PODIUM_SEED_BIN: SEED_BIN, PODIUM_BOARDS: JSON.stringify(BOARDS), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

function seedArgs(board, extra = []) {
  return ["--board", board, "--players", String(PLAYERS), "--gateway", stack.gateway.url, ...extra];
}

test("seeded players are read back through the Worker in the board's order", async () => {
  for (const [board, better] of [["global", (a, b) => a >= b], ["speedrun", (a, b) => a <= b]]) {
    const run = await runSeed(seedArgs(board), { UPSTASH_REDIS_REST_TOKEN: stack.gateway.token });
    assert.equal(run.code, 0, run.stderr);
    const m = /^Seeded (\d+) players into (\w+) in ([\d.]+) s \((\d+) players\/s\); the board now holds (\d+) players/m.exec(
      run.stdout,
    );
    assert.ok(m, run.stdout);
    assert.equal(Number(m[1]), PLAYERS);
    assert.equal(m[2], board);
    assert.equal(Number(m[5]), PLAYERS);
    assert.ok(Number(m[4]) > 0);

    const top = await call(stack, "GET", `/v1/boards/${board}/top?limit=100`);
    assert.equal(top.status, 200, top.text);
    assert.equal(top.json.total, PLAYERS);
    const entries = top.json.entries;
    assert.equal(entries.length, 100);
    for (const [i, entry] of entries.entries()) {
      assert.equal(entry.rank, i + 1);
      assert.match(entry.player, /^seed-\d{6}$/);
      assert.match(entry.name, /^[A-Z][a-z]+ [A-Z][a-z]+ \d+$/);
      assert.equal(entry.name.split(" ")[2], String(Number(entry.player.slice(5))));
      if (i > 0) assert.ok(better(entries[i - 1].score, entry.score), `${board} out of order at ${i}`);
    }

    // One seeded player, read on its own: the same score and rank.
    const first = entries[0];
    const one = await call(stack, "GET", `/v1/boards/${board}/players/${first.player}`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.score, first.score);
    assert.equal(one.json.rank, 1);
  }
  // The global board keeps a daily period too: the seed wrote both.
  const daily = await call(stack, "GET", "/v1/boards/global/top?period=daily&limit=1");
  assert.equal(daily.json.total, PLAYERS);
});

test("seeding again keeps one entry per player", async () => {
  const run = await runSeed(seedArgs("speedrun", ["--seed", "2"]), { UPSTASH_REDIS_REST_TOKEN: stack.gateway.token });
  assert.equal(run.code, 0, run.stderr);
  const top = await call(stack, "GET", "/v1/boards/speedrun/top?limit=1");
  assert.equal(top.json.total, PLAYERS);
});

test("a wrong token or an unknown board fails with a message and a non-zero exit", async () => {
  const wrong = await runSeed(seedArgs("global"), { UPSTASH_REDIS_REST_TOKEN: "not-the-token" });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /podium-seed: unauthorized/);

  const unknown = await runSeed(seedArgs("nope"), { UPSTASH_REDIS_REST_TOKEN: stack.gateway.token });
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /no board "nope"; configured: global, speedrun/);
});
