// A cached top-N page is served (from the isolate's memory or the Cache API) only while it is
// fresh: one second here, the default. After that the next read sees the writes made since.

import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

import { call, submit, uniquePlayer, useWorkerStack } from "./harness.mjs";

const stack = useWorkerStack({
  boards: [{ id: "fresh", order: "higher", policy: "best", periods: ["alltime"] }],
  vars: { PODIUM_CACHE_SECONDS: "1" },
});

test("a cached page is served inside its second and never after it", async () => {
  await submit(stack, "fresh", { player: uniquePlayer("first"), score: 10 });
  const made = Date.now();
  const first = await call(stack, "GET", "/v1/boards/fresh/top?limit=5");
  assert.equal(first.json.total, 1);
  await submit(stack, "fresh", { player: uniquePlayer("second"), score: 20 });
  const again = await call(stack, "GET", "/v1/boards/fresh/top?limit=5");
  if (Date.now() - made < 900) {
    assert.equal(again.text, first.text, "inside the window the page is served from a cache");
  }
  await sleep(Math.max(0, made + 1_300 - Date.now()));
  const later = await call(stack, "GET", "/v1/boards/fresh/top?limit=5");
  assert.equal(later.json.total, 2, "after the window the page is made again");
  assert.equal(later.json.entries[0].score, 20);
});
