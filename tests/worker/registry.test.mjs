// The board registry through the built Worker in workerd, against the gateway and a real
// Valkey (or Redis 7): a board made with the board API takes writes and answers reads like a
// configured one, and another isolate sees a change within the documented bound,
// PODIUM_CACHE_SECONDS + 1 s (docs/architecture.md, "The board registry"), measured here.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { call, code, startWorker, submit, useWorkerStack } from "./harness.mjs";

const ADMIN_KEY = `admin_${randomBytes(16).toString("hex")}`;
const CACHE_SECONDS = 1;
const stack = useWorkerStack({
  boards: [{ id: "seeded", periods: ["alltime"] }],
  vars: { PODIUM_ADMIN_KEY: ADMIN_KEY, PODIUM_CACHE_SECONDS: String(CACHE_SECONDS) },
});

const putBoard = (target, id, body, headers = {}) => call(target, "PUT", `/v1/boards/${id}`, { body, auth: ADMIN_KEY, headers });

describe("registry boards in workerd", () => {
  /** A second Worker over the same store: another isolate, with its own registry copy. */
  let other;
  before(async () => {
    other = await startWorker(stack.bindings);
  });
  after(async () => {
    await other?.dispose();
  });

  test("a board made through the Worker takes writes and answers reads", async () => {
    const created = await putBoard(stack, "level-1", { title: "Level 1", periods: ["alltime", "daily"] });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get("etag"), `"${created.json.version}"`);
    assert.equal((await submit(stack, "level-1", { player: "alice", score: 10 })).status, 200);
    const written = await submit(stack, "level-1", { player: "bob", score: 20 });
    assert.deepEqual([written.status, written.json.rank], [200, 1], written.text);
    const top = await call(stack, "GET", "/v1/boards/level-1/top?period=daily");
    assert.deepEqual(top.json.entries.map((entry) => entry.player), ["bob", "alice"]);
    const list = await call(stack, "GET", "/v1/boards");
    assert.deepEqual(list.json.boards.map((board) => [board.id, board.source]), [["level-1", "registry"], ["seeded", "config"]]);
    const seeded = await putBoard(stack, "seeded", {});
    assert.deepEqual([seeded.status, code(seeded)], [409, "board_from_config"]);
    const byServer = await call(stack, "PUT", "/v1/boards/level-2", { body: {}, auth: stack.serverKey });
    assert.deepEqual([byServer.status, code(byServer)], [403, "admin_key_required"]);
  });

  test(`another isolate sees a change within PODIUM_CACHE_SECONDS + 1 s (${CACHE_SECONDS + 1} s)`, async () => {
    const created = await putBoard(stack, "shared", { title: "Before" });
    assert.equal(created.status, 201, created.text);
    const seen = await call(other, "GET", "/v1/boards/shared");
    assert.equal(seen.json.title, "Before", "the other isolate has it in its copy");

    const changed = await putBoard(stack, "shared", { title: "After" }, { "if-match": `"${created.json.version}"` });
    assert.equal(changed.status, 200, changed.text);
    const started = performance.now();
    let polls = 0;
    for (;;) {
      polls += 1;
      const read = await call(other, "GET", "/v1/boards/shared");
      if (read.json.title === "After") break;
      assert.ok(performance.now() - started < 10_000, "never saw the change");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const readMs = performance.now() - started;

    const retired = await call(stack, "POST", "/v1/boards/shared/retire", { auth: ADMIN_KEY });
    assert.equal(retired.status, 200, retired.text);
    const retiredAt = performance.now();
    for (;;) {
      const write = await submit(other, "shared", { player: "p", score: 1 }, { auth: stack.serverKey });
      if (write.status === 410) {
        assert.equal(code(write), "board_retired");
        break;
      }
      assert.equal(write.status, 200, write.text);
      assert.ok(performance.now() - retiredAt < 10_000, "writes never refused");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const writeMs = performance.now() - retiredAt;
    console.log(`registry refresh: a read saw the change after ${readMs.toFixed(0)} ms (${polls} polls), a write saw the retirement after ${writeMs.toFixed(0)} ms`);
    assert.ok(readMs <= (CACHE_SECONDS + 1) * 1000 + 250, `read bound: ${readMs} ms`);
    assert.ok(writeMs <= 1000 + 250, `write bound: ${writeMs} ms`);
  });
});
