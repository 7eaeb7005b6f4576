// Tokens: the full token, the read-only token, wrong and missing tokens, `_token` in the query.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import { WRONGPASS, client, direct, raw, uniqueKey, useStack } from "./harness.mjs";

const stack = useStack();

describe("wrong or missing token", () => {
  test("the client throws WRONGPASS", async () => {
    const r = client(stack, { token: "definitely-not-the-token" });
    await assert.rejects(r.get(uniqueKey()), (err) => {
      assert.equal(err.name, "UpstashError");
      assert.match(err.message, /^WRONGPASS invalid or missing auth token/);
      return true;
    });
    await assert.rejects(r.pipeline().get(uniqueKey()).exec(), /WRONGPASS invalid or missing auth token/);
  });

  test("raw: 401 with the exact JSON body, for every request form", async () => {
    const k = uniqueKey("wrong");
    const attempts = [
      raw(stack, "/", { body: ["SET", k, "v"], token: "wrong" }),
      raw(stack, "/", { body: ["SET", k, "v"], token: null }),
      raw(stack, `/set/${k}/v`, { method: "GET", token: null }),
      raw(stack, `/set/${k}/v?_token=wrong`, { method: "GET", token: null }),
      raw(stack, "/pipeline", { body: [["SET", k, "v"]], token: "wrong" }),
      raw(stack, "/multi-exec", { body: [["SET", k, "v"]], token: null }),
      raw(stack, "/", { body: ["SET", k, "v"], token: null, headers: { authorization: `Basic ${btoa(`default:${stack.token}`)}` } }),
      raw(stack, "/", { body: ["SET", k, "v"], token: `${stack.token}x` }),
      raw(stack, "/", { body: ["SET", k, "v"], token: stack.token.slice(0, -1) }),
    ];
    for (const [i, res] of (await Promise.all(attempts)).entries()) {
      assert.equal(res.status, 401, `attempt ${i}: ${res.text}`);
      assert.deepEqual(res.json, WRONGPASS, `attempt ${i}`);
    }
    assert.equal(await direct(stack, ["EXISTS", k]), ":0", "nothing may have been written");
  });

  test("an empty bearer token is refused", async () => {
    const res = await raw(stack, "/", { body: ["PING"], token: null, headers: { authorization: "Bearer " } });
    assert.equal(res.status, 401);
    assert.deepEqual(res.json, WRONGPASS);
  });
});

describe("_token query parameter", () => {
  test("authenticates and is not passed on as an argument", async () => {
    const k = uniqueKey("qt");
    const set = await raw(stack, `/set/${k}/fromquery?_token=${stack.token}`, { method: "GET", token: null });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.json, { result: "OK" });
    const get = await raw(stack, `/get/${k}?_token=${stack.token}`, { method: "GET", token: null });
    assert.deepEqual(get.json, { result: "fromquery" });
    const body = await raw(stack, `/?_token=${stack.token}`, { body: ["GET", k], token: null });
    assert.deepEqual(body.json, { result: "fromquery" });
    assert.equal(await direct(stack, ["GET", k]), "fromquery");
  });

  test("works together with other query arguments", async () => {
    const k = uniqueKey("qtex");
    const res = await raw(stack, `/set/${k}?EX=100&_token=${stack.token}`, { body: "v", token: null });
    assert.deepEqual(res.json, { result: "OK" });
    const ttl = Number((await direct(stack, ["TTL", k])).slice(1));
    assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
  });
});

