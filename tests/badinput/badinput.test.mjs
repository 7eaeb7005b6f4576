// The bad-input corpus (corpus.mjs) against the real servers: the BUILT Worker in workerd (over
// HTTP, as browsers and game servers reach it) and the real gateway, both in front of one real
// Valkey/Redis. Every case must get its documented status and error code, never a 5xx, and must
// leave every stored key exactly as it was: the store is snapshotted (DUMP of every key, and
// whether it has a TTL) before the corpus and compared after each case.
//
// About 10 s for the whole corpus, so like the other node suites it runs against Valkey and
// then Redis (scripts/test.sh).

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { after, before, describe, test } from "node:test";

import { respCommand, startGateway, startRedisServer } from "../../scripts/lib/stack.mjs";
import { SERVER_KIND, startWorker } from "../worker/harness.mjs";
import { gatewayCases, workerCases } from "./corpus.mjs";

const BOARDS = [
  { id: "global", title: "Global", order: "higher", policy: "best", periods: ["alltime", "daily"] },
  { id: "bounded", order: "higher", policy: "latest", periods: ["alltime"], min_score: 0, max_score: 1000 },
];

// Every key with its DUMP and whether it expires, in one round trip.
const SNAPSHOT_SCRIPT = `
local out = {}
local keys = redis.call('KEYS', '*')
table.sort(keys)
for _, key in ipairs(keys) do
  out[#out + 1] = key
  out[#out + 1] = redis.call('DUMP', key)
  out[#out + 1] = tostring(redis.call('PTTL', key) > 0)
end
return out`;

const stack = {};

async function snapshot() {
  const reply = await respCommand(stack.server.port, ["EVAL", SNAPSHOT_SCRIPT, "0"], 5_000);
  assert.ok(Array.isArray(reply), `snapshot failed: ${reply}`);
  const keys = new Map();
  for (let i = 0; i < reply.length; i += 3) keys.set(reply[i], `${reply[i + 2]}:${reply[i + 1]}`);
  return keys;
}

function changedKeys(before, after) {
  const changed = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    if (before.get(key) !== after.get(key)) changed.push(key);
  }
  return changed;
}

/**
 * Sends raw bytes and reads one response: until it is complete by its Content-Length or final
 * chunk, or until the server closes the connection. The client's side stays open unless
 * `halfClose`: hyper drops a connection whose client has half-closed, answer and all.
 */
function rawExchange(port, bytes, { halfClose = false, timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const chunks = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const split = text.indexOf("\r\n\r\n");
      const head = split === -1 ? text : text.slice(0, split);
      let body = split === -1 ? "" : text.slice(split + 4);
      if (/^transfer-encoding:\s*chunked/im.test(head)) body = dechunk(body);
      resolve({ status: match ? Number(match[1]) : 0, head, text: Buffer.from(body, "latin1").toString("utf8") });
    };
    const complete = () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      if (split === -1) return false;
      const head = text.slice(0, split);
      const length = /^content-length:\s*(\d+)/im.exec(head);
      if (length) return text.length - split - 4 >= Number(length[1]);
      if (/^transfer-encoding:\s*chunked/im.test(head)) return text.endsWith("0\r\n\r\n");
      return /^HTTP\/1\.[01] (1\d\d|204|304)/.test(head);
    };
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      if (!done) reject(new Error(`no complete answer within ${timeoutMs} ms`));
    });
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      if (complete()) finish();
    });
    // A server may refuse before reading everything we send: the reset is then expected.
    socket.on("error", (err) => (chunks.length ? finish() : done || reject(err)));
    socket.on("close", finish);
    socket.on("connect", () => (halfClose ? socket.end(bytes) : socket.write(bytes)));
  });
}

function dechunk(body) {
  let out = "";
  let at = 0;
  for (;;) {
    const nl = body.indexOf("\r\n", at);
    if (nl === -1) return out;
    const size = parseInt(body.slice(at, nl), 16);
    if (!size) return out;
    out += body.slice(nl + 2, nl + 2 + size);
    at = nl + 2 + size + 2;
  }
}

