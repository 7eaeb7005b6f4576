// The Upstash REST protocol on the wire, with plain fetch: request forms, response shapes,
// encodings, RESP2 output, methods, sync tokens, limits and refused commands.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { direct, raw, serverError, uniqueKey, useStack } from "./harness.mjs";

const stack = useStack();

const enc = encodeURIComponent;
const b64 = (text) => Buffer.from(text, "utf8").toString("base64");

describe("request forms", () => {
  test("path form: GET /set/foo/bar then GET /get/foo", async () => {
    const k = uniqueKey("path");
    const set = await raw(stack, `/set/${k}/bar`, { method: "GET" });
    assert.equal(set.status, 200);
    assert.deepEqual(set.json, { result: "OK" });
    assert.match(set.headers.get("content-type") ?? "", /^application\/json/);
    const get = await raw(stack, `/get/${k}`, { method: "GET" });
    assert.deepEqual(get.json, { result: "bar" });
    assert.equal(await direct(stack, ["GET", k]), "bar");
  });

  test("path form: command names are case-insensitive, segments are URL-decoded", async () => {
    const k = uniqueKey("a b/c?d#é🎮");
    const value = "value with spaces / slashes ? & = % ü 🏆";
    const set = await raw(stack, `/SET/${enc(k)}/${enc(value)}`, { method: "GET" });
    assert.deepEqual(set.json, { result: "OK" });
    assert.equal(await direct(stack, ["GET", k]), value);
    const get = await raw(stack, `/Get/${enc(k)}`, { method: "GET" });
    assert.deepEqual(get.json, { result: value });
  });

  test("path form with options: /set/k/v/EX/100", async () => {
    const k = uniqueKey("pathex");
    const res = await raw(stack, `/set/${k}/v/EX/100`, { method: "GET" });
    assert.deepEqual(res.json, { result: "OK" });
    const ttl = await raw(stack, `/ttl/${k}`, { method: "GET" });
    assert.ok(ttl.json.result > 90 && ttl.json.result <= 100, ttl.text);
  });

  test("path form: zadd / zrange with withscores", async () => {
    const k = uniqueKey("pathz");
    assert.deepEqual((await raw(stack, `/zadd/${k}/10/alice/20/bob`, { method: "GET" })).json, { result: 2 });
    assert.deepEqual((await raw(stack, `/zrange/${k}/0/-1/REV/WITHSCORES`, { method: "GET" })).json, {
      result: ["bob", "20", "alice", "10"],
    });
    assert.deepEqual((await raw(stack, `/zincrby/${k}/0.5/alice`, { method: "GET" })).json, { result: "10.5" });
  });

  test("path + body: the raw body is the last argument", async () => {
    const k = uniqueKey("pathbody");
    const body = '["not","parsed"] and more text ✓\nline 2';
    const res = await raw(stack, `/set/${k}`, { body });
    assert.deepEqual(res.json, { result: "OK" });
    assert.equal(await direct(stack, ["GET", k]), body);
    const put = await raw(stack, `/hset/${k}:h/field`, { method: "PUT", body: "from put" });
    assert.deepEqual(put.json, { result: 1 });
    assert.equal(await direct(stack, ["HGET", `${k}:h`, "field"]), "from put");
  });

  test("path + query: POST /set/foo?EX=100 with body bar", async () => {
    const k = uniqueKey("pathquery");
    const res = await raw(stack, `/set/${k}?EX=100`, { body: "bar" });
    assert.deepEqual(res.json, { result: "OK" });
    assert.equal(await direct(stack, ["GET", k]), "bar");
    const ttl = Number((await direct(stack, ["TTL", k])).slice(1));
    assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
  });

  test("path + query without body: GET /set/k/v?EX=100", async () => {
    const k = uniqueKey("getquery");
    const res = await raw(stack, `/set/${k}/v?EX=100`, { method: "GET" });
    assert.deepEqual(res.json, { result: "OK" });
    const ttl = Number((await direct(stack, ["TTL", k])).slice(1));
    assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
  });

  test("body form: numbers keep the text they were sent with", async () => {
    const k = uniqueKey("nums");
    const text = `["MSET", "${k}:a", 1.50, "${k}:b", 12345678901234567890, "${k}:c", -0, "${k}:d", 1e3]`;
    const res = await raw(stack, "/", { body: text });
    assert.deepEqual(res.json, { result: "OK" });
    assert.equal(await direct(stack, ["GET", `${k}:a`]), "1.50");
    assert.equal(await direct(stack, ["GET", `${k}:b`]), "12345678901234567890");
    assert.equal(await direct(stack, ["GET", `${k}:c`]), "-0");
    assert.equal(await direct(stack, ["GET", `${k}:d`]), "1e3");
    const ex = await raw(stack, "/", { body: ["SET", k, "v", "EX", 100] });
    assert.deepEqual(ex.json, { result: "OK" });
    assert.ok(Number((await direct(stack, ["TTL", k])).slice(1)) > 90);
  });

  test("body form: booleans become true / false", async () => {
    const k = uniqueKey("bools");
    const res = await raw(stack, "/", { body: ["MSET", `${k}:t`, true, `${k}:f`, false] });
    assert.deepEqual(res.json, { result: "OK" });
    assert.equal(await direct(stack, ["GET", `${k}:t`]), "true");
    assert.equal(await direct(stack, ["GET", `${k}:f`]), "false");
  });

  test("any Content-Type (or none) is accepted", async () => {
    const k = uniqueKey("ctype");
    for (const headers of [{}, { "content-type": "text/plain" }, { "content-type": "application/x-www-form-urlencoded" }, { "content-type": "application/json; charset=utf-8" }]) {
      const res = await raw(stack, "/", { body: ["INCR", k], headers });
      assert.equal(res.status, 200, `${JSON.stringify(headers)}: ${res.text}`);
    }
    assert.equal(await direct(stack, ["GET", k]), "4");
  });

  test("HEAD, GET, POST and PUT are allowed; DELETE and PATCH get 405", async () => {
    const k = uniqueKey("methods");
    await direct(stack, ["SET", k, "v"]);
    const head = await raw(stack, `/get/${k}`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.text, "");
    assert.deepEqual((await raw(stack, `/get/${k}`, { method: "PUT" })).json, { result: "v" });
    for (const method of ["DELETE", "PATCH"]) {
      const res = await raw(stack, `/get/${k}`, { method });
      assert.equal(res.status, 405, `${method}: ${res.status} ${res.text}`);
    }
    const del = await raw(stack, `/del/${k}`, { method: "DELETE" });
    assert.equal(del.status, 405);
    assert.equal(await direct(stack, ["GET", k]), "v", "a refused DELETE must not run the command");
  });
});

