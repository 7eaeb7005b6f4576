// Faults under open-loop mixed load, through the built Worker and straight to the gateway at the
// same time: Valkey (AOF, fsync always) SIGKILLed and restarted, the gateway SIGKILLed and
// restarted on its port, Valkey frozen with SIGSTOP. While down: only clear 503/504 JSON errors
// (or refused connections where the gateway itself is gone), nothing slower than the gateway's
// timeout allows; within 2 s of the repair: no more errors; afterwards every acknowledged write
// is stored. The short version of `npm run soak`.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { CHECK_HEADER, checkRows, FAULT_HEADER, faultRows, faultRss } from "./lib/report.mjs";
import { FAULT_TIMEOUT_MS, faultProblems, runFault, seed, startStack } from "./lib/scenarios.mjs";

const PHASES = { warmMs: 1_500, faultMs: 2_000, afterMs: 2_500 };
/** Well under what two shared cores serve, so that queueing in the generator is not measured. */
const RATES = { worker: 80, gateway: 300 };

let stack;
let models;

before(async () => {
  stack = await startStack({
    release: process.env.PODIUM_GATEWAY_RELEASE === "1",
    requestTimeoutMs: FAULT_TIMEOUT_MS,
  });
  models = await seed(stack);
});
after(() => stack?.stop());

const cases = {
  "valkey-kill": "Valkey killed and restarted: clear 503s, recovery within 2 s, no acknowledged write lost",
  "gateway-restart": "gateway killed and restarted on its port: 503s or refused connections, then recovery",
  "valkey-stall": "Valkey frozen (SIGSTOP): 504s at the timeout instead of a pile-up, then recovery",
};

for (const [fault, title] of Object.entries(cases)) {
  test(title, async (t) => {
    const result = await runFault(stack, models, { fault, ...PHASES, rates: RATES });
    for (const line of [...FAULT_HEADER, ...faultRows(result), faultRss(result), ...CHECK_HEADER, ...checkRows(fault, result.check)]) {
      t.diagnostic(line);
    }
    assert.deepEqual(faultProblems(result), []);
  });
}
