// The Worker's cases of the attack run (issue "Safety first") through workerd, where URLs are
// normalised before the Worker sees them: dot-segment player ids, destructive routes that must
// name what they destroy, the refusal cache after authentication and per limit, unparsable
// client addresses, and `Vary: Origin` on every top read. crates/podium-api/tests/safety.rs
// holds the same cases natively.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { call, code, redis, session, submit, uniquePlayer, useWorkerStack } from "./harness.mjs";

const BOARDS = [
  { id: "wipe", order: "higher", policy: "best", periods: ["alltime"] },
  { id: "legacy", order: "higher", policy: "best", periods: ["alltime"] },
  { id: "throttled", order: "higher", policy: "best", periods: ["alltime"], rate_limits: { player: { limit: 2, window_seconds: 600 } } },
  {
    id: "by-address",
    order: "higher",
    policy: "best",
    periods: ["alltime"],
    rate_limits: { player: { limit: 100, window_seconds: 600 }, ip: { limit: 3, window_seconds: 600 } },
  },
  { id: "shared-bucket", order: "higher", policy: "best", periods: ["alltime"], rate_limits: { ip: { limit: 3, window_seconds: 600 } } },
];

const stack = useWorkerStack({ boards: BOARDS, vars: { PODIUM_CORS_ORIGINS: "https://game.example", PODIUM_CACHE_SECONDS: "30" } });

// Top pages are cached for 30 s: a URL of its own each time reads the board as it is now.
const total = async (board) => {
  const res = await call(stack, "GET", `/v1/boards/${board}/top?period=alltime&fresh=${uniquePlayer("read")}`);
  assert.equal(res.status, 200, res.text);
  return res.json.total;
};

describe("ids that URLs rewrite", () => {
  test("removing player .. or . never empties the board", async () => {
    for (const player of ["alice", "bob"]) assert.equal((await submit(stack, "wipe", { player, score: 1 })).status, 200);
    for (const path of ["%2E%2E", "%2e%2e", "..", ".%2E", "%2E", "."]) {
      const res = await call(stack, "DELETE", `/v1/boards/wipe/players/${path}`, { auth: stack.serverKey });
      assert.equal(res.status, 400, `${path}: ${res.text}`);
      assert.equal(code(res), "missing_parameter", path);
    }
    assert.equal(await total("wipe"), 2, "the board is whole");
  });

  test("a reset names its period", async () => {
    const res = await call(stack, "DELETE", "/v1/boards/wipe", { auth: stack.serverKey });
    assert.deepEqual([res.status, code(res)], [400, "missing_parameter"]);
    assert.equal(await total("wipe"), 2);
    const named = await call(stack, "DELETE", "/v1/boards/wipe?period=alltime", { auth: stack.serverKey });
    assert.equal(named.status, 204);
    assert.equal(await total("wipe"), 0);
  });

  test(". and .. are refused for new scores and sessions", async () => {
    for (const player of [".", ".."]) {
      const write = await submit(stack, "legacy", { player, score: 1 });
      assert.deepEqual([write.status, code(write)], [400, "invalid_player"], player);
      const login = await call(stack, "POST", "/v1/sessions", { auth: stack.serverKey, body: { player } });
      assert.deepEqual([login.status, code(login)], [400, "invalid_player"], player);
    }
  });

  test("players stored as . and .. stay readable and removable by ?id=", async () => {
    assert.equal((await submit(stack, "legacy", { player: "alice", score: 5 })).status, 200);
    // The layout a write made before ids were checked for dot-segments: alice's keys, with `..`.
    const [scores] = await redis(stack, ["KEYS", "{podium:legacy}:scores:*"]);
    const [members] = await redis(stack, ["KEYS", "{podium:legacy}:members:*"]);
    assert.ok(scores && members, "alice's write made the period's keys");
    for (const [player, points, arrival] of [["..", 20, "fffffffffffffff0"], [".", 10, "fffffffffffffff1"]]) {
      await redis(stack, ["ZADD", scores, String(points), `${arrival}:${player}`]);
      await redis(stack, ["HSET", members, player, `${arrival}:${player}`]);
    }
    assert.equal(await total("legacy"), 3);
    const read = await call(stack, "GET", "/v1/boards/legacy/players?id=..");
    assert.equal(read.status, 200, read.text);
    assert.deepEqual([read.json.player, read.json.rank, read.json.score], ["..", 1, 20]);
    const anonymous = await call(stack, "DELETE", "/v1/boards/legacy/players?id=..");
    assert.equal(anonymous.status, 401);
    for (const id of ["..", "."]) {
      const removed = await call(stack, "DELETE", `/v1/boards/legacy/players?id=${id}`, { auth: stack.serverKey });
      assert.equal(removed.status, 204, `${id}: ${removed.text}`);
    }
    assert.equal(await total("legacy"), 1, "alice is left");
  });
});

