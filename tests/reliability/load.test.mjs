// Sustained mixed load (90 % reads, 10 % writes, 10,000 players) through the built Worker in
// workerd and straight to the gateway: nothing but 2xx and the hot player's intended 429s, the
// gateway's memory bounded, and every acknowledged write stored. The short version of
// `npm run soak`; PODIUM_LOAD_MS sets each phase's length (default 6 s).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { LOAD_HEADER, loadRow } from "./lib/report.mjs";
import { loadProblems, runLoad, seed, startStack, verifyWrites } from "./lib/scenarios.mjs";

const DURATION_MS = Number(process.env.PODIUM_LOAD_MS ?? 6_000);

let stack;
let models;

before(async () => {
  stack = await startStack({ release: process.env.PODIUM_GATEWAY_RELEASE === "1" });
  models = await seed(stack);
});
after(() => stack?.stop());

for (const [target, concurrency] of [
  ["worker", 16],
  ["gateway", 32],
]) {
  test(`mixed load through the ${target}: only 2xx and intended 429s, memory bounded`, async (t) => {
    const result = await runLoad(stack, models, { target, durationMs: DURATION_MS, concurrency });
    for (const line of [...LOAD_HEADER, loadRow(result)]) t.diagnostic(line);
    assert.deepEqual(loadProblems(result), []);
    assert.ok(result.byKind.write.requests > 0 && result.byKind.around.requests > 0, "every kind of operation ran");
  });
}

test("every acknowledged write is stored, exactly", async () => {
  const check = await verifyWrites(stack, models);
  for (const [name, c] of Object.entries(check)) {
    assert.deepEqual(c.wrong, [], `${name}: players whose stored score misses acknowledged writes`);
    assert.ok(c.acknowledged > 0, `${name}: no write was acknowledged`);
    // Without faults every write is answered, so each total is known exactly.
    assert.equal(c.exact, c.players, `${name}: writes without a definite answer`);
  }
});
