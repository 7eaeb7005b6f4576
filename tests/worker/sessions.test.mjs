// Sessions in constant cost (issue 15), through the built Worker in workerd: a session made on a
// deployment of 10,000 boards costs the same Redis commands as on one board (none), read from the
// gateway's /_metrics command counter; a session write is one gateway request once the isolate's
// copy of the ended sessions is fresh; ending a session is two commands whatever the board count.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { call, gatewayCommands, gatewayRequests, startWorker, submit, useWorkerStack } from "./harness.mjs";

const ONE_BOARD = [{ id: "b0", order: "higher", policy: "best", periods: ["alltime", "daily"] }];
const MANY_BOARDS = Array.from({ length: 10_000 }, (_, i) => ({ id: `b${i}`, order: "higher", policy: "best", periods: ["alltime"] }));

const stack = useWorkerStack({ boards: ONE_BOARD });

/** What `step` cost: gateway requests and Redis commands. */
async function cost(step) {
  const [requests, commands] = [await gatewayRequests(stack), await gatewayCommands(stack)];
  const result = await step();
  return { requests: (await gatewayRequests(stack)) - requests, commands: (await gatewayCommands(stack)) - commands, result };
}

/** Session made, first write (reads the ended sessions), a second write, the end: their costs. */
async function sessionCosts(target, player) {
  await submit(target, "b0", { player: "warm", score: 1 }, { auth: stack.serverKey });
  const made = await cost(() => call(target, "POST", "/v1/sessions", { body: { player }, auth: stack.serverKey }));
  assert.equal(made.result.status, 201, made.result.text);
  const { token } = made.result.json;
  const first = await cost(() => submit(target, "b0", { player, score: 1 }, { auth: token }));
  assert.equal(first.result.status, 200, first.result.text);
  const write = await cost(() => submit(target, "b0", { player, score: 2 }, { auth: token }));
  assert.equal(write.result.status, 200, write.result.text);
  const end = await cost(() => call(target, "DELETE", "/v1/sessions/current", { auth: token }));
  assert.equal(end.result.status, 204, end.result.text);
  const strip = ({ requests, commands }) => ({ requests, commands });
  return { made: strip(made), first: strip(first), write: strip(write), end: strip(end) };
}

describe("sessions in constant cost", () => {
  test("10,000 boards cost the same Redis commands as one", async () => {
    const many = await startWorker({ ...stack.bindings, PODIUM_BOARDS: JSON.stringify(MANY_BOARDS) });
    try {
      const one = await sessionCosts(stack, "alice");
      const tenThousand = await sessionCosts(many, "bob");
      console.log(`# 1 board: ${JSON.stringify(one)}`);
      console.log(`# 10,000 boards: ${JSON.stringify(tenThousand)}`);
      assert.deepEqual(one.made, { requests: 0, commands: 0 }, "making a session touches no Redis");
      // A fresh isolate's first session request reads the ended sessions; a write within the
      // second after is one request. (Timing: the two writes are milliseconds apart.)
      assert.deepEqual(one.first, { requests: 2, commands: 2 });
      assert.deepEqual(one.write, { requests: 1, commands: 1 }, "one round trip");
      assert.deepEqual(one.end, { requests: 1, commands: 2 });
      assert.deepEqual(tenThousand, one);
    } finally {
      await many.dispose();
    }
  });
});
