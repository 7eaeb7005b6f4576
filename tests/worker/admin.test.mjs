// The admin key (PODIUM_ADMIN_KEY) through the built Worker in workerd, against the gateway and a
// real Valkey: the Worker reads the secret, moderation takes it and refuses the server key with
// 403 admin_key_required, the admin key writes nothing, and a configuration that gives both keys
// the same value is refused without printing it. Without the secret the server key moderates:
// routes.test.mjs, "moderation".

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";

import { call, code, startWorker, submit, uniquePlayer, useWorkerStack } from "./harness.mjs";

const BOARDS = [{ id: "moderated", order: "higher", policy: "best", periods: ["alltime", "daily"] }];
const ADMIN_KEY = `admin_${randomBytes(16).toString("hex")}`;

const stack = useWorkerStack({ boards: BOARDS, vars: { PODIUM_ADMIN_KEY: ADMIN_KEY, PODIUM_CACHE_SECONDS: "0" } });

const players = async (period = "alltime") =>
  (await call(stack, "GET", `/v1/boards/moderated/top?period=${period}`)).json.entries.map((entry) => entry.player);

describe("with PODIUM_ADMIN_KEY", () => {
  test("only the admin key moderates; the server key gets admin_key_required and removes nothing", async () => {
    const [cheat, honest] = [uniquePlayer("cheat"), uniquePlayer("honest")];
    assert.equal((await submit(stack, "moderated", { player: cheat, score: 1_000_000 })).status, 200);
    assert.equal((await submit(stack, "moderated", { player: honest, score: 10 })).status, 200);

    for (const path of [`/v1/boards/moderated/players/${cheat}`, `/v1/boards/moderated/players?id=${cheat}`, "/v1/boards/moderated?period=daily"]) {
      const byServer = await call(stack, "DELETE", path, { auth: stack.serverKey });
      assert.deepEqual([byServer.status, code(byServer)], [403, "admin_key_required"], `${path}: ${byServer.text}`);
      assert.ok(!byServer.text.includes(stack.serverKey) && !byServer.text.includes(ADMIN_KEY));
      const anonymous = await call(stack, "DELETE", path);
      assert.deepEqual([anonymous.status, code(anonymous)], [401, "unauthorized"], path);
    }
    assert.deepEqual(await players(), [cheat, honest], "nothing was removed");
    assert.deepEqual(await players("daily"), [cheat, honest], "nothing was emptied");

    const removed = await call(stack, "DELETE", `/v1/boards/moderated/players/${cheat}`, { auth: ADMIN_KEY });
    assert.equal(removed.status, 204, removed.text);
    assert.deepEqual(await players(), [honest]);
    assert.deepEqual(await players("daily"), [honest], "removed from every period");
    const reset = await call(stack, "DELETE", "/v1/boards/moderated?period=daily", { auth: ADMIN_KEY });
    assert.equal(reset.status, 204, reset.text);
    assert.deepEqual(await players("daily"), []);
    assert.deepEqual(await players(), [honest], "only daily was reset");
  });

  test("the admin key makes no sessions and writes no scores; the server key still does both", async () => {
    const player = uniquePlayer("p");
    const write = await submit(stack, "moderated", { player, score: 5 }, { auth: ADMIN_KEY });
    assert.deepEqual([write.status, code(write)], [403, "forbidden"], write.text);
    assert.ok(!(await players()).includes(player), "nothing was written");
    const mint = await call(stack, "POST", "/v1/sessions", { body: { player }, auth: ADMIN_KEY });
    assert.deepEqual([mint.status, code(mint)], [403, "forbidden"], mint.text);
    const made = await call(stack, "POST", "/v1/sessions", { body: { player }, auth: stack.serverKey });
    assert.equal(made.status, 201, made.text);
    const byServer = await submit(stack, "moderated", { player, score: 5 });
    assert.equal(byServer.status, 200, byServer.text);
  });
});

describe("configuration", () => {
  const workers = [];
  after(async () => {
    await Promise.all(workers.map((mf) => mf.dispose()));
  });

  test("an admin key equal to the server key is refused, naming the variables and not the value", async () => {
    const mf = await startWorker({ ...stack.bindings, PODIUM_ADMIN_KEY: stack.serverKey });
    workers.push(mf);
    const res = await call(mf, "GET", "/v1/boards");
    assert.deepEqual([res.status, code(res)], [500, "internal"], res.text);
    assert.match(res.json.error.message, /PODIUM_ADMIN_KEY must differ from PODIUM_SERVER_KEY/);
    assert.ok(!res.text.includes(stack.serverKey));
  });
});