async function send(baseUrl, port, testCase) {
  if (testCase.raw) return rawExchange(port, testCase.raw, { halfClose: testCase.halfClose });
  const init = { method: testCase.method, headers: testCase.headers ?? {} };
  if (testCase.body !== undefined) init.body = testCase.body;
  const res = await fetch(`${baseUrl}${testCase.path}`, init);
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", text };
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Runs one part of the corpus; returns the failures as strings. */
async function runCorpus(cases, { baseUrl, port, check }) {
  const failures = [];
  let before = await snapshot();
  for (const testCase of cases) {
    let res;
    try {
      res = await send(baseUrl, port, testCase);
    } catch (err) {
      failures.push(`${testCase.name}: request failed: ${err.message}`);
      continue;
    }
    // The one 5xx allowed is one the corpus documents (workerd's 501 for an unknown method).
    const problem = res.status >= 500 && res.status !== testCase.expect.status ? `a server error, ${res.status}` : check(testCase, res);
    if (problem) failures.push(`${testCase.name}: ${problem}; got ${res.status} ${res.text.slice(0, 200)}`);
    const now = await snapshot();
    const changed = changedKeys(before, now);
    if (changed.length) failures.push(`${testCase.name}: changed stored keys ${changed.join(", ")}`);
    before = now;
  }
  return failures;
}

function httpRefusal(status, res) {
  return res.status === status ? undefined : `expected ${status} from the HTTP layer`;
}

function checkWorker(testCase, res) {
  const { status, code, http } = testCase.expect;
  if (http) return httpRefusal(status, res);
  if (res.status !== status) return `expected ${status}`;
  const json = parse(res.text);
  if (!json) return "the body is not JSON";
  if (!/^application\/json/.test(res.contentType ?? "application/json")) return `content-type ${res.contentType}`;
  if (json.error?.code !== code) return `expected code ${code}`;
  if (typeof json.error.message !== "string" || !json.error.message) return "no message";
  return undefined;
}

function checkGateway(testCase, res) {
  const { status, code, http } = testCase.expect;
  // An answer to HEAD has no body.
  if (http || testCase.method === "HEAD") return httpRefusal(status, res);
  if (res.status !== status) return `expected ${status}`;
  const json = parse(res.text);
  if (!json || typeof json.error !== "string") return "the body is not {\"error\": \"…\"}";
  if (!json.error.startsWith(code)) return `expected an error starting with ${JSON.stringify(code)}`;
  if (Object.keys(json).length !== 1) return "more than the error in the body";
  return undefined;
}

before(async () => {
  stack.server = await startRedisServer({ kind: SERVER_KIND });
  stack.token = `full_${randomBytes(12).toString("hex")}`;
  stack.readOnlyToken = `ro_${randomBytes(12).toString("hex")}`;
  stack.gateway = await startGateway({ redisUrl: stack.server.gatewayUrl, token: stack.token, readOnlyToken: stack.readOnlyToken });
  stack.serverKey = `server_${randomBytes(16).toString("hex")}`;
  // With an admin key, so that the corpus covers the server key on moderation routes too.
  stack.adminKey = `admin_${randomBytes(16).toString("hex")}`;
  stack.mf = await startWorker(
    {
      UPSTASH_REDIS_REST_URL: stack.gateway.url,
      UPSTASH_REDIS_REST_TOKEN: stack.token,
      PODIUM_SERVER_KEY: stack.serverKey,
      PODIUM_ADMIN_KEY: stack.adminKey,
      PODIUM_BOARDS: JSON.stringify(BOARDS),
      PODIUM_CACHE_SECONDS: "0",
      PODIUM_SESSION_TTL_SECS: "600",
    },
    { host: "127.0.0.1", port: 0 },
  );
  stack.workerUrl = (await stack.mf.ready).toString().replace(/\/$/, "");
  stack.workerPort = Number(new URL(stack.workerUrl).port);
  stack.gatewayPort = Number(new URL(stack.gateway.url).port);

  // Data for the corpus to (fail to) change: scores, names, a live and an ended session, and
  // one key of each type behind the gateway.
  const write = async (path, body, token = stack.serverKey) => {
    const res = await fetch(`${stack.workerUrl}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.status < 300, `${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  stack.playerA = "player-a";
  stack.playerB = "player-b";
  await write("/v1/boards/global/scores", { player: stack.playerA, score: 1500, name: "Alice" });
  await write("/v1/boards/global/scores", { player: stack.playerB, score: 900 });
  await write("/v1/boards/bounded/scores", { player: stack.playerA, score: 500 });
  // A registry board with a score, for the board API's cases (a dangerous change, a stale If-Match).
  const created = await fetch(`${stack.workerUrl}/v1/boards/made`, {
    method: "PUT",
    headers: { authorization: `Bearer ${stack.adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ policy: "sum", periods: ["alltime", "daily"] }),
  });
  assert.equal(created.status, 201, await created.text());
  await write("/v1/boards/made/scores", { player: stack.playerA, score: 5 });
  stack.sessionA = (await write("/v1/sessions", { player: stack.playerA })).token;
  stack.endedSession = (await write("/v1/sessions", { player: stack.playerB })).token;
  const ended = await fetch(`${stack.workerUrl}/v1/sessions/current`, { method: "DELETE", headers: { authorization: `Bearer ${stack.endedSession}` } });
  assert.equal(ended.status, 204);

  stack.keys = { str: "bi:string", counter: "bi:counter", zset: "bi:zset", hash: "bi:hash", list: "bi:list" };
  for (const command of [
    ["SET", stack.keys.str, "original"],
    ["SET", stack.keys.counter, "5"],
    ["ZADD", stack.keys.zset, "1", "a", "2", "b"],
    ["HSET", stack.keys.hash, "field", "value"],
    ["RPUSH", stack.keys.list, "x", "y"],
  ]) {
    await respCommand(stack.server.port, command);
  }
});

after(async () => {
  await stack.mf?.dispose();
  await stack.gateway?.stop();
  await stack.server?.stop();
});

describe("bad input", () => {
  test("the Worker answers every malformed request with its documented code and changes nothing", async (t) => {
    const cases = workerCases({
      serverKey: stack.serverKey,
      adminKey: stack.adminKey,
      sessionA: stack.sessionA,
      playerA: stack.playerA,
      playerB: stack.playerB,
      endedSession: stack.endedSession,
      gatewayToken: stack.token,
    });
    assert.ok(cases.length >= 100, `only ${cases.length} Worker cases`);
    const failures = await runCorpus(cases, { baseUrl: stack.workerUrl, port: stack.workerPort, check: checkWorker });
    t.diagnostic(`${cases.length} Worker cases, ${failures.length} failed`);
    assert.deepEqual(failures, []);
  });

  test("the gateway answers every malformed request with its documented error and changes nothing", async (t) => {
    const cases = gatewayCases({ token: stack.token, readOnlyToken: stack.readOnlyToken, ...stack.keys });
    assert.ok(cases.length >= 100, `only ${cases.length} gateway cases`);
    const failures = await runCorpus(cases, { baseUrl: stack.gateway.url, port: stack.gatewayPort, check: checkGateway });
    t.diagnostic(`${cases.length} gateway cases, ${failures.length} failed`);
    assert.deepEqual(failures, []);
  });

  test("both still serve well-formed requests afterwards", async () => {
    const top = await fetch(`${stack.workerUrl}/v1/boards/global/top`);
    assert.equal(top.status, 200);
    const body = await top.json();
    assert.deepEqual(
      body.entries.map((e) => [e.player, e.score, e.name]),
      [
        [stack.playerA, 1500, "Alice"],
        [stack.playerB, 900, null],
      ],
    );
    const get = await fetch(`${stack.gateway.url}/get/${stack.keys.str}`, { headers: { authorization: `Bearer ${stack.token}` } });
    assert.deepEqual(await get.json(), { result: "original" });
  });
});
