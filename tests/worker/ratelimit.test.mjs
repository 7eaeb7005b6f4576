// Rate limits through the built Worker: exact under concurrency, refusals with Retry-After and
// RateLimit-* headers, per-address limits, and the per-isolate block cache sparing Redis.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  clearOfWindowEdge,
  code,
  gatewayRequests,
  session,
  submit,
  uniquePlayer,
  useWorkerStack,
} from "./harness.mjs";

// Windows far longer than a test, so nothing slides back in while it runs.
const BOARDS = [
  { id: "limited", order: "higher", policy: "best", periods: ["alltime"], rate_limits: { player: { limit: 10, window_seconds: 600 } } },
  {
    id: "bucket",
    order: "higher",
    policy: "sum",
    periods: ["alltime"],
    rate_limits: { player: { limit: 3, window_seconds: 600, algorithm: "token_bucket" } },
  },
  { id: "per-ip", order: "higher", policy: "best", periods: ["alltime"], rate_limits: { ip: { limit: 3, window_seconds: 600 } } },
];

const stack = useWorkerStack({ boards: BOARDS });

describe("rate limits", () => {
  test("exactly 10 of 100 simultaneous writes succeed with a limit of 10", async () => {
    const player = uniquePlayer("burst");
    await clearOfWindowEdge(600);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => submit(stack, "limited", { player, score: i + 1 })),
    );
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 10, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 429).length, 90);
    const stored = results.filter((r) => r.status === 200).map((r) => r.json.score);
    const top = await (await stack.mf.dispatchFetch(`http://podium.test/v1/boards/limited/players/${player}`)).json();
    assert.equal(top.score, Math.max(...stored), "the best accepted score is the stored one");
  });

  test("a refusal is 429 rate_limited with Retry-After and RateLimit-* headers", async () => {
    const player = uniquePlayer("headers");
    for (let i = 1; i <= 10; i++) {
      const ok = await submit(stack, "limited", { player, score: i });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.headers.get("ratelimit-limit"), "10");
      assert.equal(ok.headers.get("ratelimit-remaining"), String(10 - i));
      assert.ok(Number(ok.headers.get("ratelimit-reset")) >= 0);
    }
    const refused = await submit(stack, "limited", { player, score: 11 });
    assert.deepEqual([refused.status, code(refused)], [429, "rate_limited"]);
    assert.equal(refused.headers.get("ratelimit-limit"), "10");
    assert.equal(refused.headers.get("ratelimit-remaining"), "0");
    const retry = Number(refused.headers.get("retry-after"));
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 600, `Retry-After ${retry}`);
    const reset = Number(refused.headers.get("ratelimit-reset"));
    assert.ok(reset >= 1 && reset <= 600, `RateLimit-Reset ${reset}`);
    const other = await submit(stack, "limited", { player: uniquePlayer("other"), score: 1 });
    assert.equal(other.status, 200, "limits are per player");
  });

  test("a refused player is refused again without a Redis call (block cache)", async () => {
    const player = uniquePlayer("blocked");
    for (let i = 1; i <= 11; i++) await submit(stack, "limited", { player, score: i });
    const before = await gatewayRequests(stack);
    for (let i = 0; i < 5; i++) {
      const again = await submit(stack, "limited", { player, score: 100 });
      assert.equal(again.status, 429);
    }
    assert.equal(await gatewayRequests(stack), before, "no gateway call for a blocked player");
  });

  test("sessions are limited like the server key", async () => {
    const player = uniquePlayer("sess");
    const token = await session(stack, player);
    const statuses = [];
    for (let i = 1; i <= 11; i++) statuses.push((await submit(stack, "limited", { player, score: i }, { auth: token })).status);
    assert.deepEqual(statuses, [...Array(10).fill(200), 429]);
  });

  test("token bucket: the same result shape", async () => {
    const player = uniquePlayer("bucket");
    const results = await Promise.all(Array.from({ length: 10 }, () => submit(stack, "bucket", { player, score: 1 })));
    assert.equal(results.filter((r) => r.status === 200).length, 3);
    const refused = results.find((r) => r.status === 429);
    assert.equal(refused.headers.get("ratelimit-limit"), "3");
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    const total = await (await stack.mf.dispatchFetch(`http://podium.test/v1/boards/bucket/players/${player}`)).json();
    assert.equal(total.score, 3, "only accepted writes were applied");
  });

  test("per-address limits follow CF-Connecting-IP", async () => {
    const from = (ip) => ({ headers: { "cf-connecting-ip": ip } });
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await submit(stack, "per-ip", { player: uniquePlayer("ip"), score: 1 }, from("203.0.113.7"))).status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const elsewhere = await submit(stack, "per-ip", { player: uniquePlayer("ip"), score: 1 }, from("2001:db8::1"));
    assert.equal(elsewhere.status, 200, "another address has its own budget");
  });
});
