// Response encodings: the client's default (Upstash-Encoding: base64) and `responseEncoding: false`
// (plain JSON strings), each with automatic deserialization on and off.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { client, uniqueKey, useStack } from "./harness.mjs";

const stack = useStack();

const UNICODE = "héllo wörld — 漢字 ✓ 🎮🏆 👩‍👩‍👧 \u0000 tab\tnewline\n\"quoted\" \\ end";
const EMOJI_MEMBER = "🥇 player ñ";

const variants = [
  { name: "base64 + automaticDeserialization (defaults)", options: {}, deserialize: true },
  { name: "base64, automaticDeserialization off", options: { automaticDeserialization: false }, deserialize: false },
  { name: "responseEncoding false + automaticDeserialization", options: { responseEncoding: false }, deserialize: true },
  {
    name: "responseEncoding false, automaticDeserialization off",
    options: { responseEncoding: false, automaticDeserialization: false },
    deserialize: false,
  },
];

for (const variant of variants) {
  describe(variant.name, () => {
    const redis = () => client(stack, variant.options);
    // What the client hands back for a numeric string: parsed when deserializing, as is otherwise.
    const num = (text) => (variant.deserialize ? Number(text) : text);

    test("unicode and emoji in keys, values, members and fields", async () => {
      const r = redis();
      const k = uniqueKey("ключ🔑");
      assert.equal(await r.set(k, UNICODE), "OK");
      assert.equal(await r.get(k), UNICODE);
      assert.deepEqual(await r.mget(k, uniqueKey("missing")), [UNICODE, null]);

      const z = uniqueKey("zset🏆");
      await r.zadd(z, { score: 3, member: EMOJI_MEMBER }, { score: 1, member: "plain" });
      assert.deepEqual(await r.zrange(z, 0, -1, { rev: true, withScores: true }), [EMOJI_MEMBER, num("3"), "plain", num("1")]);
      assert.equal(await r.zrank(z, EMOJI_MEMBER), 1);

      const h = uniqueKey("hash");
      await r.hset(h, { "名前": UNICODE });
      // hgetall builds an object only when deserializing; otherwise it is the flat RESP2 array.
      assert.deepEqual(await r.hgetall(h), variant.deserialize ? { "名前": UNICODE } : ["名前", UNICODE]);
    });

    test('the string "OK" as a value, inside arrays and as a member', async () => {
      const r = redis();
      const k = uniqueKey("ok");
      assert.equal(await r.set(k, "OK"), "OK");
      assert.equal(await r.get(k), "OK");
      assert.deepEqual(await r.mget(k, k), ["OK", "OK"]);
      const z = uniqueKey("okz");
      await r.zadd(z, { score: 1, member: "OK" }, { score: 2, member: "NOT OK" });
      assert.deepEqual(await r.zrange(z, 0, -1), ["OK", "NOT OK"]);
      assert.equal(await r.set(k, "OK", { get: true }), "OK", "SET … GET returns the old value, here also OK");
    });

    test("values that look like base64 or like numbers keep their text", async () => {
      const r = redis();
      const cases = ["YmFy", "T0s=", "", "0042", "1e3", " 7"];
      for (const value of cases) {
        const k = uniqueKey("b64");
        await r.set(k, value);
        assert.equal(await r.get(k), value, `value ${JSON.stringify(value)}`);
      }
      const n = uniqueKey("num");
      await r.set(n, "42");
      assert.equal(await r.get(n), num("42"));
      const z = uniqueKey("score");
      await r.zadd(z, { score: 1.5, member: "m" });
      assert.equal(await r.zscore(z, "m"), num("1.5"));
      assert.equal(await r.zincrby(z, 1, "m"), num("2.5"));
    });

    test("status replies other than OK (PONG, a type name) are decoded too", async () => {
      const r = redis();
      const k = uniqueKey("type");
      await r.zadd(k, { score: 1, member: "m" });
      assert.equal(await r.ping(), "PONG");
      assert.equal(await r.type(k), "zset");
      assert.equal(await r.type(uniqueKey("none")), "none");
      assert.deepEqual(await r.pipeline().ping().type(k).exec(), ["PONG", "zset"]);
    });

    test("integers and nulls are not strings", async () => {
      const r = redis();
      const k = uniqueKey("ctr");
      assert.equal(await r.incr(k), 1);
      assert.equal(await r.incrby(k, 9), 10);
      assert.equal(await r.zcard(uniqueKey("none")), 0);
      assert.equal(await r.get(uniqueKey("none")), null);
      assert.equal(await r.zscore(uniqueKey("none"), "m"), null);
    });

    test("bytes that are not UTF-8 arrive as U+FFFD", async () => {
      const r = redis();
      const k = uniqueKey("bytes");
      await r.eval("redis.call('SET', KEYS[1], 'a\\255\\254z') return 1", [k], []);
      assert.equal(await r.get(k), "a\uFFFD\uFFFDz");
      assert.equal(await r.strlen(k), 4);
    });

    test("error texts are never encoded", async () => {
      const r = redis();
      const k = uniqueKey("notint");
      await r.set(k, "abc");
      await assert.rejects(r.incr(k), /^UpstashError: ERR value is not an integer or out of range/);
    });

    test("pipeline results are decoded per entry", async () => {
      const r = redis();
      const k = uniqueKey("p");
      const c = uniqueKey("pc");
      const results = await r
        .pipeline()
        .set(k, UNICODE)
        .get(k)
        .set(k, "OK")
        .get(k)
        .incr(c)
        .get(uniqueKey("missing"))
        .mget(k, c)
        .exec();
      assert.deepEqual(results, ["OK", UNICODE, "OK", "OK", 1, null, ["OK", num("1")]]);
    });

    test("transaction results are decoded per entry", async () => {
      const r = redis();
      const k = uniqueKey("m");
      const results = await r.multi().set(k, EMOJI_MEMBER).get(k).set(k, "OK").get(k).exec();
      assert.deepEqual(results, ["OK", EMOJI_MEMBER, "OK", "OK"]);
    });
  });
}
