// Explicit pipelines (/pipeline), transactions (/multi-exec) and the client's automatic pipelining.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { client, raw, uniqueKey, useStack } from "./harness.mjs";

const stack = useStack();

describe("pipeline", () => {
  test("commands run in order and each result is returned", async () => {
    const r = client(stack);
    const k = uniqueKey("p");
    const c = uniqueKey("pc");
    const z = uniqueKey("pz");
    const results = await r
      .pipeline()
      .set(k, "v1")
      .get(k)
      .incr(c)
      .incrby(c, 10)
      .zadd(z, { score: 5, member: "alice" }, { score: 9, member: "bob" })
      .zrange(z, 0, -1, { rev: true, withScores: true })
      .zrank(z, "alice")
      .zscore(z, "nobody")
      .del(k)
      .get(k)
      .exec();
    assert.deepEqual(results, ["OK", "v1", 1, 11, 2, ["bob", 9, "alice", 5], 0, null, 1, null]);
  });

  test("an error fails only its own entry (keepErrors)", async () => {
    const r = client(stack);
    const k = uniqueKey("perr");
    const results = await r.pipeline().set(k, "notanumber").incr(k).get(k).exec({ keepErrors: true });
    assert.equal(results.length, 3);
    assert.equal(results[0].result, "OK");
    assert.equal(results[0].error, undefined);
    assert.equal(results[1].error, "ERR value is not an integer or out of range");
    assert.equal(results[2].result, "notanumber");
    assert.equal(results[2].error, undefined);
  });

  test("without keepErrors the first failing entry throws", async () => {
    const r = client(stack);
    const k = uniqueKey("perr2");
    await assert.rejects(
      r.pipeline().set(k, "x").incr(k).exec(),
      /Command 2 \[ incr \] failed: ERR value is not an integer or out of range/,
    );
    assert.equal(await r.get(k), "x", "the pipeline is not atomic: the SET stays");
  });

  test("a large pipeline (1,000 commands) keeps order", async () => {
    const r = client(stack);
    const k = uniqueKey("big");
    const p = r.pipeline();
    for (let i = 0; i < 1000; i++) p.rpush(k, `item-${i}`);
    const results = await p.exec();
    assert.deepEqual(results, Array.from({ length: 1000 }, (_, i) => i + 1));
    assert.deepEqual(await r.lrange(k, 0, 2), ["item-0", "item-1", "item-2"]);
    assert.equal(await r.lindex(k, 999), "item-999");
  });
});

describe("transaction (multi/exec)", () => {
  test("returns every result", async () => {
    const r = client(stack);
    const k = uniqueKey("tx");
    const z = uniqueKey("txz");
    const results = await r
      .multi()
      .set(k, "1")
      .incr(k)
      .get(k)
      .zadd(z, { score: 3, member: "c" })
      .zincrby(z, 2, "c")
      .exec();
    assert.deepEqual(results, ["OK", 2, 2, 1, 5]);
  });

  test("a runtime error fails its entry but the rest is applied", async () => {
    const r = client(stack);
    const k = uniqueKey("txerr");
    const k2 = uniqueKey("txerr2");
    const results = await r.multi().set(k, "abc").incr(k).set(k2, "after").exec({ keepErrors: true });
    assert.equal(results[0].result, "OK");
    assert.equal(results[1].error, "ERR value is not an integer or out of range");
    assert.equal(results[2].result, "OK");
    assert.equal(await r.get(k2), "after");
  });

  test("a command refused when queued discards the whole transaction", async () => {
    const k = uniqueKey("txabort");
    const res = await raw(stack, "/multi-exec", { body: [["SET", k, "v"], ["SET", k], ["GET", k]] });
    assert.ok(res.status < 200 || res.status >= 300, `status ${res.status} must not be 2xx: ${res.text}`);
    assert.equal(typeof res.json?.error, "string", res.text);
    assert.match(res.json.error, /^EXECABORT/);
    assert.equal(await client(stack).get(k), null, "nothing of a discarded transaction may be applied");
    assert.deepEqual(
      await client(stack).multi().set(k, "v").get(k).exec(),
      ["OK", "v"],
      "transactions work again after an aborted one",
    );
  });

  test("concurrent transactions are atomic and do not interfere", async () => {
    const r = client(stack);
    const k = uniqueKey("txconc");
    const n = 25;
    const runs = await Promise.all(
      Array.from({ length: n }, () => r.multi().incr(k).incr(k).incr(k).exec()),
    );
    const starts = [];
    for (const [a, b, c] of runs) {
      assert.equal(b, a + 1, "no other command may run inside a transaction");
      assert.equal(c, a + 2);
      starts.push(a);
    }
    starts.sort((x, y) => x - y);
    assert.deepEqual(starts, Array.from({ length: n }, (_, i) => 3 * i + 1));
    assert.equal(await r.get(k), 3 * n);
  });
});

