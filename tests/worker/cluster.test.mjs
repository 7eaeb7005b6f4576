// The built Worker in workerd over the gateway in front of a 3-node Valkey (or Redis 7) cluster
// (`--cluster`): a board's keys share one hash tag and the registry has its own, so every script
// runs on one node. The flow a studio runs on ElastiCache: make a board with the board API,
// write with the server key and with a session, read, change it, retire it and purge it, each
// step checked against what the board holds.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { startCluster, startGateway } from "../../scripts/lib/stack.mjs";
import { SERVER_KIND, call, code, startWorker } from "./harness.mjs";

const ADMIN_KEY = `admin_${randomBytes(16).toString("hex")}`;
const stack = { serverKey: `server_${randomBytes(16).toString("hex")}` };
let cluster;

before(async () => {
  cluster = await startCluster({ nodes: 3, kind: SERVER_KIND });
  try {
    stack.gateway = await startGateway({ redisUrl: cluster.urls.join(","), extraArgs: ["--cluster"] });
    stack.mf = await startWorker({
      UPSTASH_REDIS_REST_URL: stack.gateway.url,
      UPSTASH_REDIS_REST_TOKEN: stack.gateway.token,
      PODIUM_SERVER_KEY: stack.serverKey,
      PODIUM_ADMIN_KEY: ADMIN_KEY,
      PODIUM_BOARDS: JSON.stringify([{ id: "global", periods: ["alltime", "daily"] }]),
      PODIUM_CACHE_SECONDS: "0",
    });
  } catch (err) {
    await stack.gateway?.stop();
    await cluster.stop();
    throw err;
  }
});

after(async () => {
  await stack.mf?.dispose();
  await stack.gateway?.stop();
  await cluster?.stop();
});

const write = (board, body, auth = stack.serverKey) => call(stack, "POST", `/v1/boards/${board}/scores`, { body, auth });
const top = async (board, query = "") => {
  const res = await call(stack, "GET", `/v1/boards/${board}/top${query}`);
  assert.equal(res.status, 200, res.text);
  return res.json.entries.map((entry) => [entry.player, entry.score, entry.rank]);
};

describe("the Worker over a 3-node cluster", () => {
  test("a configured board: writes on both periods, a session's write, ranks, removal", async () => {
    for (const [player, score] of [["ann", 30], ["ben", 50], ["cat", 40]]) {
      const res = await write("global", { player, score });
      assert.equal(res.status, 200, res.text);
    }
    const made = await call(stack, "POST", "/v1/sessions", { body: { player: "dan", name: "Dan" }, auth: stack.serverKey });
    assert.equal(made.status, 201, made.text);
    const bySession = await write("global", { player: "dan", score: 45 }, made.json.token);
    assert.deepEqual([bySession.status, bySession.json?.rank], [200, 2], bySession.text);
    const expected = [["ben", 50, 1], ["dan", 45, 2], ["cat", 40, 3], ["ann", 30, 4]];
    assert.deepEqual(await top("global"), expected);
    assert.deepEqual(await top("global", "?period=daily"), expected);

    const removed = await call(stack, "DELETE", "/v1/boards/global/players/dan", { auth: ADMIN_KEY });
    assert.equal(removed.status, 204, removed.text);
    assert.deepEqual(await top("global"), [["ben", 50, 1], ["cat", 40, 2], ["ann", 30, 3]]);
  });

  test("a registry board: create, write, update, retire, purge", async () => {
    const created = await call(stack, "PUT", "/v1/boards/track-7", {
      body: { title: "Track 7", order: "lower", periods: ["alltime", "weekly"] },
      auth: ADMIN_KEY,
    });
    assert.equal(created.status, 201, created.text);
    for (const [player, score] of [["ann", 7100], ["ben", 6900]]) {
      assert.equal((await write("track-7", { player, score })).status, 200);
    }
    assert.deepEqual(await top("track-7", "?period=weekly"), [["ben", 6900, 1], ["ann", 7100, 2]]);

    const renamed = await call(stack, "PUT", "/v1/boards/track-7", {
      body: { title: "Track seven", order: "lower", periods: ["alltime", "weekly"] },
      auth: ADMIN_KEY,
      headers: { "if-match": created.headers.get("etag") },
    });
    assert.equal(renamed.status, 200, renamed.text);
    const info = await call(stack, "GET", "/v1/boards/track-7");
    assert.equal(info.json.title, "Track seven");
    const stale = await call(stack, "PUT", "/v1/boards/track-7", {
      body: { title: "Lost edit", order: "lower", periods: ["alltime", "weekly"] },
      auth: ADMIN_KEY,
      headers: { "if-match": created.headers.get("etag") },
    });
    assert.equal(stale.status, 412, stale.text);
    assert.deepEqual(await top("track-7"), [["ben", 6900, 1], ["ann", 7100, 2]], "an edit keeps the scores");

    const retired = await call(stack, "POST", "/v1/boards/track-7/retire", { auth: ADMIN_KEY });
    assert.equal(retired.status, 200, retired.text);
    const refused = await write("track-7", { player: "cat", score: 6000 });
    assert.deepEqual([refused.status, code(refused)], [410, "board_retired"]);
    assert.deepEqual(await top("track-7"), [["ben", 6900, 1], ["ann", 7100, 2]], "reads stay until the purge");

    let purge;
    for (let step = 0; step < 10; step++) {
      purge = await call(stack, "POST", "/v1/boards/track-7/retire?purge=true", { auth: ADMIN_KEY });
      if (purge.status === 200) break;
      assert.equal(purge.status, 202, purge.text);
    }
    assert.deepEqual([purge.status, purge.json.remaining], [200, false], purge.text);
    const gone = await call(stack, "GET", "/v1/boards/track-7/top");
    assert.equal(gone.status, 404, gone.text);
    const again = await call(stack, "PUT", "/v1/boards/track-7", { body: { title: "Track 7 again" }, auth: ADMIN_KEY });
    assert.equal(again.status, 201, again.text);
    assert.deepEqual(await top("track-7"), [], "a purged board's id starts empty");
  });
});