describe("responses", () => {
  test('"result" is present and null for a missing key', async () => {
    const res = await raw(stack, "/", { body: ["GET", uniqueKey("missing")] });
    assert.equal(res.status, 200);
    assert.equal(res.text.replace(/\s/g, ""), '{"result":null}');
  });

  test("integers stay integers; scores and floats are strings; maps are flat arrays", async () => {
    const k = uniqueKey("shapes");
    assert.deepEqual((await raw(stack, "/", { body: ["ZADD", k, "1.5", "a", "2", "b"] })).json, { result: 2 });
    assert.deepEqual((await raw(stack, "/", { body: ["ZSCORE", k, "a"] })).json, { result: "1.5" });
    assert.deepEqual((await raw(stack, "/", { body: ["ZRANGE", k, "0", "-1", "WITHSCORES"] })).json, {
      result: ["a", "1.5", "b", "2"],
    });
    assert.deepEqual((await raw(stack, "/", { body: ["INCRBYFLOAT", `${k}:f`, "0.25"] })).json, { result: "0.25" });
    assert.deepEqual((await raw(stack, "/", { body: ["HSET", `${k}:h`, "f1", "v1", "f2", "v2"] })).json, { result: 2 });
    assert.deepEqual((await raw(stack, "/", { body: ["HGETALL", `${k}:h`] })).json, { result: ["f1", "v1", "f2", "v2"] });
    assert.deepEqual((await raw(stack, "/", { body: ["EXISTS", k, `${k}:none`] })).json, { result: 1 });
  });

  test("errors: 400 with the server's text", async () => {
    const k = uniqueKey("err");
    await direct(stack, ["SET", k, "abc"]);
    const incr = await raw(stack, "/", { body: ["INCR", k] });
    assert.equal(incr.status, 400);
    assert.deepEqual(incr.json, { error: "ERR value is not an integer or out of range" });
    const arity = await raw(stack, "/", { body: ["GET"] });
    assert.equal(arity.status, 400);
    assert.deepEqual(arity.json, { error: await serverError(stack, ["GET"]) });
    const unknown = await raw(stack, "/", { body: ["NOSUCHCOMMAND", "x"] });
    assert.equal(unknown.status, 400);
    assert.match(unknown.json.error, /^ERR unknown command/);
  });

  test("malformed requests get 400 with an error", async () => {
    for (const body of ["not json", "[]", '{"cmd":"GET"}', '["GET", {"a":1}]', "[[\"GET\",\"x\"]]"]) {
      const res = await raw(stack, "/", { body });
      assert.equal(res.status, 400, `${body}: ${res.status} ${res.text}`);
      assert.equal(typeof res.json?.error, "string", `${body}: ${res.text}`);
    }
  });

  test("pipeline: one entry per command, error entries have no result and vice versa", async () => {
    const k = uniqueKey("rawpipe");
    const res = await raw(stack, "/pipeline", {
      body: [["SET", k, "v"], ["INCR", k], ["GET", k], ["GET", `${k}:none`], ["ZADD", `${k}:z`, 1, "m"]],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, [
      { result: "OK" },
      { error: "ERR value is not an integer or out of range" },
      { result: "v" },
      { result: null },
      { result: 1 },
    ]);
  });

  test("transaction: array of entries, runtime errors inline", async () => {
    const k = uniqueKey("rawtx");
    const res = await raw(stack, "/multi-exec", { body: [["SET", k, "v"], ["INCR", k], ["APPEND", k, "w"], ["GET", k]] });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, [
      { result: "OK" },
      { error: "ERR value is not an integer or out of range" },
      { result: 2 },
      { result: "vw" },
    ]);
  });

  test("upstash-sync-token is sent, changes after writes, and any echoed value is accepted", async () => {
    const k = uniqueKey("sync");
    const r1 = await raw(stack, "/", { body: ["GET", k] });
    const t1 = r1.headers.get("upstash-sync-token");
    assert.ok(t1, "a sync token header is present");
    const r2 = await raw(stack, "/", { body: ["SET", k, "v"], headers: { "upstash-sync-token": t1 } });
    const t2 = r2.headers.get("upstash-sync-token");
    assert.ok(t2 && t2 !== t1, `token must change after a write (${t1} -> ${t2})`);
    const r3 = await raw(stack, "/pipeline", { body: [["INCR", `${k}:c`]], headers: { "upstash-sync-token": t2 } });
    const t3 = r3.headers.get("upstash-sync-token");
    assert.ok(t3 && t3 !== t2, "token must change after a pipeline");
    const r4 = await raw(stack, "/", { body: ["EVAL", "return redis.call('INCR', KEYS[1])", 1, `${k}:c`], headers: { "upstash-sync-token": t3 } });
    const t4 = r4.headers.get("upstash-sync-token");
    assert.ok(t4 && t4 !== t3, "token must change after a script");
    for (const echoed of ["", "garbage", "0", "ffffffffffffffffffffffffffffffffffffffff", t1]) {
      const res = await raw(stack, "/", { body: ["GET", k], headers: { "upstash-sync-token": echoed } });
      assert.equal(res.status, 200, `echoed ${JSON.stringify(echoed)}: ${res.text}`);
      assert.deepEqual(res.json, { result: "v" });
    }
  });
});