describe("automatic pipelining", () => {
  const auto = () => client(stack, { enableAutoPipelining: true });

  test("many concurrent commands resolve to their own values", async () => {
    const r = auto();
    const prefix = uniqueKey("auto");
    const n = 500;
    const sets = await Promise.all(Array.from({ length: n }, (_, i) => r.set(`${prefix}:${i}`, `value-${i}`)));
    assert.deepEqual(sets, Array(n).fill("OK"));
    const gets = await Promise.all(Array.from({ length: n }, (_, i) => r.get(`${prefix}:${i}`)));
    assert.deepEqual(gets, Array.from({ length: n }, (_, i) => `value-${i}`));
    assert.ok(r.pipelineCounter <= 4, `expected the commands to be batched, saw ${r.pipelineCounter} requests`);
  });

  test("more than 1,000 concurrent commands (several batches), mixed reads and writes", async () => {
    const r = auto();
    const z = uniqueKey("autoz");
    const c = uniqueKey("autoc");
    const n = 1500;
    const writes = Array.from({ length: n }, (_, i) => r.zadd(z, { score: i * 10, member: `p${i}` }));
    const incrs = Array.from({ length: n }, () => r.incr(c));
    assert.deepEqual(await Promise.all(writes), Array(n).fill(1));
    const counts = await Promise.all(incrs);
    assert.deepEqual(
      [...counts].sort((a, b) => a - b),
      Array.from({ length: n }, (_, i) => i + 1),
    );
    const [card, scores, ranks] = await Promise.all([
      r.zcard(z),
      Promise.all(Array.from({ length: 50 }, (_, i) => r.zscore(z, `p${i * 30}`))),
      Promise.all(Array.from({ length: 50 }, (_, i) => r.zrevrank(z, `p${i * 30}`))),
    ]);
    assert.equal(card, n);
    assert.deepEqual(scores, Array.from({ length: 50 }, (_, i) => i * 300));
    assert.deepEqual(ranks, Array.from({ length: 50 }, (_, i) => n - 1 - i * 30));
  });

  test("one failing command rejects alone", async () => {
    const r = auto();
    const bad = uniqueKey("autobad");
    const good = uniqueKey("autogood");
    await r.set(bad, "text");
    const outcomes = await Promise.allSettled([r.incr(good), r.incr(bad), r.incr(good), r.get(bad)]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["fulfilled", "rejected", "fulfilled", "fulfilled"],
    );
    assert.equal(outcomes[0].value, 1);
    assert.match(outcomes[1].reason.message, /ERR value is not an integer or out of range/);
    assert.equal(outcomes[2].value, 2);
    assert.equal(outcomes[3].value, "text");
  });

  test("works with responseEncoding false too", async () => {
    const r = client(stack, { enableAutoPipelining: true, responseEncoding: false });
    const prefix = uniqueKey("autoplain");
    await Promise.all(Array.from({ length: 100 }, (_, i) => r.set(`${prefix}:${i}`, `ü-${i}-🎯`)));
    const gets = await Promise.all(Array.from({ length: 100 }, (_, i) => r.get(`${prefix}:${i}`)));
    assert.deepEqual(gets, Array.from({ length: 100 }, (_, i) => `ü-${i}-🎯`));
  });
});
