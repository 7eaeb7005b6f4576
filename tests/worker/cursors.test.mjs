// Cursor paging through the built Worker in workerd, against the gateway and a real Valkey (or
// Redis 7): walks by next and prev, cursors from around, refused cursors, and a viewer with no
// score answered 200. crates/podium-api/tests/cursors.rs covers the walks under writes.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { call, code, submit, uniquePlayer, useWorkerStack } from "./harness.mjs";

const BOARDS = [
  { id: "walk", order: "higher", policy: "latest", periods: ["alltime", "daily"] },
  { id: "elsewhere", order: "lower", policy: "latest", periods: ["alltime"] },
];

const stack = useWorkerStack({ boards: BOARDS, vars: { PODIUM_CACHE_SECONDS: "1" } });

const names = (page) => page.json.entries.map((e) => e.player);

async function ok(path) {
  const res = await call(stack, "GET", path);
  assert.equal(res.status, 200, `${path}: ${res.text}`);
  return res;
}

describe("cursors", () => {
  const players = Array.from({ length: 30 }, (_, i) => uniquePlayer(`w${i}`));

  test("a walk by next and back by prev gives the board's order", async () => {
    for (const [i, player] of players.entries()) {
      // Ties in threes: members order most rows.
      assert.equal((await submit(stack, "walk", { player, score: Math.floor(i / 3) })).status, 200);
      assert.equal((await submit(stack, "elsewhere", { player, score: i })).status, 200);
    }
    const all = names(await ok("/v1/boards/walk/top?limit=100"));
    assert.equal(all.length, 30);

    let page = await ok("/v1/boards/walk/top?limit=7");
    assert.equal(page.json.prev, null);
    const forwards = names(page);
    while (page.json.next) {
      page = await ok(`/v1/boards/walk/top?limit=7&after=${page.json.next}`);
      forwards.push(...names(page));
    }
    assert.deepEqual(forwards, all);
    assert.equal(page.json.entries.at(-1).rank, 30);

    const pages = [names(page)];
    while (page.json.prev) {
      page = await ok(`/v1/boards/walk/top?limit=7&before=${page.json.prev}`);
      pages.unshift(names(page));
    }
    assert.deepEqual(pages.flat(), all);
    assert.equal(page.json.entries[0].rank, 1);
  });

  test("around's cursors page away from the player both ways", async () => {
    const all = names(await ok("/v1/boards/walk/top?limit=100"));
    const around = await ok(`/v1/boards/walk/players/${all[15]}/around?radius=1`);
    assert.equal(around.json.ranked, true);
    assert.deepEqual(names(around), all.slice(14, 17));
    const below = await ok(`/v1/boards/walk/top?limit=3&after=${around.json.next}`);
    assert.deepEqual(names(below), all.slice(17, 20));
    const above = await ok(`/v1/boards/walk/top?limit=3&before=${around.json.prev}`);
    assert.deepEqual(names(above), all.slice(11, 14));
  });

  test("a viewer with no score gets a 200 with the top, not a 404", async () => {
    const fresh = await ok(`/v1/boards/walk/players/${uniquePlayer("fresh")}/around?radius=2`);
    assert.equal(fresh.json.ranked, false);
    assert.equal(fresh.json.entries.length, 5);
    assert.equal(fresh.json.entries[0].rank, 1);
  });

  test("bad, foreign and conflicting cursors are 400s with their codes", async () => {
    const walk = await ok("/v1/boards/walk/top?limit=2");
    const other = await ok("/v1/boards/elsewhere/top?limit=2");
    const cases = [
      [`/v1/boards/walk/top?after=${other.json.next}`, "cursor_mismatch"],
      [`/v1/boards/walk/top?period=daily&after=${walk.json.next}`, "cursor_mismatch"],
      ["/v1/boards/walk/top?after=bm9wZQ", "invalid_cursor"],
      ["/v1/boards/walk/top?before=%00", "invalid_cursor"],
      [`/v1/boards/walk/top?after=${walk.json.next}&before=${walk.json.next}`, "invalid_parameter"],
      [`/v1/boards/walk/top?after=${walk.json.next}&offset=2`, "invalid_parameter"],
    ];
    for (const [path, expected] of cases) {
      const res = await call(stack, "GET", path);
      assert.deepEqual([res.status, code(res)], [400, expected], `${path}: ${res.text}`);
    }
  });
});