describe("the refusal cache", () => {
  test("answers only writers the script authenticated", async () => {
    const player = uniquePlayer("throttled");
    const token = await session(stack, player);
    for (let score = 1; score <= 2; score++) assert.equal((await submit(stack, "throttled", { player, score }, { auth: token })).status, 200);
    for (let score = 3; score <= 4; score++) assert.equal((await submit(stack, "throttled", { player, score }, { auth: token })).status, 429);
    const garbage = await submit(stack, "throttled", { player, score: 5 }, { auth: "not-a-session" });
    assert.deepEqual([garbage.status, code(garbage)], [401, "unauthorized"], garbage.text);
    assert.equal(garbage.headers.get("retry-after"), null, "nothing about the throttle leaks");
    const foreign = await submit(stack, "throttled", { player, score: 5 }, { auth: await session(stack, uniquePlayer("other")) });
    assert.deepEqual([foreign.status, code(foreign)], [403, "forbidden"], foreign.text);
    assert.equal(foreign.headers.get("retry-after"), null);
  });

  test("an address refusal refuses the address, not the player elsewhere", async () => {
    const player = uniquePlayer("roaming");
    const from = (address, who = player) => submit(stack, "by-address", { player: who, score: 1 }, { headers: { "cf-connecting-ip": address } });
    for (let i = 0; i < 3; i++) assert.equal((await from("203.0.113.1", uniquePlayer("mate"))).status, 200);
    assert.equal((await from("203.0.113.1")).status, 429, "the fourth write from A");
    const elsewhere = await from("198.51.100.2");
    assert.equal(elsewhere.status, 200, `the same player from B: ${elsewhere.text}`);
    assert.equal((await from("203.0.113.1", uniquePlayer("late"))).status, 429, "A stays refused");
  });

  test("unparsable addresses share one bucket instead of no limit", async () => {
    const from = (address) => submit(stack, "shared-bucket", { player: uniquePlayer("anon"), score: 1 }, { headers: { "cf-connecting-ip": address } });
    for (const address of ["garbage", "1.2.3.4.5", "::zz"]) assert.equal((await from(address)).status, 200, address);
    const fourth = await from("still-not-an-address");
    assert.deepEqual([fourth.status, code(fourth)], [429, "rate_limited"], fourth.text);
    assert.equal((await from("203.0.113.7")).status, 200, "a real address has its own bucket");
  });
});

describe("Vary: Origin", () => {
  test("on every top read, fresh or cached, with or without a grant", async () => {
    await submit(stack, "wipe", { player: "carol", score: 3 });
    const path = `/v1/boards/wipe/top?limit=3&n=${uniquePlayer("vary")}`;
    for (const headers of [{}, {}, { origin: "https://game.example" }, { origin: "https://other.example" }, {}]) {
      const res = await call(stack, "GET", path, { headers });
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get("cache-control") ?? "", /public/);
      assert.equal(res.headers.get("vary"), "Origin", JSON.stringify(headers));
      const granted = headers.origin === "https://game.example";
      assert.equal(res.headers.get("access-control-allow-origin"), granted ? "https://game.example" : null);
    }
  });
});