describe("Upstash-Encoding: base64", () => {
  const B64 = { "upstash-encoding": "base64" };

  test("strings are encoded, integers and null are not, a top-level status OK is not", async () => {
    const k = uniqueKey("b64");
    const set = await raw(stack, "/", { body: ["SET", k, "bar"], headers: B64 });
    assert.deepEqual(set.json, { result: "OK" });
    assert.deepEqual((await raw(stack, `/get/${k}`, { method: "GET", headers: B64 })).json, { result: "YmFy" });
    assert.deepEqual((await raw(stack, "/", { body: ["STRLEN", k], headers: B64 })).json, { result: 3 });
    assert.deepEqual((await raw(stack, "/", { body: ["GET", `${k}:none`], headers: B64 })).json, { result: null });
  });

  test('arrays are encoded recursively, including an "OK" element', async () => {
    const k = uniqueKey("b64arr");
    await direct(stack, ["SET", `${k}:ok`, "OK"]);
    await direct(stack, ["SET", `${k}:emoji`, "🎮"]);
    const mget = await raw(stack, "/", { body: ["MGET", `${k}:ok`, `${k}:none`, `${k}:emoji`], headers: B64 });
    assert.deepEqual(mget.json, { result: ["T0s=", null, b64("🎮")] });
    const nested = await raw(stack, "/", {
      body: ["EVAL", "return {'a', 7, {'b', 'OK'}}", "0"],
      headers: B64,
    });
    assert.deepEqual(nested.json, { result: [b64("a"), 7, [b64("b"), "T0s="]] });
  });

  test("error texts are never encoded", async () => {
    const k = uniqueKey("b64err");
    await direct(stack, ["SET", k, "abc"]);
    const res = await raw(stack, "/", { body: ["INCR", k], headers: B64 });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, { error: "ERR value is not an integer or out of range" });
    const pipe = await raw(stack, "/pipeline", { body: [["INCR", k], ["GET", k]], headers: B64 });
    assert.deepEqual(pipe.json, [{ error: "ERR value is not an integer or out of range" }, { result: b64("abc") }]);
  });

  test("bytes that are not UTF-8: exact with base64, U+FFFD without", async () => {
    const k = uniqueKey("bytes");
    await raw(stack, "/", { body: ["EVAL", "return redis.call('SET', KEYS[1], 'a\\255\\254z')", "1", k] });
    const encoded = await raw(stack, "/", { body: ["GET", k], headers: B64 });
    assert.deepEqual(encoded.json, { result: Buffer.from([0x61, 0xff, 0xfe, 0x7a]).toString("base64") });
    const plain = await raw(stack, "/", { body: ["GET", k] });
    assert.deepEqual(plain.json, { result: "a\uFFFD\uFFFDz" });
  });
});

