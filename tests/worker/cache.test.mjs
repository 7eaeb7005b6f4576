// Reads at the edge through the built Worker: ETags and 304s, the Cache API keeping Redis calls
// per board independent of viewers (counted at the gateway), CORS on cached pages.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { call, gatewayRequests, submit, uniquePlayer, useWorkerStack } from "./harness.mjs";

const BOARDS = [
  { id: "popular", order: "higher", policy: "best", periods: ["alltime"] },
  { id: "etags", order: "higher", policy: "best", periods: ["alltime"] },
  { id: "cors", order: "higher", policy: "best", periods: ["alltime"] },
];

// A freshness window comfortably longer than 200 sequential reads on a busy 2-core machine.
const CACHE_SECONDS = 30;

const stack = useWorkerStack({
  boards: BOARDS,
  vars: { PODIUM_CACHE_SECONDS: String(CACHE_SECONDS), PODIUM_CORS_ORIGINS: "https://game.example" },
});

describe("edge cache", () => {
  test("200 reads of one top-N inside the freshness window cost at most 2 gateway calls", async () => {
    for (let i = 0; i < 5; i++) await submit(stack, "popular", { player: uniquePlayer(), score: i * 10 });
    // Load the read script first (NOSCRIPT, then EVAL), so that only cache misses are counted.
    await call(stack, "GET", "/v1/boards/popular/top?limit=1");
    const before = await gatewayRequests(stack);
    const bodies = new Set();
    for (let i = 0; i < 200; i++) {
      const res = await call(stack, "GET", "/v1/boards/popular/top?limit=10");
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get("cache-control"), `public, max-age=${CACHE_SECONDS}`);
      bodies.add(res.text);
    }
    const calls = (await gatewayRequests(stack)) - before;
    console.log(`# 200 top-10 reads cost ${calls} gateway call(s)`);
    assert.ok(calls >= 1 && calls <= 2, `${calls} gateway calls`);
    assert.equal(bodies.size, 1, "every read saw the same page");
    assert.equal(JSON.parse([...bodies][0]).total, 5);
  });

  test("one board's configuration is cached like top: public for the window, 304 on its ETag", async () => {
    const first = await call(stack, "GET", "/v1/boards/popular");
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.id, "popular");
    assert.equal(first.headers.get("cache-control"), `public, max-age=${CACHE_SECONDS}`);
    const again = await call(stack, "GET", "/v1/boards/popular", { headers: { "if-none-match": first.headers.get("etag") } });
    assert.equal(again.status, 304);
    const listed = (await call(stack, "GET", "/v1/boards")).json.boards.find((board) => board.id === "popular");
    assert.deepEqual(first.json, listed, "the same as the list shows it");
  });

  test("a cached page stays until its window ends; other queries are other pages", async () => {
    const first = await call(stack, "GET", "/v1/boards/popular/top?limit=10");
    await submit(stack, "popular", { player: uniquePlayer("late"), score: 1_000_000 });
    const cached = await call(stack, "GET", "/v1/boards/popular/top?limit=10");
    assert.equal(cached.text, first.text, "served from the cache inside the window");
    const other = await call(stack, "GET", "/v1/boards/popular/top?limit=3");
    assert.equal(other.json.entries[0].score, 1_000_000, "a different URL is a different entry");
  });

  test("writes, sessions and other reads are never cached", async () => {
    const player = uniquePlayer("fresh");
    await submit(stack, "popular", { player, score: 5 });
    // The first read loads its script (NOSCRIPT, then EVAL): count from the second on.
    await call(stack, "GET", `/v1/boards/popular/players/${player}`);
    const before = await gatewayRequests(stack);
    for (let score = 6; score <= 8; score++) {
      const write = await submit(stack, "popular", { player, score });
      assert.equal(write.json.score, score);
      const me = await call(stack, "GET", `/v1/boards/popular/players/${player}`);
      assert.equal(me.json.score, score, "player reads are live");
    }
    assert.equal((await gatewayRequests(stack)) - before, 6, "one gateway call per write and per read");
  });
});

describe("ETags", () => {
  test("If-None-Match gives 304, on a cache miss and on a hit", async () => {
    await submit(stack, "etags", { player: uniquePlayer(), score: 1 });
    const url = "/v1/boards/etags/top";
    const first = await call(stack, "GET", url);
    const etag = first.headers.get("etag");
    assert.match(etag ?? "", /^"[0-9a-f]+"$/);
    const hit = await call(stack, "GET", url, { headers: { "if-none-match": etag } });
    assert.equal(hit.status, 304);
    assert.equal(hit.text, "");
    assert.equal(hit.headers.get("etag"), etag);
    const weak = await call(stack, "GET", url, { headers: { "if-none-match": `"nope", W/${etag}` } });
    assert.equal(weak.status, 304, "weak comparison, lists");
    const stale = await call(stack, "GET", url, { headers: { "if-none-match": '"nope"' } });
    assert.equal(stale.status, 200);
    assert.equal(stale.text, first.text);

    // A URL not cached yet, asked conditionally: the Worker still stores the page, then answers 304.
    const missUrl = "/v1/boards/etags/top?limit=5";
    const page = await call(stack, "GET", missUrl, { headers: { "if-none-match": '"nope"' } });
    const missEtag = page.headers.get("etag");
    const fresh = await call(stack, "GET", "/v1/boards/etags/top?limit=7", { headers: { "if-none-match": missEtag } });
    assert.equal(fresh.status, 304, "same body, same ETag, whatever the URL");
  });
});

describe("CORS on cached pages", () => {
  test("each reader gets the CORS headers of its own origin", async () => {
    await submit(stack, "cors", { player: uniquePlayer(), score: 1 });
    const url = "/v1/boards/cors/top";
    const allowed = await call(stack, "GET", url, { headers: { origin: "https://game.example" } });
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://game.example");
    const evil = await call(stack, "GET", url, { headers: { origin: "https://evil.example" } });
    assert.equal(evil.status, 200);
    assert.equal(evil.headers.get("access-control-allow-origin"), null, "not the first reader's origin");
    const none = await call(stack, "GET", url);
    assert.equal(none.headers.get("access-control-allow-origin"), null);
    const again = await call(stack, "GET", url, { headers: { origin: "https://game.example" } });
    assert.equal(again.headers.get("access-control-allow-origin"), "https://game.example");
    assert.match(again.headers.get("access-control-expose-headers") ?? "", /ETag/);
  });
});
