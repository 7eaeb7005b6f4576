// Lua scripts through EVAL / EVALSHA / SCRIPT LOAD and the client's Script helper.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import { client, raw, serverError, uniqueKey, useStack } from "./harness.mjs";

const stack = useStack();

const sha1 = (text) => createHash("sha1").update(text).digest("hex");

// Submit a score, keep the best one, and return [best score, rank from the top].
const SUBMIT = `
local current = redis.call('ZSCORE', KEYS[1], ARGV[1])
if (not current) or tonumber(ARGV[2]) > tonumber(current) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
end
return {redis.call('ZSCORE', KEYS[1], ARGV[1]), redis.call('ZREVRANK', KEYS[1], ARGV[1])}
`;

test("eval with keys and args returns nested values", async () => {
  const r = client(stack);
  const k = uniqueKey("eval");
  const result = await r.eval("return {KEYS[1], ARGV[1], tonumber(ARGV[2]) + 1, {ARGV[3]}}", [k], ["hello", 41, "ünï🎲"]);
  assert.deepEqual(result, [k, "hello", 42, ["ünï🎲"]]);
});

test("eval: nil, status replies and Lua booleans", async () => {
  const r = client(stack);
  const k = uniqueKey("evalshapes");
  assert.equal(await r.eval("return nil", [], []), null);
  assert.equal(await r.eval("return redis.call('SET', KEYS[1], 'x')", [k], []), "OK");
  assert.equal(await r.eval("return redis.status_reply('FINE')", [], []), "FINE");
  assert.equal(await r.eval("return true", [], []), 1);
  assert.equal(await r.eval("return false", [], []), null);
  assert.equal(await r.eval("return 3.99", [], []), 3, "Lua numbers become integers");
  assert.equal(await r.get(k), "x");
});

test("an error raised by a script keeps the server's text", async () => {
  const r = client(stack);
  await assert.rejects(r.eval("return redis.error_reply('MYERR something specific')", [], []), /^UpstashError: MYERR something specific/);
  const res = await raw(stack, "/", { body: ["EVAL", "return redis.error_reply('MYERR something specific')", "0"] });
  assert.equal(res.status, 400);
  assert.deepEqual(res.json, { error: "MYERR something specific" });
});

test("script load returns the SHA-1, evalsha runs it", async () => {
  const r = client(stack);
  const k = uniqueKey("lb");
  const sha = await r.scriptLoad(SUBMIT);
  assert.equal(sha, sha1(SUBMIT));
  assert.deepEqual(await r.evalsha(sha, [k], ["alice", 100]), [100, 0]);
  assert.deepEqual(await r.evalsha(sha, [k], ["bob", 300]), [300, 0]);
  assert.deepEqual(await r.evalsha(sha, [k], ["alice", 50]), [100, 1], "a lower score is not kept");
  assert.deepEqual(await r.evalsha(sha, [k], ["alice", 500]), [500, 0]);
  assert.deepEqual(await r.zrange(k, 0, -1, { withScores: true }), ["bob", 300, "alice", 500]);
  assert.deepEqual(await r.scriptExists(sha, sha1("never loaded")), [1, 0]);
});

test("evalsha of an unknown script gives NOSCRIPT with the server's exact text", async () => {
  const unknown = sha1(`return 'unknown ${uniqueKey()}'`);
  const expected = await serverError(stack, ["EVALSHA", unknown, "0"]);
  assert.match(expected, /^NOSCRIPT /);
  const res = await raw(stack, "/", { body: ["EVALSHA", unknown, "0"] });
  assert.equal(res.status, 400);
  assert.deepEqual(res.json, { error: expected });
  await assert.rejects(client(stack).evalsha(unknown, [], []), (err) => err.message.startsWith(expected));
});

test("createScript: EVALSHA first, EVAL on NOSCRIPT, then EVALSHA hits", async () => {
  const r = client(stack);
  const body = `return 'script:' .. ARGV[1] .. ':${uniqueKey()}'`;
  const script = r.createScript(body);
  assert.deepEqual(await r.scriptExists(sha1(body)), [0]);
  const first = await script.exec([], ["a"]);
  assert.match(first, /^script:a:/);
  assert.deepEqual(await r.scriptExists(sha1(body)), [1], "EVAL caches the script");
  assert.equal(await script.exec([], ["a"]), first);
  assert.equal(await script.evalsha([], ["a"]), first);
});

test("scripts in a pipeline and a transaction", async () => {
  const r = client(stack);
  const k = uniqueKey("ps");
  const sha = await r.scriptLoad(SUBMIT);
  const piped = await r.pipeline().evalsha(sha, [k], ["carol", 10]).eval("return redis.call('ZCARD', KEYS[1])", [k], []).exec();
  assert.deepEqual(piped, [[10, 0], 1]);
  const tx = await r.multi().evalsha(sha, [k], ["dan", 20]).zrevrank(k, "carol").exec();
  assert.deepEqual(tx, [[20, 0], 1]);
});
