// Period rollover end to end: the built Worker in workerd, with its clock set per request
// (PODIUM_TEST_CLOCK=header, `x-podium-test-now`) so a test crosses midnight without waiting.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { call, redis, uniquePlayer, useWorkerStack } from "./harness.mjs";

const BOARDS = [
  { id: "day", title: "Daily", order: "higher", policy: "best", periods: ["daily", "alltime"], retention: 2 },
];
// Cached pages are keyed by URL, not by the test clock: read Redis every time here.
const stack = useWorkerStack({ boards: BOARDS, vars: { PODIUM_TEST_CLOCK: "header", PODIUM_CACHE_SECONDS: "0" } });

const at = (iso) => ({ "x-podium-test-now": String(Date.parse(iso)) });
const write = (iso, body) =>
  call(stack, "POST", "/v1/boards/day/scores", { body, auth: stack.serverKey, headers: at(iso) });
const read = (iso, query) => call(stack, "GET", `/v1/boards/day/top?${query}`, { headers: at(iso) });

describe("period rollover through the Worker", () => {
  test("a new day starts an empty daily board; yesterday's stays readable; all-time keeps both", async () => {
    const [ann, bob] = [uniquePlayer("ann"), uniquePlayer("bob")];
    const before = "2026-11-25T23:59:30Z";
    const after = "2026-11-26T00:00:30Z";

    const first = await write(before, { player: ann, score: 100 });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.json.period, { period: "daily", id: "2026-11-25" });
    assert.equal(first.json.resets_at, Date.parse("2026-11-26T00:00:00Z"));

    const second = await write(after, { player: bob, score: 50 });
    assert.equal(second.status, 200, second.text);
    assert.deepEqual(second.json.period, { period: "daily", id: "2026-11-26" });
    assert.equal(second.json.rank, 1, "bob leads the new day, though ann scored more yesterday");

    const today = await read(after, "period=daily");
    assert.equal(today.status, 200, today.text);
    assert.equal(today.json.period.id, "2026-11-26");
    assert.deepEqual(today.json.entries.map((e) => e.player), [bob]);
    assert.equal(today.json.resets_at, Date.parse("2026-11-27T00:00:00Z"));

    const yesterday = await read(after, "period=daily&at=2026-11-25");
    assert.equal(yesterday.status, 200, yesterday.text);
    assert.deepEqual(yesterday.json.entries.map((e) => [e.player, e.score]), [[ann, 100]]);

    const alltime = await read(after, "period=alltime");
    assert.deepEqual(alltime.json.entries.map((e) => [e.player, e.score]), [[ann, 100], [bob, 50]]);

    // ann's lower score today lands in today's board and leaves her all-time best alone.
    const again = await write(after, { player: ann, score: 10 });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.rank, 2);
    const allAfter = await read(after, "period=alltime");
    assert.deepEqual(allAfter.json.entries.map((e) => [e.player, e.score]), [[ann, 100], [bob, 50]]);
  });

  test("past days expire after the retention and are then refused", async () => {
    const player = uniquePlayer("old");
    const res = await write("2026-11-20T12:00:00Z", { player, score: 1 });
    assert.equal(res.status, 200, res.text);
    // The day's keys (scores and tie-break members) carry a TTL: they outlive the day by the
    // retention (2 days), not forever.
    const keys = await redis(stack, ["KEYS", "*day*2026-11-20*"]);
    assert.equal(keys.length, 2, JSON.stringify(keys));
    for (const key of keys) {
      const ttl = Number((await redis(stack, ["PTTL", key])).slice(1)); // ":<ms>"
      assert.ok(ttl > 0, `${key} has a TTL (${ttl})`);
    }
    const old = await read("2026-11-26T12:00:00Z", "period=daily&at=2026-11-20");
    assert.equal(old.status, 400, old.text);
    assert.equal(old.json.error.code, "unknown_period", "6 days back is past a retention of 2");
    const kept = await read("2026-11-22T12:00:00Z", "period=daily&at=2026-11-20");
    assert.equal(kept.status, 200, "2 days back is within it");
    assert.deepEqual(kept.json.entries.map((e) => e.player), [player]);
  });

  test("a malformed test clock is a 400, not a 500", async () => {
    const res = await call(stack, "GET", "/v1/boards/day/top", { headers: { "x-podium-test-now": "soon" } });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.error.code, "invalid_parameter");
  });
});
