// The Worker's main module is worker/entry.mjs, which reads each request body before the Rust
// handler runs and hands it over on the request. The handler must still work when started from
// worker-build's own entry (worker/build/index.js), which does not: it then reads the body itself.

import assert from "node:assert/strict";
import path from "node:path";
import { after, test } from "node:test";

import { WORKER_DIR, call, startWorker, submit, uniquePlayer, useWorkerStack } from "./harness.mjs";

const stack = useWorkerStack({
  boards: [{ id: "entry", order: "higher", policy: "best", periods: ["alltime"] }],
  vars: { PODIUM_CACHE_SECONDS: "0" },
});

let plain;
after(async () => {
  await plain?.dispose();
});

test("a write through worker-build's own entry reads its body in the handler", async () => {
  plain = await startWorker(stack.bindings, { scriptPath: path.join(WORKER_DIR, "build", "index.js") });
  const player = uniquePlayer("plain");
  const written = await submit({ mf: plain }, "entry", { player, score: 42, name: "Plain" }, { auth: stack.serverKey });
  assert.equal(written.status, 200, JSON.stringify(written.json));
  assert.equal(written.json.score, 42);

  // The same write seen through the usual entry, so it reached Redis as sent.
  const read = await call(stack, "GET", `/v1/boards/entry/players/${player}`);
  assert.equal(read.status, 200);
  assert.equal(read.json.score, 42);
  assert.equal(read.json.name, "Plain");

  // And a body that is not JSON is still the client's mistake there.
  const bad = await call(plain, "POST", "/v1/boards/entry/scores", { body: "{", auth: stack.serverKey });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "invalid_json");
});
