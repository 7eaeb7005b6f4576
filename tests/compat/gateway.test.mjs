// The gateway as a process: health and metrics endpoints, flags, the backend going away and
// coming back, and graceful shutdown.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { startGateway, startRedisServer } from "../../scripts/lib/stack.mjs";
import { RELEASE, SERVER_KIND, client, raw, uniqueKey, useStack } from "./harness.mjs";

describe("endpoints and flags", () => {
  const stack = useStack();

  test("GET /_health answers PONG", async () => {
    const res = await raw(stack, "/_health", { method: "GET" });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { result: "PONG" });
  });

  test("GET /_metrics is Prometheus text and counts requests", async () => {
    await client(stack).set(uniqueKey("m"), "v");
    const res = await raw(stack, "/_metrics", { method: "GET" });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get("content-type") ?? "", /^(text\/plain|application\/openmetrics-text)/);
    assert.match(res.text, /^# (HELP|TYPE) /m);
    assert.match(res.text, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? \S+/m, "at least one sample line");
  });

  test("a pipeline longer than --max-pipeline (1000) is refused", async () => {
    const k = uniqueKey("maxpipe");
    const body = Array.from({ length: 1001 }, () => ["INCR", k]);
    const res = await raw(stack, "/pipeline", { body });
    assert.equal(res.status, 400, res.text.slice(0, 200));
    assert.equal(typeof res.json?.error, "string");
    assert.deepEqual((await raw(stack, "/", { body: ["GET", k] })).json, { result: null }, "nothing ran");
  });

  describe("--allow-dangerous-commands", () => {
    let dangerous;
    before(async () => {
      dangerous = await startGateway({
        redisUrl: stack.server.url,
        token: "dangerous-token",
        release: RELEASE,
        extraArgs: ["--allow-dangerous-commands"],
      });
    });
    after(async () => {
      await dangerous?.stop();
    });

    test("allows KEYS and FLUSHDB", async () => {
      const d = { url: dangerous.url, token: "dangerous-token" };
      const k = uniqueKey("flushme");
      await raw(d, "/", { body: ["SET", k, "v"] });
      const keys = await raw(d, "/", { body: ["KEYS", k] });
      assert.deepEqual(keys.json, { result: [k] });
      const flush = await raw(d, "/", { body: ["FLUSHDB"] });
      assert.deepEqual(flush.json, { result: "OK" });
      assert.deepEqual((await raw(d, "/", { body: ["DBSIZE"] })).json, { result: 0 });
    });
  });
});

describe("backend outage", () => {
  let server;
  let gateway;
  const token = "outage-token";
  const g = () => ({ url: gateway.url, token });

  before(async () => {
    server = await startRedisServer({ kind: SERVER_KIND });
    gateway = await startGateway({ redisUrl: server.url, token, release: RELEASE, extraArgs: ["--request-timeout-ms", "2000"] });
  });
  after(async () => {
    await gateway?.stop();
    await server?.stop();
  });

  test("starts serving; health 503 and JSON errors while Redis is down; recovers when it is back", async () => {
    const k = uniqueKey("outage");
    assert.deepEqual((await raw(g(), "/", { body: ["SET", k, "before"] })).json, { result: "OK" });

    const port = server.port;
    await server.stop();

    const health = await raw(g(), "/_health", { method: "GET" });
    assert.equal(health.status, 503, health.text);

    const started = Date.now();
    const down = await raw(g(), "/", { body: ["GET", k] });
    assert.ok(down.status >= 400, `status ${down.status}`);
    assert.equal(typeof down.json?.error, "string", down.text);
    assert.ok(Date.now() - started < 6000, "fails within the request timeout");

    server = await startRedisServer({ kind: SERVER_KIND, port });
    const deadline = Date.now() + 15_000;
    let res;
    for (;;) {
      res = await raw(g(), "/", { body: ["SET", k, "after"] });
      if (res.status === 200 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(res.json, { result: "OK" }, `did not recover: ${res.status} ${res.text}`);
    assert.deepEqual((await raw(g(), "/", { body: ["GET", k] })).json, { result: "after" });
    assert.equal((await raw(g(), "/_health", { method: "GET" })).status, 200);
  });
});

describe("shutdown", () => {
  test("SIGTERM: graceful, exit code 0", async () => {
    const server = await startRedisServer({ kind: SERVER_KIND });
    try {
      const gateway = await startGateway({ redisUrl: server.url, token: "t", release: RELEASE });
      const res = await raw({ url: gateway.url, token: "t" }, "/", { body: ["PING"] });
      assert.deepEqual(res.json, { result: "PONG" });
      const how = await gateway.stop();
      assert.deepEqual(how, { code: 0, signal: null }, gateway.logs());
    } finally {
      await server.stop();
    }
  });

  test("refuses to start without a token", async () => {
    const server = await startRedisServer({ kind: SERVER_KIND });
    try {
      await assert.rejects(
        startGateway({ redisUrl: server.url, token: "", release: RELEASE }),
        /exited before listening/,
      );
    } finally {
      await server.stop();
    }
  });
});