describe("read-only token", () => {
  const ro = () => client(stack, { token: stack.readOnlyToken });
  const k = uniqueKey("ro");
  const z = uniqueKey("roz");
  const h = uniqueKey("roh");

  before(async () => {
    const r = client(stack);
    await r.set(k, "original", { ex: 1000 });
    await r.zadd(z, { score: 10, member: "alice" }, { score: 20, member: "bob" });
    await r.hset(h, { field: "value" });
  });

  test("reads work", async () => {
    const r = ro();
    assert.equal(await r.get(k), "original");
    assert.deepEqual(await r.mget(k, uniqueKey("missing")), ["original", null]);
    assert.equal(await r.exists(k, z), 2);
    assert.ok((await r.ttl(k)) > 900);
    assert.deepEqual(await r.zrange(z, 0, -1, { rev: true, withScores: true }), ["bob", 20, "alice", 10]);
    assert.equal(await r.zscore(z, "alice"), 10);
    assert.equal(await r.zrevrank(z, "alice"), 1);
    assert.equal(await r.zcard(z), 2);
    assert.deepEqual(await r.hgetall(h), { field: "value" });
    assert.deepEqual(await r.pipeline().get(k).zcard(z).exec(), ["original", 2]);
  });

  test("reads work with automatic pipelining", async () => {
    const r = client(stack, { token: stack.readOnlyToken, enableAutoPipelining: true });
    const results = await Promise.all([r.get(k), r.zscore(z, "bob"), r.zrank(z, "bob"), r.get(uniqueKey("none"))]);
    assert.deepEqual(results, ["original", 20, 1, null]);
  });

  const writes = [
    ["set", (r) => r.set(k, "changed")],
    ["set nx on a new key", (r) => r.set(uniqueKey("ronew"), "x", { nx: true })],
    ["zadd", (r) => r.zadd(z, { score: 999, member: "alice" })],
    ["zincrby", (r) => r.zincrby(z, 5, "bob")],
    ["incr", (r) => r.incr(uniqueKey("roctr"))],
    ["del", (r) => r.del(k)],
    ["expire", (r) => r.expire(k, 1)],
    ["hset", (r) => r.hset(h, { field: "changed" })],
    ["eval that writes", (r) => r.eval("return redis.call('SET', KEYS[1], 'changed')", [k], [])],
  ];
  for (const [name, write] of writes) {
    test(`write refused: ${name}`, async () => {
      await assert.rejects(write(ro()), (err) => {
        assert.equal(err.name, "UpstashError");
        assert.match(err.message, /NOPERM/);
        return true;
      });
    });
  }

  test("refused writes changed nothing", async () => {
    assert.equal(await direct(stack, ["GET", k]), "original");
    assert.ok(Number((await direct(stack, ["TTL", k])).slice(1)) > 900);
    assert.equal(await direct(stack, ["ZSCORE", z, "alice"]), "10");
    assert.equal(await direct(stack, ["ZSCORE", z, "bob"]), "20");
    assert.equal(await direct(stack, ["HGET", h, "field"]), "value");
  });

  test("raw: a refused write is a 400 NOPERM error", async () => {
    const res = await raw(stack, "/", { body: ["SET", k, "raw"], token: stack.readOnlyToken });
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(Object.keys(res.json), ["error"]);
    assert.match(res.json.error, /^NOPERM/);
    const viaQuery = await raw(stack, `/set/${k}/raw?_token=${stack.readOnlyToken}`, { method: "GET", token: null });
    assert.equal(viaQuery.status, 400, viaQuery.text);
    assert.match(viaQuery.json.error, /^NOPERM/);
    const read = await raw(stack, `/get/${k}?_token=${stack.readOnlyToken}`, { method: "GET", token: null });
    assert.deepEqual(read.json, { result: "original" });
  });

  test("raw: in a pipeline only the write entry fails", async () => {
    const res = await raw(stack, "/pipeline", {
      body: [["GET", k], ["SET", k, "piped"], ["ZCARD", z]],
      token: stack.readOnlyToken,
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.length, 3);
    assert.deepEqual(res.json[0], { result: "original" });
    assert.match(res.json[1].error, /^NOPERM/);
    assert.deepEqual(res.json[2], { result: 2 });
    assert.equal(await direct(stack, ["GET", k]), "original");
  });

  test("raw: a transaction with a write applies nothing", async () => {
    const other = uniqueKey("rotx");
    const res = await raw(stack, "/multi-exec", {
      body: [["SET", other, "x"], ["SET", k, "tx"]],
      token: stack.readOnlyToken,
    });
    assert.ok(JSON.stringify(res.json).includes("NOPERM"), `expected a NOPERM error, got ${res.status} ${res.text}`);
    assert.equal(await direct(stack, ["GET", k]), "original");
    assert.equal(await direct(stack, ["EXISTS", other]), ":0");
  });

  test("expensive reads (KEYS, SCAN) are refused; the full token may SCAN", async () => {
    for (const body of [["KEYS", "*"], ["SCAN", "0"], ["SCAN", "0", "MATCH", "compat:*", "COUNT", "1000"]]) {
      const res = await raw(stack, "/", { body, token: stack.readOnlyToken });
      assert.equal(res.status, 400, `${body[0]}: ${res.status} ${res.text}`);
      assert.equal(typeof res.json.error, "string");
      assert.equal(res.json.result, undefined);
    }
    const full = await raw(stack, "/", { body: ["SCAN", "0", "COUNT", "1000"] });
    assert.equal(full.status, 200, full.text);
    assert.equal(full.json.result.length, 2);
  });

  test("the full token is not accepted as a prefix of the read-only token or vice versa", async () => {
    const res = await raw(stack, "/", { body: ["GET", k], token: `${stack.readOnlyToken}${stack.token}` });
    assert.equal(res.status, 401);
    assert.deepEqual(res.json, WRONGPASS);
  });
});
