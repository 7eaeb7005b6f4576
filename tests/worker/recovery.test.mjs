// A trap in the Worker's wasm (what a Rust panic becomes: panic = "abort") leaves the instance's
// memory as it was mid-call. The entry module (worker/shim.js) then starts a fresh instance for
// the next request, so one bad request costs one answer, not the isolate. The trap is set off
// by a test-only header, honoured only with PODIUM_TEST_CLOCK=header.

import assert from "node:assert/strict";
import { test } from "node:test";

import { call, gatewayRequests, submit, uniquePlayer, useWorkerStack } from "./harness.mjs";

const stack = useWorkerStack({
  boards: [
    {
      id: "trap",
      order: "higher",
      policy: "best",
      periods: ["alltime"],
      rate_limits: { player: { limit: 1, window_seconds: 3600 } },
    },
  ],
  vars: { PODIUM_TEST_CLOCK: "header", PODIUM_CACHE_SECONDS: "0" },
});

test("after a trap the next request is served by a fresh instance", async () => {
  const player = uniquePlayer("limited");
  assert.equal((await submit(stack, "trap", { player, score: 1 })).status, 200);
  assert.equal((await submit(stack, "trap", { player, score: 2 })).status, 429);
  // The isolate now remembers the refusal: another write is refused without a Redis call.
  let before = await gatewayRequests(stack);
  assert.equal((await submit(stack, "trap", { player, score: 3 })).status, 429);
  assert.equal(await gatewayRequests(stack), before, "refused from the isolate's block cache");

  const trapped = await call(stack, "GET", "/v1/boards", { headers: { "x-podium-test-trap": "1" } });
  assert.ok(trapped.status >= 500, `the trapped request fails (${trapped.status})`);

  // A fresh instance: it answers, and it has forgotten the refusal, so it asks Redis again
  // (which still refuses: the window lives in Redis).
  const boards = await call(stack, "GET", "/v1/boards");
  assert.equal(boards.status, 200);
  assert.deepEqual(boards.json.boards.map((board) => board.id), ["trap"]);
  before = await gatewayRequests(stack);
  assert.equal((await submit(stack, "trap", { player, score: 4 })).status, 429);
  assert.equal(await gatewayRequests(stack), before + 1, "the new instance's block cache starts empty");
  const top = await call(stack, "GET", "/v1/boards/trap/top");
  assert.equal(top.status, 200);
  assert.deepEqual(top.json.entries.map((entry) => entry.score), [1]);
});
