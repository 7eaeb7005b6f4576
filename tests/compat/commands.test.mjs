// The official @upstash/redis client, one command per request, against the gateway.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import { client, uniqueKey, useStack } from "./harness.mjs";

const stack = useStack();
const redis = () => client(stack);

describe("sorted sets", () => {
  test("zadd adds members; zscore and zcard read them back", async () => {
    const r = redis();
    const k = uniqueKey("lb");
    assert.equal(await r.zadd(k, { score: 100, member: "alice" }, { score: 200, member: "bob" }), 2);
    assert.equal(await r.zadd(k, { score: 150, member: "alice" }), 0, "updating a member adds nothing");
    assert.equal(await r.zcard(k), 2);
    assert.equal(await r.zscore(k, "alice"), 150);
    assert.equal(await r.zscore(k, "bob"), 200);
    assert.equal(await r.zscore(k, "nobody"), null);
    assert.equal(await r.zcard(uniqueKey("missing")), 0);
  });

  test("zadd nx only adds new members", async () => {
    const r = redis();
    const k = uniqueKey("nx");
    await r.zadd(k, { score: 100, member: "alice" });
    assert.equal(await r.zadd(k, { nx: true }, { score: 50, member: "alice" }, { score: 10, member: "carol" }), 1);
    assert.equal(await r.zscore(k, "alice"), 100);
    assert.equal(await r.zscore(k, "carol"), 10);
  });

  test("zadd xx only updates existing members", async () => {
    const r = redis();
    const k = uniqueKey("xx");
    await r.zadd(k, { score: 100, member: "alice" });
    assert.equal(await r.zadd(k, { xx: true }, { score: 300, member: "alice" }, { score: 5, member: "dave" }), 0);
    assert.equal(await r.zscore(k, "alice"), 300);
    assert.equal(await r.zscore(k, "dave"), null);
    assert.equal(await r.zcard(k), 1);
  });

  test("zadd gt / lt with ch", async () => {
    const r = redis();
    const k = uniqueKey("gtlt");
    await r.zadd(k, { score: 300, member: "alice" });
    assert.equal(await r.zadd(k, { gt: true, ch: true }, { score: 50, member: "alice" }), 0);
    assert.equal(await r.zscore(k, "alice"), 300, "gt must not lower a score");
    assert.equal(await r.zadd(k, { gt: true, ch: true }, { score: 400, member: "alice" }), 1);
    assert.equal(await r.zscore(k, "alice"), 400);
    assert.equal(await r.zadd(k, { lt: true, ch: true }, { score: 500, member: "alice" }), 0);
    assert.equal(await r.zscore(k, "alice"), 400, "lt must not raise a score");
    assert.equal(await r.zadd(k, { lt: true, ch: true }, { score: 350, member: "alice" }), 1);
    assert.equal(await r.zscore(k, "alice"), 350);
    // xx + gt: only existing members, only upwards
    assert.equal(await r.zadd(k, { xx: true, gt: true, ch: true }, { score: 999, member: "alice" }, { score: 1, member: "zed" }), 1);
    assert.deepEqual(await r.zrange(k, 0, -1, { withScores: true }), ["alice", 999]);
  });

  test("zadd ch counts changed plus added members", async () => {
    const r = redis();
    const k = uniqueKey("ch");
    await r.zadd(k, { score: 1, member: "a" }, { score: 2, member: "b" });
    const changed = await r.zadd(
      k,
      { ch: true },
      { score: 10, member: "a" }, // changed
      { score: 2, member: "b" }, // unchanged
      { score: 3, member: "c" }, // added
    );
    assert.equal(changed, 2);
    assert.equal(await r.zadd(k, { score: 11, member: "a" }, { score: 4, member: "d" }), 1, "without ch only additions count");
  });

  test("zadd incr returns the new score, or null when nx refuses", async () => {
    const r = redis();
    const k = uniqueKey("incr");
    assert.equal(await r.zadd(k, { incr: true }, { score: 5, member: "alice" }), 5);
    assert.equal(await r.zadd(k, { incr: true }, { score: 2.5, member: "alice" }), 7.5);
    assert.equal(await r.zadd(k, { incr: true }, { score: -10, member: "alice" }), -2.5);
    assert.equal(await r.zadd(k, { nx: true, incr: true }, { score: 1, member: "alice" }), null);
    assert.equal(await r.zscore(k, "alice"), -2.5);
  });

  test("zincrby", async () => {
    const r = redis();
    const k = uniqueKey("zincrby");
    assert.equal(await r.zincrby(k, 10, "bob"), 10);
    assert.equal(await r.zincrby(k, 2.25, "bob"), 12.25);
    assert.equal(await r.zincrby(k, -20, "bob"), -7.75);
    assert.equal(await r.zscore(k, "bob"), -7.75);
  });

  describe("zrange", () => {
    const k = uniqueKey("range");
    before(async () => {
      assert.equal(
        await redis().zadd(
          k,
          { score: 1, member: "a" },
          { score: 2, member: "b" },
          { score: 3, member: "c" },
          { score: 4, member: "d" },
          { score: 5, member: "e" },
        ),
        5,
      );
    });
    test("by index, forward and rev", async () => {
      const r = redis();
      assert.deepEqual(await r.zrange(k, 0, -1), ["a", "b", "c", "d", "e"]);
      assert.deepEqual(await r.zrange(k, 1, 2), ["b", "c"]);
      assert.deepEqual(await r.zrange(k, 0, 2, { rev: true }), ["e", "d", "c"]);
      assert.deepEqual(await r.zrange(uniqueKey("none"), 0, -1), []);
    });
    test("withScores", async () => {
      const r = redis();
      assert.deepEqual(await r.zrange(k, 0, 1, { withScores: true }), ["a", 1, "b", 2]);
      assert.deepEqual(await r.zrange(k, 0, 1, { rev: true, withScores: true }), ["e", 5, "d", 4]);
    });
    test("byScore, with exclusive bounds and infinities", async () => {
      const r = redis();
      assert.deepEqual(await r.zrange(k, 2, 4, { byScore: true }), ["b", "c", "d"]);
      assert.deepEqual(await r.zrange(k, "(2", 4, { byScore: true }), ["c", "d"]);
      assert.deepEqual(await r.zrange(k, "-inf", "+inf", { byScore: true }), ["a", "b", "c", "d", "e"]);
      assert.deepEqual(await r.zrange(k, 4, 2, { byScore: true, rev: true }), ["d", "c", "b"]);
      assert.deepEqual(await r.zrange(k, 3, "+inf", { byScore: true, withScores: true }), ["c", 3, "d", 4, "e", 5]);
    });
    test("byScore with limit (offset, count)", async () => {
      const r = redis();
      assert.deepEqual(await r.zrange(k, "-inf", "+inf", { byScore: true, offset: 1, count: 2 }), ["b", "c"]);
      assert.deepEqual(
        await r.zrange(k, "+inf", "-inf", { byScore: true, rev: true, offset: 0, count: 3, withScores: true }),
        ["e", 5, "d", 4, "c", 3],
      );
      assert.deepEqual(await r.zrange(k, "-inf", "+inf", { byScore: true, offset: 10, count: 2 }), []);
    });
    test("zrank and zrevrank", async () => {
      const r = redis();
      assert.equal(await r.zrank(k, "a"), 0);
      assert.equal(await r.zrank(k, "d"), 3);
      assert.equal(await r.zrevrank(k, "d"), 1);
      assert.equal(await r.zrevrank(k, "a"), 4);
      assert.equal(await r.zrank(k, "zz"), null);
      assert.equal(await r.zrevrank(k, "zz"), null);
    });
  });

  test("equal scores are ordered by member, and large scores keep their digits", async () => {
    const r = redis();
    const k = uniqueKey("ties");
    await r.zadd(k, { score: 7, member: "m2" }, { score: 7, member: "m1" }, { score: 1234567890123, member: "big" });
    assert.deepEqual(await r.zrange(k, 0, -1), ["m1", "m2", "big"]);
    assert.equal(await r.zscore(k, "big"), 1234567890123);
    assert.equal(await r.zrevrank(k, "big"), 0);
  });
});