describe("Upstash-Response-Format: resp2", () => {
  const RESP2 = { "upstash-response-format": "resp2" };
  const text = (res) => Buffer.from(res.bytes).toString("latin1");

  test("raw RESP2 bytes for each reply type", async () => {
    const k = uniqueKey("resp2");
    const set = await raw(stack, "/", { body: ["SET", k, "bar"], headers: RESP2 });
    assert.equal(set.status, 200);
    assert.equal(set.headers.get("content-type"), "application/octet-stream");
    assert.equal(text(set), "+OK\r\n");
    assert.equal(text(await raw(stack, `/get/${k}`, { method: "GET", headers: RESP2 })), "$3\r\nbar\r\n");
    assert.equal(text(await raw(stack, "/", { body: ["STRLEN", k], headers: RESP2 })), ":3\r\n");
    assert.equal(text(await raw(stack, "/", { body: ["GET", `${k}:none`], headers: RESP2 })), "$-1\r\n");
    await direct(stack, ["ZADD", `${k}:z`, "1", "a", "2", "b"]);
    assert.equal(
      text(await raw(stack, "/", { body: ["ZRANGE", `${k}:z`, "0", "-1", "WITHSCORES"], headers: RESP2 })),
      "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    assert.equal(text(await raw(stack, "/", { body: ["MGET", k, `${k}:none`], headers: RESP2 })), "*2\r\n$3\r\nbar\r\n$-1\r\n");
  });

  test("binary values come back byte for byte", async () => {
    const k = uniqueKey("resp2bytes");
    await raw(stack, "/", { body: ["EVAL", "return redis.call('SET', KEYS[1], 'a\\255\\r\\nz')", "1", k] });
    const res = await raw(stack, "/", { body: ["GET", k], headers: RESP2 });
    assert.deepEqual([...res.bytes], [...Buffer.from("$5\r\na\xff\r\nz\r\n", "latin1")]);
  });

  test("an error keeps the server's text (as a RESP2 error, or as the usual JSON 400)", async () => {
    const k = uniqueKey("resp2err");
    await direct(stack, ["SET", k, "abc"]);
    const res = await raw(stack, "/", { body: ["INCR", k], headers: RESP2 });
    if (res.json !== undefined) {
      assert.equal(res.status, 400);
      assert.deepEqual(res.json, { error: "ERR value is not an integer or out of range" });
    } else {
      assert.equal(text(res), "-ERR value is not an integer or out of range\r\n");
    }
  });

  test("json is accepted; unknown formats and resp2 with base64 are refused", async () => {
    const k = uniqueKey("fmt");
    await direct(stack, ["SET", k, "v"]);
    const json = await raw(stack, "/", { body: ["GET", k], headers: { "upstash-response-format": "json" } });
    assert.deepEqual(json.json, { result: "v" });
    const bad = await raw(stack, "/", { body: ["GET", k], headers: { "upstash-response-format": "xml" } });
    assert.equal(bad.status, 400, bad.text);
    const both = await raw(stack, "/", { body: ["GET", k], headers: { ...RESP2, "upstash-encoding": "base64" } });
    assert.equal(both.status, 400, both.text);
  });
});

describe("limits and refused commands", () => {
  test("dangerous commands are refused without --allow-dangerous-commands, and do nothing", async () => {
    const k = uniqueKey("survivor");
    await direct(stack, ["SET", k, "still here"]);
    for (const body of [["FLUSHALL"], ["FLUSHDB"], ["KEYS", "*"], ["CONFIG", "SET", "maxmemory", "1"], ["flushall", "ASYNC"]]) {
      const res = await raw(stack, "/", { body });
      assert.equal(res.status, 400, `${body.join(" ")}: ${res.status} ${res.text}`);
      assert.equal(typeof res.json.error, "string");
    }
    const piped = await raw(stack, "/pipeline", { body: [["FLUSHALL"], ["GET", k]] });
    assert.equal(piped.status, 200);
    assert.equal(typeof piped.json[0].error, "string");
    assert.deepEqual(piped.json[1], { result: "still here" });
    const tx = await raw(stack, "/multi-exec", { body: [["FLUSHDB"], ["GET", k]] });
    assert.ok(JSON.stringify(tx.json).includes("error"), tx.text);
    assert.equal(await direct(stack, ["GET", k]), "still here");
    assert.deepEqual(await direct(stack, ["CONFIG", "GET", "maxmemory"]), ["maxmemory", "0"]);
  });

  test("connection-state commands never reach a pooled connection", async () => {
    const k = uniqueKey("db0");
    await direct(stack, ["SET", k, "db0 value"]);
    for (const body of [["SELECT", "1"], ["CLIENT", "SETNAME", "x"], ["HELLO", "3"], ["RESET"], ["WATCH", k], ["MULTI"], ["AUTH", "x"]]) {
      const res = await raw(stack, "/", { body });
      assert.equal(res.status, 400, `${body.join(" ")}: ${res.status} ${res.text}`);
    }
    const selected = await raw(stack, "/pipeline", { body: [["SELECT", "1"], ["GET", k]] });
    assert.deepEqual(selected.json?.[1], { result: "db0 value" }, selected.text);
    const gets = await Promise.all(Array.from({ length: 20 }, () => raw(stack, "/", { body: ["GET", k] })));
    for (const res of gets) assert.deepEqual(res.json, { result: "db0 value" });
    // After a HELLO 3 on a pooled connection, scores would come back as RESP3 doubles.
    await direct(stack, ["ZADD", `${k}:z`, "1.5", "m"]);
    const scores = await Promise.all(Array.from({ length: 20 }, () => raw(stack, "/", { body: ["ZSCORE", `${k}:z`, "m"] })));
    for (const res of scores) assert.equal(res.text.replace(/\s/g, ""), '{"result":"1.5"}');
  });

  test("blocking commands are refused", async () => {
    const started = Date.now();
    for (const body of [["BLPOP", uniqueKey("l"), "5"], ["BZPOPMIN", uniqueKey("z"), "5"], ["XREAD", "BLOCK", "5000", "STREAMS", uniqueKey("s"), "$"]]) {
      const res = await raw(stack, "/", { body });
      assert.equal(res.status, 400, `${body[0]}: ${res.status} ${res.text}`);
    }
    assert.ok(Date.now() - started < 4000, "refused, not executed");
  });

  test("PING and ECHO are allowed", async () => {
    assert.deepEqual((await raw(stack, "/", { body: ["PING"] })).json, { result: "PONG" });
    assert.deepEqual((await raw(stack, "/", { body: ["ECHO", "hi"] })).json, { result: "hi" });
    assert.deepEqual((await raw(stack, "/ping", { method: "GET" })).json, { result: "PONG" });
  });

  test("a request over 10 MB is refused with ERR max request size exceeded", async () => {
    const k = uniqueKey("huge");
    const res = await raw(stack, "/", { body: ["SET", k, "x".repeat(10 * 1024 * 1024 + 16)] });
    assert.equal(res.status, 400, `${res.status} ${res.text.slice(0, 200)}`);
    assert.deepEqual(res.json, { error: "ERR max request size exceeded" });
    assert.equal(await direct(stack, ["EXISTS", k]), ":0");
    const ok = await raw(stack, "/", { body: ["SET", k, "x".repeat(1024 * 1024)] });
    assert.deepEqual(ok.json, { result: "OK" }, "1 MB is fine");
  });

  test("a key over 32 KB is refused", async () => {
    const k = `${uniqueKey("longkey")}:${"k".repeat(33 * 1024)}`;
    const res = await raw(stack, "/", { body: ["SET", k, "v"] });
    assert.equal(res.status, 400, `${res.status} ${res.text.slice(0, 200)}`);
    assert.equal(typeof res.json.error, "string");
    assert.equal(await direct(stack, ["EXISTS", k]), ":0");
  });
});

describe("CORS", () => {
  test("preflight allows the client's headers", async () => {
    const res = await fetch(`${stack.url}/`, {
      method: "OPTIONS",
      headers: {
        origin: "https://example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type,upstash-encoding,upstash-sync-token,upstash-telemetry-sdk",
      },
    });
    assert.ok(res.status >= 200 && res.status < 300, `preflight status ${res.status}`);
    const allowed = (res.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    for (const h of ["authorization", "content-type", "upstash-encoding", "upstash-sync-token", "upstash-telemetry-sdk"]) {
      assert.ok(allowed === "*" || allowed.includes(h), `${h} not in allow-headers: ${allowed}`);
    }
    assert.ok(res.headers.get("access-control-allow-origin"), "allow-origin present");
  });

  test("responses expose upstash-sync-token", async () => {
    const res = await raw(stack, "/", { body: ["PING"], headers: { origin: "https://example.com" } });
    assert.ok(res.headers.get("access-control-allow-origin"));
    assert.match((res.headers.get("access-control-expose-headers") ?? "").toLowerCase(), /upstash-sync-token/);
  });
});
