// The gateway in front of a 3-node cluster (--cluster, comma-separated seeds), driven by the
// official client: keys spread over all slots, pipelines across nodes, same-slot transactions
// and scripts.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";

import { Redis } from "@upstash/redis";

import { startCluster, startGateway } from "../../scripts/lib/stack.mjs";
import { RELEASE, SERVER_KIND, raw, uniqueKey } from "./harness.mjs";

// The client's errors quote the whole request; keep failures readable.
async function short(promise) {
  try {
    return await promise;
  } catch (err) {
    throw new Error(err.message.length > 300 ? `${err.message.slice(0, 300)}…` : err.message);
  }
}

let cluster;
let gateway;
const token = `cluster_${randomBytes(8).toString("hex")}`;
const redis = (options = {}) =>
  new Redis({ url: gateway.url, token, enableAutoPipelining: false, retry: false, ...options });

before(async () => {
  cluster = await startCluster({ nodes: 3, kind: SERVER_KIND });
  try {
    gateway = await startGateway({
      redisUrl: cluster.urls.join(","),
      token,
      release: RELEASE,
      extraArgs: ["--cluster"],
    });
  } catch (err) {
    await cluster.stop();
    throw err;
  }
});

after(async () => {
  await gateway?.stop();
  await cluster?.stop();
});

test("single commands on keys in every slot range", async () => {
  const r = redis();
  const keys = Array.from({ length: 60 }, (_, i) => uniqueKey(`spread${i}`));
  for (const [i, k] of keys.entries()) assert.equal(await r.set(k, `v${i}`), "OK");
  for (const [i, k] of keys.entries()) assert.equal(await r.get(k), `v${i}`);
  const z = uniqueKey("lb");
  await r.zadd(z, { score: 5, member: "a" }, { score: 7, member: "b" });
  assert.deepEqual(await r.zrange(z, 0, -1, { rev: true, withScores: true }), ["b", 7, "a", 5]);
});

test("multi-key single commands across slots (MGET, DEL, EXISTS)", async () => {
  const r = redis();
  const keys = Array.from({ length: 12 }, (_, i) => uniqueKey(`multi${i}`));
  for (const [i, k] of keys.entries()) await r.set(k, `m${i}`);
  assert.deepEqual(await r.mget(...keys), keys.map((_, i) => `m${i}`));
  assert.equal(await r.exists(...keys), keys.length);
  assert.equal(await r.del(...keys.slice(0, 6)), 6);
  assert.deepEqual(await r.mget(...keys), keys.map((_, i) => (i < 6 ? null : `m${i}`)));
});

test("a pipeline whose keys live on different nodes keeps order", async () => {
  const r = redis();
  const keys = Array.from({ length: 50 }, (_, i) => uniqueKey(`pipe${i}`));
  const p = r.pipeline();
  for (const [i, k] of keys.entries()) p.set(k, `p${i}`).get(k).incr(`${k}:n`);
  const results = await short(p.exec());
  assert.deepEqual(
    results,
    keys.flatMap((_, i) => ["OK", `p${i}`, 1]),
  );
});

test("automatic pipelining across nodes", async () => {
  const r = redis({ enableAutoPipelining: true });
  const keys = Array.from({ length: 300 }, (_, i) => uniqueKey(`auto${i}`));
  await short(Promise.all(keys.map((k, i) => r.set(k, i))));
  assert.deepEqual(await short(Promise.all(keys.map((k) => r.get(k)))), keys.map((_, i) => i));
});

test("a transaction on one hash slot", async () => {
  const r = redis();
  const tag = `{${uniqueKey("player")}}`;
  const results = await r.multi().set(`${tag}:name`, "alice").incrby(`${tag}:score`, 10).zadd(`${tag}:lb`, { score: 10, member: "alice" }).exec();
  assert.deepEqual(results, ["OK", 10, 1]);
});

// Redis Cluster's key slot: CRC16/XMODEM of the key (or of its {hash tag}) modulo 16384.
function keySlot(key) {
  const open = key.indexOf("{");
  if (open !== -1) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(key)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

test("keySlot matches the server", async () => {
  // Well-known values from the Redis cluster specification / redis-cli CLUSTER KEYSLOT.
  assert.equal(keySlot("foo"), 12182);
  assert.equal(keySlot("{user1000}.following"), keySlot("user1000"));
});

test("a transaction across slots is refused and applies nothing", async () => {
  const a = uniqueKey("xa");
  let b = uniqueKey("xb");
  // `--cluster create` with 3 masters assigns 0-5460, 5461-10922, 10923-16383: pick another node.
  const node = (key) => (keySlot(key) <= 5460 ? 0 : keySlot(key) <= 10922 ? 1 : 2);
  while (node(b) === node(a)) b = uniqueKey("xb");
  const res = await raw({ url: gateway.url, token }, "/multi-exec", { body: [["SET", a, "1"], ["SET", b, "2"]] });
  const failed = res.status >= 300 || (Array.isArray(res.json) && res.json.some((entry) => "error" in entry));
  assert.ok(failed, `expected an error (CROSSSLOT), got ${res.status} ${res.text}`);
  const r = redis();
  assert.deepEqual([await r.get(a), await r.get(b)], [null, null], "a refused transaction must apply nothing");
});

test("scripts and multi-key commands on one slot", async () => {
  const r = redis();
  const tag = `{${uniqueKey("s")}}`;
  assert.deepEqual(await r.eval("redis.call('SET', KEYS[1], ARGV[1]) return {redis.call('GET', KEYS[1]), KEYS[2]}", [`${tag}:a`, `${tag}:b`], ["x"]), ["x", `${tag}:b`]);
  await r.set(`${tag}:b`, "y");
  assert.deepEqual(await r.mget(`${tag}:a`, `${tag}:b`), ["x", "y"]);
});

test("/_health is PONG", async () => {
  const res = await raw({ url: gateway.url, token }, "/_health", { method: "GET" });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { result: "PONG" });
});
