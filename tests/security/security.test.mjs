// Who gets in, against the real servers: the BUILT Worker in workerd, the real gateway and a real
// Valkey/Redis. What tests/worker/routes.test.mjs and tests/compat/auth.test.mjs already cover
// (writes without or with a wrong credential, another player's session, the read-only token's
// refused writes) is not repeated; this file adds:
//   - a session that expires by its configured TTL (3 s here) and is refused afterwards;
//   - CORS: a preflight and a request from an origin not on the allow list get no CORS grant;
//   - every dangerous command of the gateway's list refused in single, pipeline and transaction
//     form, with either token, and the server checked to be untouched;
//   - scripts: with the full token they cannot run what the gateway refuses (FLUSHDB, SWAPDB,
//     KEYS, SELECT: the gateway's Redis user is denied them), the read-only token runs none, and
//     a runaway script is ended with SCRIPT KILL through the gateway, which then serves again;
//   - HEAD never writes;
//   - RESP2 replies that a command name with CRLF cannot split;
//   - no secret (server key, admin key, gateway tokens, session tokens, wrong tokens tried) in any log: the
//     gateway's (at debug level), the Worker's console and the Valkey/Redis server's, including
//     the error paths of a store that is down.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";

import { freePort, respCommand, startGateway, startRedisServer } from "../../scripts/lib/stack.mjs";
import { SERVER_KIND, startWorker } from "../worker/harness.mjs";

const BOARDS = [{ id: "global", order: "higher", policy: "best", periods: ["alltime"] }];
const ALLOWED_ORIGIN = "https://game.example";

const stack = { logs: [], secrets: new Map() };

/** A secret the logs must never contain, under a name for the failure message. */
function secret(name, value) {
  stack.secrets.set(name, value);
  return value;
}