describe("strings, counters, keys", () => {
  test("set / get round trip, get of a missing key is null", async () => {
    const r = redis();
    const k = uniqueKey("str");
    assert.equal(await r.set(k, "hello world"), "OK");
    assert.equal(await r.get(k), "hello world");
    assert.equal(await r.get(uniqueKey("missing")), null);
  });

  test("set with ex sets a ttl; ttl of a persistent / missing key", async () => {
    const r = redis();
    const k = uniqueKey("ex");
    assert.equal(await r.set(k, "v", { ex: 100 }), "OK");
    const ttl = await r.ttl(k);
    assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl} should be in (90, 100]`);
    const p = uniqueKey("persistent");
    await r.set(p, "v");
    assert.equal(await r.ttl(p), -1);
    assert.equal(await r.ttl(uniqueKey("missing")), -2);
  });

  test("set with nx (and nx + ex)", async () => {
    const r = redis();
    const k = uniqueKey("nx");
    assert.equal(await r.set(k, "first", { nx: true }), "OK");
    assert.equal(await r.set(k, "second", { nx: true }), null);
    assert.equal(await r.get(k), "first");
    const k2 = uniqueKey("nxex");
    assert.equal(await r.set(k2, "x", { nx: true, ex: 50 }), "OK");
    const ttl = await r.ttl(k2);
    assert.ok(ttl > 40 && ttl <= 50, `ttl ${ttl} should be in (40, 50]`);
    assert.equal(await r.set(k2, "y", { nx: true, ex: 500 }), null);
    assert.ok((await r.ttl(k2)) <= 50, "a refused set must not touch the ttl");
  });

  test("set with get returns the old value", async () => {
    const r = redis();
    const k = uniqueKey("setget");
    await r.set(k, "old");
    assert.equal(await r.set(k, "new", { get: true }), "old");
    assert.equal(await r.get(k), "new");
  });

  test("incr / incrby / decr", async () => {
    const r = redis();
    const k = uniqueKey("ctr");
    assert.equal(await r.incr(k), 1);
    assert.equal(await r.incr(k), 2);
    assert.equal(await r.incrby(k, 40), 42);
    assert.equal(await r.decr(k), 41);
    assert.equal(await r.get(k), 41);
  });

  test("incr of a non-integer throws the server's error", async () => {
    const r = redis();
    const k = uniqueKey("notint");
    await r.set(k, "abc");
    await assert.rejects(r.incr(k), (err) => {
      assert.equal(err.name, "UpstashError");
      assert.match(err.message, /^ERR value is not an integer or out of range/);
      return true;
    });
    assert.equal(await r.get(k), "abc");
  });

  test("del counts the keys it removed", async () => {
    const r = redis();
    const [a, b, c] = [uniqueKey("a"), uniqueKey("b"), uniqueKey("c")];
    await r.set(a, "1");
    await r.set(b, "2");
    assert.equal(await r.del(a, b, c), 2);
    assert.equal(await r.get(a), null);
    assert.equal(await r.exists(a, b), 0);
    assert.equal(await r.del(a), 0);
  });

  test("mget with present and missing keys", async () => {
    const r = redis();
    const [a, b] = [uniqueKey("a"), uniqueKey("b")];
    await r.set(a, "va");
    assert.deepEqual(await r.mget(a, b, a), ["va", null, "va"]);
  });

  test("hset / hget / hgetall", async () => {
    const r = redis();
    const k = uniqueKey("hash");
    assert.equal(await r.hset(k, { name: "alice", level: 7, title: "Grand Master" }), 3);
    assert.equal(await r.hset(k, { level: 8 }), 0);
    assert.equal(await r.hget(k, "name"), "alice");
    assert.deepEqual(await r.hgetall(k), { name: "alice", level: 8, title: "Grand Master" });
    assert.equal(await r.hgetall(uniqueKey("nohash")), null);
  });

  test("JSON values and booleans go through the default serializer", async () => {
    const r = redis();
    const k = uniqueKey("json");
    const value = { player: "alice", scores: [1, 2, 3], nested: { ok: true } };
    await r.set(k, value);
    assert.deepEqual(await r.get(k), value);
    const b = uniqueKey("bool");
    await r.set(b, true);
    assert.equal(await r.get(b), true);
  });

  test("wrong type errors are passed through", async () => {
    const r = redis();
    const k = uniqueKey("wrongtype");
    await r.set(k, "x");
    await assert.rejects(r.zadd(k, { score: 1, member: "m" }), /^UpstashError: WRONGTYPE Operation against a key holding the wrong kind of value/);
  });

  test("ping and echo", async () => {
    const r = redis();
    assert.equal(await r.ping(), "PONG");
    assert.equal(await r.echo("hi there"), "hi there");
  });
});
