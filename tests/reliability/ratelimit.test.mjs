// Rate limits hold under concurrency: 100 and 1,000 simultaneous writes for one player with a
// limit of 10, through one Worker and split over two Workers each with its own gateway on one
// Valkey: exactly 10 succeed, every other write is a 429 with Retry-After, and the stored total
// is the sum of the accepted writes.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { BURST_HEADER, burstRow } from "./lib/report.mjs";
import { burst, burstProblems, startTwoGateways } from "./lib/ratelimit.mjs";

let stack;

before(async () => {
  stack = await startTwoGateways({ release: process.env.PODIUM_GATEWAY_RELEASE === "1" });
});
after(() => stack?.stop());

const cases = [
  { board: "window", writes: 1_000, paths: 1 },
  { board: "window", writes: 100, paths: 2 },
  { board: "window", writes: 1_000, paths: 2 },
  { board: "bucket", writes: 1_000, paths: 2 },
];

for (const c of cases) {
  test(`${c.writes} simultaneous writes on ${c.board} over ${c.paths} gateway(s): exactly 10 accepted`, async (t) => {
    const result = await burst(stack, c);
    for (const line of [...BURST_HEADER, burstRow(result)]) t.diagnostic(line);
    assert.deepEqual(burstProblems(result), []);
  });
}