/** Starts the Worker with these bindings, keeping everything workerd and the Worker print. */
async function worker(name, bindings) {
  const captured = { text: "" };
  stack.logs.push({ name, get text() { return captured.text; } });
  const append = (chunk) => {
    captured.text += chunk.toString();
  };
  const mf = await startWorker(bindings, {
    host: "127.0.0.1",
    port: 0,
    handleRuntimeStdio(stdout, stderr) {
      stdout.on("data", append);
      stderr.on("data", append);
    },
    handleStructuredLogs({ level, message }) {
      append(`${level}: ${message}\n`);
    },
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return { mf, url };
}

async function call(base, method, path, { token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined) h["content-type"] ??= "application/json";
  const res = await fetch(`${base}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, bytes: Buffer.from(text, "latin1") };
}

before(async () => {
  stack.server = await startRedisServer({ kind: SERVER_KIND });
  stack.logs.push({ name: `${SERVER_KIND}-server`, get text() { return stack.server.logs(); } });
  stack.token = secret("gateway token", `full_${randomBytes(16).toString("hex")}`);
  stack.readOnlyToken = secret("read-only token", `ro_${randomBytes(16).toString("hex")}`);
  // Debug level everywhere: whatever the gateway or its libraries would print when asked for more.
  const env = { RUST_LOG: "debug" };
  // The gateway's Redis password must stay out of every log too.
  secret("the gateway's Redis password", new URL(stack.server.gatewayUrl).password);
  stack.gateway = await startGateway({ redisUrl: stack.server.gatewayUrl, token: stack.token, readOnlyToken: stack.readOnlyToken, env });
  stack.logs.push({ name: "gateway", get text() { return stack.gateway.logs(); } });
  stack.serverKey = secret("server key", `server_${randomBytes(16).toString("hex")}`);
  stack.adminKey = secret("admin key", `admin_${randomBytes(16).toString("hex")}`);
  const bindings = {
    UPSTASH_REDIS_REST_URL: stack.gateway.url,
    UPSTASH_REDIS_REST_TOKEN: stack.token,
    PODIUM_SERVER_KEY: stack.serverKey,
    PODIUM_ADMIN_KEY: stack.adminKey,
    PODIUM_BOARDS: JSON.stringify(BOARDS),
    PODIUM_CORS_ORIGINS: ALLOWED_ORIGIN,
    PODIUM_CACHE_SECONDS: "0",
    PODIUM_SESSION_TTL_SECS: "3",
  };
  stack.worker = await worker("worker", bindings);

  // A gateway and a Worker whose store is down, for the error paths' logs.
  const deadPort = await freePort();
  stack.deadGateway = await startGateway({ redisUrl: `redis://127.0.0.1:${deadPort}`, token: stack.token, readOnlyToken: stack.readOnlyToken, env, extraArgs: ["--request-timeout-ms", "500"] });
  stack.logs.push({ name: "gateway without Redis", get text() { return stack.deadGateway.logs(); } });
  stack.deadWorker = await worker("worker without a store", { ...bindings, UPSTASH_REDIS_REST_URL: stack.deadGateway.url });
});

after(async () => {
  await stack.worker?.mf.dispose();
  await stack.deadWorker?.mf.dispose();
  await stack.gateway?.stop();
  await stack.deadGateway?.stop();
  await stack.server?.stop();
});

describe("sessions", () => {
  test("a session expires by its TTL and is then refused", async () => {
    const w = stack.worker.url;
    const started = Date.now();
    const created = await call(w, "POST", "/v1/sessions", { token: stack.serverKey, body: { player: "expiring" } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.expires_in, 3);
    const token = secret("session token (expiring)", created.json.token);
    const fresh = await call(w, "POST", "/v1/boards/global/scores", { token, body: { player: "expiring", score: 10 } });
    assert.equal(fresh.status, 200, fresh.text);
    // The token's own expiry (from PODIUM_SESSION_TTL_SECS, signed into it) is what ends a
    // session; nothing is stored. Write until the Worker refuses, on the real clock.
    let refusedAt;
    while (Date.now() - started < 10_000) {
      const res = await call(w, "POST", "/v1/boards/global/scores", { token, body: { player: "expiring", score: 10 } });
      if (res.status === 401) {
        refusedAt = Date.now();
        break;
      }
      assert.equal(res.status, 200, res.text);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(refusedAt !== undefined, "the session was never refused");
    const lived = refusedAt - started;
    assert.ok(lived >= 2_900 && lived < 10_000, `the session lived ${lived} ms with a 3 s TTL`);
    const expired = await call(w, "POST", "/v1/boards/global/scores", { token, body: { player: "expiring", score: 20 } });
    assert.deepEqual([expired.status, expired.json?.error?.code], [401, "unauthorized"], expired.text);
    const score = await call(w, "GET", "/v1/boards/global/players/expiring");
    assert.equal(score.json.score, 10, "the refused write changed nothing");
  });

  test("tokens of other players and wrong tokens write nothing", async () => {
    const w = stack.worker.url;
    const mine = secret("session token (mallory)", (await call(w, "POST", "/v1/sessions", { token: stack.serverKey, body: { player: "mallory" } })).json.token);
    const victim = await call(w, "POST", "/v1/boards/global/scores", { token: stack.serverKey, body: { player: "victim", score: 5 } });
    assert.equal(victim.status, 200);
    for (const [token, status] of [
      [mine, 403],
      [secret("wrong token", `wrong_${randomBytes(16).toString("hex")}`), 401],
      [stack.token, 401],
      [stack.readOnlyToken, 401],
    ]) {
      const res = await call(w, "POST", "/v1/boards/global/scores", { token, body: { player: "victim", score: 1_000_000 } });
      assert.equal(res.status, status, res.text);
      const removed = await call(w, "DELETE", "/v1/boards/global/players/victim", { token });
      assert.ok([401, 403].includes(removed.status), removed.text);
    }
    const byAdmin = await call(w, "POST", "/v1/boards/global/scores", { token: stack.adminKey, body: { player: "victim", score: 1_000_000 } });
    assert.deepEqual([byAdmin.status, byAdmin.json?.error?.code], [403, "forbidden"], "the admin key writes no score");
    const byServer = await call(w, "DELETE", "/v1/boards/global/players/victim", { token: stack.serverKey });
    assert.deepEqual([byServer.status, byServer.json?.error?.code], [403, "admin_key_required"], byServer.text);
    assert.equal((await call(w, "GET", "/v1/boards/global/players/victim")).json.score, 5);
  });
});

describe("CORS", () => {
  test("an origin off the allow list gets no grant, in a preflight or a request", async () => {
    const w = stack.worker.url;
    for (const origin of ["https://evil.example", "https://game.example.evil.example", "http://game.example", "null"]) {
      const preflight = await call(w, "OPTIONS", "/v1/boards/global/scores", {
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
      });
      assert.equal(preflight.headers.get("access-control-allow-origin"), null, `preflight from ${origin}`);
      const read = await call(w, "GET", "/v1/boards/global/top", { headers: { origin } });
      assert.equal(read.status, 200);
      assert.equal(read.headers.get("access-control-allow-origin"), null, `read from ${origin}`);
      assert.equal(read.headers.get("access-control-expose-headers"), null, `read from ${origin}`);
    }
    const allowed = await call(w, "OPTIONS", "/v1/boards/global/scores", {
      headers: { origin: ALLOWED_ORIGIN, "access-control-request-method": "POST" },
    });
    assert.equal(allowed.headers.get("access-control-allow-origin"), ALLOWED_ORIGIN);
  });
});

describe("the gateway's dangerous commands", () => {
  // Issue 2's list, with the arguments that would do harm.
  const DANGEROUS = [
    ["FLUSHALL"],
    ["FLUSHDB"],
    ["CONFIG", "SET", "maxmemory", "1"],
    ["DEBUG", "SLEEP", "5"],
    ["SHUTDOWN", "NOSAVE"],
    ["MODULE", "LOAD", "/tmp/evil.so"],
    ["ACL", "SETUSER", "evil", "on", ">pw", "+@all"],
    ["CLIENT", "KILL", "TYPE", "normal"],
    ["CLIENT", "PAUSE", "10000"],
    ["REPLICAOF", "127.0.0.1", "1"],
    ["SLAVEOF", "127.0.0.1", "1"],
    ["FAILOVER"],
    ["MONITOR"],
    ["SAVE"],
    ["BGSAVE"],
    ["KEYS", "*"],
  ];

  async function serverState() {
    const port = stack.server.port;
    return {
      // Keys that do not expire: sessions made by the tests above may expire meanwhile.
      keys: await respCommand(port, ["EVAL", "local out = {} for _, k in ipairs(redis.call('KEYS', '*')) do if redis.call('PTTL', k) == -1 then out[#out + 1] = k end end table.sort(out) return out", "0"]),
      canary: await respCommand(port, ["GET", "security:canary"]),
      maxmemory: await respCommand(port, ["CONFIG", "GET", "maxmemory"]),
      users: await respCommand(port, ["ACL", "USERS"]),
      role: (await respCommand(port, ["ROLE"]))[0],
      lastsave: await respCommand(port, ["LASTSAVE"]),
    };
  }

  test("are refused in every form, with either token, and the server is untouched", async () => {
    await respCommand(stack.server.port, ["SET", "security:canary", "alive"]);
    const before = await serverState();
    const g = stack.gateway.url;
    const refused = (text) => typeof text === "string" && text.startsWith("ERR Command is not available");
    let requests = 0;
    for (const token of [stack.token, stack.readOnlyToken]) {
      for (const command of DANGEROUS) {
        const label = `${command.join(" ")} (${token === stack.token ? "full" : "read-only"} token)`;
        const single = await call(g, "POST", "/", { token, body: command });
        assert.equal(single.status, 400, `${label}: ${single.text}`);
        assert.ok(refused(single.json?.error), `${label}: ${single.text}`);
        const lower = await call(g, "POST", "/", { token, body: [command[0].toLowerCase(), ...command.slice(1)] });
        assert.ok(refused(lower.json?.error), `${label} in lower case: ${lower.text}`);
        const path = await call(g, "GET", `/${command.map(encodeURIComponent).join("/")}`, { token });
        assert.ok(refused(path.json?.error), `${label} as a path: ${path.text}`);
        const pipeline = await call(g, "POST", "/pipeline", { token, body: [["GET", "security:canary"], command, ["GET", "security:canary"]] });
        assert.equal(pipeline.status, 200, `${label} in a pipeline: ${pipeline.text}`);
        assert.deepEqual(pipeline.json[0], { result: "alive" });
        assert.ok(refused(pipeline.json[1].error), `${label} in a pipeline: ${pipeline.text}`);
        assert.deepEqual(pipeline.json[2], { result: "alive" });
        // With the full token the transaction also writes: it must not run at all.
        const first = token === stack.token ? ["SET", "security:canary", "overwritten"] : ["GET", "security:canary"];
        const transaction = await call(g, "POST", "/multi-exec", { token, body: [first, command] });
        assert.equal(transaction.status, 400, `${label} in a transaction: ${transaction.text}`);
        assert.ok(refused(transaction.json?.error), `${label} in a transaction: ${transaction.text}`);
        requests += 5;
      }
    }
    assert.deepEqual(await serverState(), before, "the server's data, configuration, users, role and saves are unchanged");
    assert.equal(await respCommand(stack.server.port, ["PING"]), "+PONG");
    assert.equal(requests, DANGEROUS.length * 2 * 5);
  });

  test("a command name with CRLF cannot split a RESP2 pipeline reply", async () => {
    const res = await fetch(`${stack.gateway.url}/pipeline`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.readOnlyToken}`, "upstash-response-format": "resp2" },
      body: JSON.stringify([["GET\r\n+OK\r\n:1", "k"], ["GET", "security:canary"]]),
    });
    assert.equal(res.status, 200);
    const text = Buffer.from(await res.arrayBuffer()).toString("latin1");
    // Two replies: one error line, then the bulk string; nothing else.
    const lines = text.split("\r\n");
    assert.match(lines[0], /^-NOPERM .*GET  \+OK  :1/, text);
    assert.deepEqual(lines.slice(1), ["$5", "alive", ""], text);
  });
});

describe("scripts and HEAD", () => {
  async function data() {
    const port = stack.server.port;
    return {
      db0: (await respCommand(port, ["KEYS", "*"])).sort(),
      db1: await respCommand(port, ["EVAL", "redis.call('SELECT', 1) return redis.call('KEYS', '*')", "0"]),
      canary: await respCommand(port, ["GET", "security:canary"]),
    };
  }

  test("a script sent with the full token cannot run what the gateway refuses", async () => {
    await respCommand(stack.server.port, ["SET", "security:canary", "alive"]);
    const before = await data();
    for (const script of [
      "return redis.call('FLUSHDB')",
      "return redis.call('SWAPDB', 0, 1)",
      "return redis.call('KEYS', '*')",
      "redis.call('SELECT', 1) return redis.call('SET', 'security:leak', 'x')",
    ]) {
      const res = await call(stack.gateway.url, "POST", "/", { token: stack.token, body: ["EVAL", script, "0"] });
      assert.equal(res.status, 400, `${script}: ${res.text}`);
      // Valkey and Redis word the refusal differently.
      assert.match(res.json?.error ?? "", /^ERR .*(no permissions|can't run)/, script);
    }
    assert.deepEqual(await data(), before, "nothing changed, in database 0 or 1");
  });

  test("the read-only token runs no script", async () => {
    const loaded = await call(stack.gateway.url, "POST", "/", { token: stack.token, body: ["SCRIPT", "LOAD", "return redis.call('SCAN', '0')"] });
    for (const command of [
      ["EVAL_RO", "return redis.call('KEYS', '*')", "0"],
      ["EVALSHA_RO", loaded.json.result, "0"],
    ]) {
      const res = await call(stack.gateway.url, "POST", "/", { token: stack.readOnlyToken, body: command });
      assert.equal(res.status, 400, res.text);
      assert.match(res.json?.error ?? "", /^NOPERM /, res.text);
    }
  });

  test("HEAD stores nothing", async () => {
    const before = await data();
    const res = await fetch(`${stack.gateway.url}/set/security:head/v`, { method: "HEAD", headers: { authorization: `Bearer ${stack.token}` } });
    assert.equal(res.status, 405);
    assert.equal(await respCommand(stack.server.port, ["EXISTS", "security:head"]), ":0");
    assert.deepEqual(await data(), before);
  });

  test("a runaway script is killed through the gateway, which then serves again", async () => {
    // Its own server, answering BUSY 100 ms into a script, and a gateway on every core.
    const server = await startRedisServer({ kind: SERVER_KIND, args: ["--busy-reply-threshold", "100"] });
    const gateway = await startGateway({ redisUrl: server.gatewayUrl, token: stack.token, extraArgs: ["--threads", "2"] });
    try {
      const started = Date.now();
      const stuck = call(gateway.url, "POST", "/", { token: stack.token, body: ["EVAL", "while true do end", "0"] });
      while (!String(await respCommand(server.port, ["PING"])).startsWith("-BUSY")) {
        assert.ok(Date.now() - started < 10_000, "the server never got busy");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const kill = await call(gateway.url, "POST", "/", { token: stack.token, body: ["SCRIPT", "KILL"] });
      assert.deepEqual([kill.status, kill.json], [200, { result: "OK" }], kill.text);
      const ended = await stuck;
      assert.equal(ended.status, 400, ended.text);
      assert.match(ended.json?.error ?? "", /killed by user/, ended.text);
      assert.ok(Date.now() - started < 4_000, "ended by the kill, not the 5 s request timeout");
      // Every serving thread's connection works again.
      for (let i = 0; i < 4; i++) {
        const res = await call(gateway.url, "GET", `/set/security:after/${i}`, { token: stack.token });
        assert.deepEqual([res.status, res.json], [200, { result: "OK" }], res.text);
      }
      assert.equal((await call(gateway.url, "GET", "/_health")).status, 200);
    } finally {
      await gateway.stop();
      await server.stop();
    }
  });
});

describe("logs", () => {
  test("the store being down is logged without secrets", async () => {
    // Error paths are where texts get logged: requests through a gateway and a Worker whose
    // store is down, with every credential.
    for (const token of [stack.token, stack.readOnlyToken]) {
      const res = await call(stack.deadGateway.url, "POST", "/", { token, body: ["GET", "k"] });
      assert.ok(res.status >= 500, res.text);
      assert.ok(!res.text.includes(token));
    }
    // A session is a signed token: making one needs no store. Writing with it does (the ended
    // sessions are read first) and fails closed.
    const session = await call(stack.deadWorker.url, "POST", "/v1/sessions", { token: stack.serverKey, body: { player: "p" } });
    assert.equal(session.status, 201, session.text);
    const sessionToken = secret("session token (down)", session.json.token);
    const write = await call(stack.deadWorker.url, "POST", "/v1/boards/global/scores", { token: sessionToken, body: { player: "p", score: 1 } });
    assert.deepEqual([write.status, write.json?.error?.code], [503, "upstream_unavailable"], write.text);
    const wrong = await call(stack.deadWorker.url, "POST", "/v1/boards/global/scores", { token: secret("wrong token (down)", `tok_${randomBytes(16).toString("hex")}`), body: { player: "p", score: 1 } });
    assert.equal(wrong.status, 401, wrong.text);
    const read = await call(stack.deadWorker.url, "GET", "/v1/boards/global/top");
    assert.ok(read.status >= 500, read.text);
    const moderation = await call(stack.deadWorker.url, "DELETE", "/v1/boards/global/players/p", { token: stack.adminKey });
    assert.ok(moderation.status >= 500, moderation.text);
    for (const body of [write, wrong, read, moderation]) {
      for (const [name, value] of stack.secrets) assert.ok(!body.text.includes(value), `a response carries the ${name}`);
    }
  });

  test("no log holds a secret", async (t) => {
    // The gateway and workerd write asynchronously; give their last lines a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(stack.secrets.size >= 8, `${stack.secrets.size} secrets`);
    const gatewayLog = stack.logs.find((log) => log.name === "gateway").text;
    assert.match(gatewayLog, /listening on/, "the gateway's log was captured");
    assert.match(stack.logs.find((log) => log.name === "gateway without Redis").text, /WARN/, "its errors were logged");
    assert.match(stack.logs.find((log) => log.name === "worker without a store").text, /podium: POST \/v1\/boards\/global\/scores answered 503/, "the Worker's console was captured");
    t.diagnostic(`logs searched: ${stack.logs.map((log) => `${log.name} ${log.text.length} bytes`).join(", ")}`);
    if (process.env.PODIUM_PRINT_LOGS) for (const log of stack.logs) console.log(`--- ${log.name}\n${log.text}`);
    const leaks = [];
    for (const log of stack.logs) {
      for (const [name, value] of stack.secrets) {
        if (log.text.includes(value)) leaks.push(`${log.name} log holds the ${name}`);
      }
    }
    assert.deepEqual(leaks, []);
  });
});
