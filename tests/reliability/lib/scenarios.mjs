// The reliability scenarios, shared by the short tests (tests/reliability/*.test.mjs, in
// `npm test`) and the long run (tests/reliability/soak.mjs, `npm run soak`): the same code with
// different durations, so the figures in docs/reliability.md come from what the tests check.
//
// One stack: Valkey with AOF (fsync on every write), the podium-gateway binary, and the BUILT
// Worker in workerd (Miniflare) served over HTTP and pointed at the gateway. Two streams of mixed
// load (90 % reads spread over top / player / around, 10 % writes, 10,000 players):
//   - through the Worker: the public API, board `load` (policy `sum`, so that the stored total
//     of each player can be checked against the writes that were acknowledged);
//   - straight to the gateway: Upstash REST commands on the sorted set `lb` (ZINCRBY writes).
// Every write is recorded; after a run every player written to is read back and must hold at
// least the seed plus every acknowledged increment, and at most that plus the unacknowledged
// attempts (a write answered 503/504 may or may not have been applied).

import { spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import path from "node:path";

import { repoRoot, startGateway, startRedisServer } from "../../../scripts/lib/stack.mjs";
import { startWorker } from "../../worker/harness.mjs";
import { httpClient, hold, MB, sampleRss, startLoad, summarize, waitFor } from "./load.mjs";

export const SERVER_KIND = process.env.PODIUM_TEST_SERVER ?? "valkey";
export const PLAYERS = 10_000;
/** Share of write operations; the rest are reads, a third each of top, player and around. */
export const WRITE_SHARE = 0.1;
/** Share of writes that go to one hot player, whose rate limit turns them into intended 429s. */
export const HOT_SHARE = 0.2;
export const HOT_PLAYER = "hot";
/** How long a stack's gateway waits for Valkey before answering 504 in the fault runs. */
export const FAULT_TIMEOUT_MS = 1_000;
/** Recovery must complete this soon after Valkey (or the gateway) is back. */
export const RECOVERY_LIMIT_MS = 2_000;

export const LOAD_BOARD = {
  id: "load",
  order: "higher",
  policy: "sum",
  periods: ["alltime"],
  rate_limits: { player: { limit: 10, window_seconds: 60 } },
};
/** The gateway stream's sorted set. */
export const GATEWAY_KEY = "lb";

/**
 * `appendfsync always`: Valkey writes and fsyncs the AOF before it answers a write, so an
 * acknowledged write survives a crash of Valkey and of the machine. (`everysec` survives a crash
 * of Valkey alone too, the write(2) is done before the reply, but may lose up to about a second
 * of acknowledged writes when the machine itself goes down.)
 */
export const aofArgs = (fsync = "always") => ["--appendonly", "yes", "--appendfsync", fsync];

/** Player `i`, as podium-seed names it (`--prefix p`: a six-digit number). */
const player = (i) => `p${String(i).padStart(6, "0")}`;

const SEED_BIN = process.env.PODIUM_SEED_BIN ?? path.join(repoRoot(), "target", "debug", "podium-seed");

/** Runs podium-seed for `board` against the stack's gateway; rejects with its stderr on failure. */
function runSeeder(stack, board) {
  const args = ["--board", board.id, "--players", String(PLAYERS), "--prefix", "p", "--gateway", stack.gateway.url, "--min-score", "0", "--max-score", "1000000"];
  return new Promise((resolve, reject) => {
    const child = spawn(SEED_BIN, args, {
      env: { ...process.env, UPSTASH_REDIS_REST_TOKEN: stack.token, PODIUM_BOARDS: JSON.stringify([board]) },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`podium-seed exited ${code}: ${stderr}`))));
  });
}

/**
 * Starts Valkey (AOF on, `fsync` its appendfsync), the gateway and the Worker over HTTP.
 * `release` picks the release gateway; `requestTimeoutMs` is the gateway's --request-timeout-ms.
 */
export async function startStack({ release = false, requestTimeoutMs, fsync = "always", boards = [LOAD_BOARD] } = {}) {
  const stack = { release, token: randomBytes(16).toString("hex"), serverKey: `server_${randomBytes(16).toString("hex")}` };
  stack.gatewayArgs = requestTimeoutMs ? ["--request-timeout-ms", String(requestTimeoutMs)] : [];
  stack.stop = async () => {
    stack.gatewayHttp?.close();
    stack.workerHttp?.close();
    await stack.mf?.dispose();
    await stack.gateway?.stop();
    await stack.server?.stop();
  };
  try {
    stack.server = await startRedisServer({ kind: SERVER_KIND, args: aofArgs(fsync) });
    stack.gateway = await startGateway({
      redisUrl: stack.server.gatewayUrl,
      token: stack.token,
      release,
      extraArgs: stack.gatewayArgs,
    });
    stack.gatewayPort = Number(new URL(stack.gateway.url).port);
    stack.mf = await startWorker(
      {
        UPSTASH_REDIS_REST_URL: stack.gateway.url,
        UPSTASH_REDIS_REST_TOKEN: stack.token,
        PODIUM_SERVER_KEY: stack.serverKey,
        PODIUM_BOARDS: JSON.stringify(boards),
      },
      { host: "127.0.0.1", port: 0 },
    );
    stack.workerUrl = (await stack.mf.ready).toString().replace(/\/$/, "");
    // Enough sockets that an open-loop stream never queues inside the client.
    stack.gatewayHttp = httpClient(stack.gateway.url, { maxSockets: 4096 });
    stack.workerHttp = httpClient(stack.workerUrl, { maxSockets: 4096 });
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

/** SIGKILLs the gateway process, as a crash would. */
async function killGateway(stack) {
  process.kill(stack.gateway.pid, "SIGKILL");
  await stack.gateway.stop();
}

/** Starts the gateway again on the same port with the same token; resolves once it listens. */
async function restartGateway(stack) {
  stack.gateway = await startGateway({
    redisUrl: stack.server.gatewayUrl,
    token: stack.token,
    port: stack.gatewayPort,
    release: stack.release,
    extraArgs: stack.gatewayArgs,
  });
}

/** One command to the gateway; throws unless it answers 200. */
export async function gatewayCommand(stack, command) {
  const res = await stack.gatewayHttp.request("POST", "/", {
    headers: { authorization: `Bearer ${stack.token}` },
    body: command,
  });
  if (res.status !== 200) throw new Error(`${command[0]}: HTTP ${res.status} ${res.error ?? res.text}`);
  return JSON.parse(res.text).result;
}

async function gatewayPipeline(stack, commands) {
  const res = await stack.gatewayHttp.request("POST", "/pipeline", {
    headers: { authorization: `Bearer ${stack.token}` },
    body: commands,
  });
  if (res.status !== 200) throw new Error(`pipeline: HTTP ${res.status} ${res.error ?? res.text}`);
  const replies = JSON.parse(res.text);
  const failed = replies.find((reply) => reply.error !== undefined);
  if (failed) throw new Error(`pipeline: ${failed.error}`);
  return replies.map((reply) => reply.result);
}

// ---------------------------------------------------------------------------------------------
// What was written.

/**
 * Per player: the seeded score, the sum of acknowledged increments, and the sum of increments
 * whose fate is unknown (sent, answered neither 2xx nor a definite refusal).
 */
export class WriteModel {
  constructor() {
    this.players = new Map();
    this.acknowledged = 0;
  }

  #entry(name) {
    let entry = this.players.get(name);
    if (!entry) {
      entry = { seed: 0, acked: 0, unknown: 0, written: false };
      this.players.set(name, entry);
    }
    return entry;
  }

  seed(name, score) {
    this.#entry(name).seed = score;
  }

  seedOf(name) {
    return this.players.get(name)?.seed ?? 0;
  }

  /** Records the outcome of one write of `increment`: "ok", "refused" (429, 4xx) or "unknown". */
  record(name, increment, outcome) {
    const entry = this.#entry(name);
    entry.written = true;
    if (outcome === "ok") {
      entry.acked += increment;
      this.acknowledged += 1;
    } else if (outcome === "unknown") {
      entry.unknown += increment;
    }
  }

  /** Players written to since the seed, with the range their stored score must fall in. */
  expectations() {
    const out = [];
    for (const [name, e] of this.players) {
      if (!e.written) continue;
      out.push({ player: name, low: e.seed + e.acked, high: e.seed + e.acked + e.unknown });
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Seeding.

/**
 * Gives every one of the 10,000 players a score on the Worker's board and on the gateway's key.
 *
 * The Worker's board is seeded by `podium-seed` (the binary behind `npm run seed`), which sends
 * podium-board's own write script with podium-board's own arguments through the gateway in
 * pipelines: ten thousand writes through workerd would take about 15 s on two cores, and a copy
 * of the script's argument layout here would drift from it. The scores it wrote are read back
 * from the board's sorted set, and a sample is read through the Worker afterwards.
 */
export async function seed(stack, { board = LOAD_BOARD } = {}) {
  const worker = new WriteModel();
  const gateway = new WriteModel();
  const scores = Array.from({ length: PLAYERS }, () => randomInt(0, 1_000_000));

  // The gateway's sorted set: ZADD in batches.
  for (let at = 0; at < PLAYERS; at += 1_000) {
    const args = [];
    for (let i = at; i < Math.min(PLAYERS, at + 1_000); i++) {
      args.push(String(scores[i]), player(i));
      gateway.seed(player(i), scores[i]);
    }
    await gatewayCommand(stack, ["ZADD", GATEWAY_KEY, ...args]);
  }

  await runSeeder(stack, board);
  const boards = JSON.parse((await stack.workerHttp.request("GET", "/v1/boards")).text);
  const period = boards.boards.find((b) => b.id === board.id).periods.find((p) => p.period === "alltime");
  const stored = await gatewayCommand(stack, ["ZRANGE", `{podium:${board.id}}:scores:alltime:${period.id}`, "0", "-1", "WITHSCORES"]);
  // Members are `<16 hex digits>:<player>` (podium-core's tiebreak).
  const seeded = new Map();
  for (let at = 0; at < stored.length; at += 2) seeded.set(stored[at].slice(17), Number(stored[at + 1]));
  for (let i = 0; i < PLAYERS; i++) {
    if (!seeded.has(player(i))) throw new Error(`podium-seed wrote no score for ${player(i)}`);
    scores[i] = seeded.get(player(i));
    worker.seed(player(i), scores[i]);
  }

  const top = JSON.parse((await stack.workerHttp.request("GET", `/v1/boards/${board.id}/top`)).text);
  if (top.total !== PLAYERS) throw new Error(`seeded board holds ${top.total} players, expected ${PLAYERS}`);
  for (let n = 0; n < 20; n++) {
    const i = randomInt(0, PLAYERS);
    const res = await stack.workerHttp.request("GET", `/v1/boards/${board.id}/players/${player(i)}`);
    const score = res.status === 200 ? JSON.parse(res.text).score : undefined;
    if (score !== scores[i]) throw new Error(`seeded ${player(i)} with ${scores[i]}, the Worker reads ${res.status} ${res.text}`);
  }
  return { worker, gateway };
}

// ---------------------------------------------------------------------------------------------
// The two streams of operations.

function errorCode(res) {
  try {
    const body = JSON.parse(res.text);
    return typeof body.error === "string" ? body.error : body.error?.code;
  } catch {
    return undefined;
  }
}

/** One mixed operation through the Worker's public API. */
export function workerOperation(stack, model, { board = LOAD_BOARD.id } = {}) {
  const auth = { authorization: `Bearer ${stack.serverKey}` };
  return async () => {
    const roll = Math.random();
    let kind;
    let res;
    if (roll < WRITE_SHARE) {
      kind = "write";
      const name = Math.random() < HOT_SHARE ? HOT_PLAYER : player(randomInt(0, PLAYERS));
      const increment = randomInt(1, 101);
      res = await stack.workerHttp.request("POST", `/v1/boards/${board}/scores`, {
        headers: auth,
        body: { player: name, score: increment },
      });
      const outcome = res.status === 200 ? "ok" : res.status >= 400 && res.status < 500 ? "refused" : "unknown";
      model.record(name, increment, outcome);
    } else {
      const name = player(randomInt(0, PLAYERS));
      const which = Math.floor(((roll - WRITE_SHARE) / (1 - WRITE_SHARE)) * 3);
      kind = ["top", "player", "around"][which];
      const url =
        kind === "top" ? `/v1/boards/${board}/top` : `/v1/boards/${board}/players/${name}${kind === "around" ? "/around" : ""}`;
      res = await stack.workerHttp.request("GET", url);
    }
    return finish(kind, res);
  };
}

/** One mixed operation straight to the gateway (Upstash REST). */
export function gatewayOperation(stack, model) {
  const headers = { authorization: `Bearer ${stack.token}` };
  const around =
    "local r = redis.call('ZREVRANK', KEYS[1], ARGV[1]) if not r then return false end " +
    "return redis.call('ZREVRANGE', KEYS[1], math.max(0, r - 5), r + 5, 'WITHSCORES')";
  return async () => {
    const roll = Math.random();
    const name = player(randomInt(0, PLAYERS));
    let kind;
    let res;
    if (roll < WRITE_SHARE) {
      kind = "write";
      const increment = randomInt(1, 101);
      res = await stack.gatewayHttp.request("POST", "/", { headers, body: ["ZINCRBY", GATEWAY_KEY, String(increment), name] });
      model.record(name, increment, res.status === 200 ? "ok" : res.status >= 400 && res.status < 500 ? "refused" : "unknown");
    } else {
      const which = Math.floor(((roll - WRITE_SHARE) / (1 - WRITE_SHARE)) * 3);
      kind = ["top", "player", "around"][which];
      if (kind === "top") {
        res = await stack.gatewayHttp.request("GET", `/zrevrange/${GATEWAY_KEY}/0/9/WITHSCORES`, { headers });
      } else if (kind === "player") {
        res = await stack.gatewayHttp.request("POST", "/pipeline", {
          headers,
          body: [["ZSCORE", GATEWAY_KEY, name], ["ZREVRANK", GATEWAY_KEY, name]],
        });
      } else {
        res = await stack.gatewayHttp.request("POST", "/", { headers, body: ["EVAL", around, "1", GATEWAY_KEY, name] });
      }
    }
    return finish(kind, res);
  };
}

function finish(kind, res) {
  const record = { kind, status: res.status };
  if (res.status === 0) record.error = res.error;
  else if (res.status === 429) record.retryAfter = Number(res.headers["retry-after"]);
  else if (res.status >= 300) record.code = errorCode(res) ?? `not JSON: ${JSON.stringify(res.text.slice(0, 80))}`;
  return record;
}

// ---------------------------------------------------------------------------------------------
// Checking what is stored.

/** Runs `task` over `items` with at most `width` at a time. */
async function pool(items, width, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

/**
 * Reads back every player written to, through the Worker (`GET …/players/{id}`) and through
 * the gateway (ZMSCORE), and compares each with what was acknowledged.
 */
export async function verifyWrites(stack, models, { board = LOAD_BOARD.id } = {}) {
  const report = {};
  const worker = models.worker.expectations();
  const wrong = [];
  await pool(worker, 16, async (e) => {
    const res = await stack.workerHttp.request("GET", `/v1/boards/${board}/players/${e.player}`);
    const score = res.status === 200 ? JSON.parse(res.text).score : NaN;
    if (!(score >= e.low && score <= e.high)) wrong.push({ ...e, got: res.status === 200 ? score : `${res.status} ${res.text}` });
  });
  report.worker = summarizeCheck(models.worker, worker, wrong);

  const gateway = models.gateway.expectations();
  const wrongGateway = [];
  for (let at = 0; at < gateway.length; at += 500) {
    const chunk = gateway.slice(at, at + 500);
    const scores = await gatewayCommand(stack, ["ZMSCORE", GATEWAY_KEY, ...chunk.map((e) => e.player)]);
    chunk.forEach((e, i) => {
      const score = Number(scores[i]);
      if (!(score >= e.low && score <= e.high)) wrongGateway.push({ ...e, got: scores[i] });
    });
  }
  report.gateway = summarizeCheck(models.gateway, gateway, wrongGateway);
  return report;
}

function summarizeCheck(model, expectations, wrong) {
  return {
    acknowledged: model.acknowledged,
    players: expectations.length,
    exact: expectations.filter((e) => e.low === e.high).length,
    wrong,
  };
}

// ---------------------------------------------------------------------------------------------
// Sustained load.

/**
 * One closed-loop load phase against `target` ("worker" or "gateway") for `durationMs`, with
 * the gateway's RSS sampled throughout.
 */
export async function runLoad(stack, models, { target, durationMs, concurrency }) {
  const op = target === "worker" ? workerOperation(stack, models.worker) : gatewayOperation(stack, models.gateway);
  const rss = sampleRss(() => stack.gateway.pid, 500);
  const load = startLoad({ op, concurrency });
  await hold(durationMs);
  const records = await load.stop();
  const samples = rss.stop();
  const warm = samples.find((s) => s.t >= samples[0].t + durationMs * 0.1) ?? samples[0];
  return {
    target,
    concurrency,
    durationMs,
    ...summarize(records),
    byKind: Object.fromEntries(
      ["top", "player", "around", "write"].map((kind) => [kind, summarize(records.filter((r) => r.kind === kind))]),
    ),
    rss: {
      start: samples[0].rss,
      warm: warm.rss,
      end: samples.at(-1).rss,
      max: Math.max(...samples.map((s) => s.rss)),
    },
    records,
  };
}

/** What a load run did wrong: any answer but 2xx and a 429 with Retry-After, or RSS growth. */
export function loadProblems(result) {
  const problems = [];
  const bad = result.records.filter((r) => !(r.status >= 200 && r.status < 300) && !(r.status === 429 && r.retryAfter >= 1));
  if (bad.length) {
    const sample = bad.slice(0, 5).map((r) => `${r.kind} ${r.status} ${r.error ?? r.code ?? ""}`);
    problems.push(`${result.target}: ${bad.length} errors (${sample.join("; ")})`);
  }
  if (result.requests === 0) problems.push(`${result.target}: no request was answered`);
  if (!(result.rss.end < result.rss.start * 2 + 50 * MB)) {
    problems.push(`${result.target}: gateway RSS grew from ${mb(result.rss.start)} to ${mb(result.rss.end)} MB`);
  }
  return problems;
}

export const mb = (bytes) => (bytes / MB).toFixed(1);

// ---------------------------------------------------------------------------------------------
// Faults.

/**
 * The only error answers allowed while something is down, per stream and status: a JSON body
 * with exactly this code (the Worker's API error code, the gateway's error text).
 */
const CLEAR_ERRORS = {
  worker: { 503: "upstream_unavailable", 504: "upstream_timeout" },
  gateway: { 503: "ERR Redis is unavailable", 504: "ERR Redis did not answer in time" },
};

const FAULTS = {
  "valkey-kill": {
    what: "Valkey SIGKILLed, restarted on the same port and data directory",
    async inject(stack) {
      await stack.server.kill();
    },
    async repair(stack) {
      await stack.server.restart();
    },
  },
  "gateway-restart": {
    what: "gateway SIGKILLed, started again on the same port",
    async inject(stack) {
      await killGateway(stack);
    },
    async repair(stack) {
      await restartGateway(stack);
    },
    // Nothing listens on the gateway's port for a moment: the direct stream sees refused and
    // reset connections; the Worker turns the same into 503s.
    connectionErrors: { gateway: true },
  },
  "valkey-stall": {
    what: "Valkey frozen with SIGSTOP, resumed with SIGCONT",
    async inject(stack) {
      stack.server.signal("SIGSTOP");
    },
    async repair(stack) {
      stack.server.signal("SIGCONT");
    },
  },
};

/**
 * Runs open-loop mixed load on both streams at `rates` ({worker, gateway} operations per second),
 * injects `fault` after `warmMs`, repairs it after `faultMs`, keeps the load on for `afterMs`
 * more (at least the recovery limit), then checks every acknowledged write.
 */
export async function runFault(stack, models, { fault, warmMs, faultMs, afterMs, rates, timeoutMs = FAULT_TIMEOUT_MS }) {
  const spec = FAULTS[fault];
  const streams = {
    worker: startLoad({ op: workerOperation(stack, models.worker), rate: rates.worker }),
    gateway: startLoad({ op: gatewayOperation(stack, models.gateway), rate: rates.gateway }),
  };
  const rss = sampleRss(() => stack.gateway.pid, 100);
  const inFlight = [];
  const inFlightTimer = setInterval(() => {
    inFlight.push({ t: performance.now(), worker: streams.worker.inFlight(), gateway: streams.gateway.inFlight() });
  }, 50);

  let faultAt;
  let backAt;
  try {
    await hold(warmMs);
    faultAt = performance.now();
    await spec.inject(stack);
    await hold(faultMs);
    await spec.repair(stack);
    backAt = performance.now();
    await hold(Math.max(afterMs, RECOVERY_LIMIT_MS + 500));
  } finally {
    clearInterval(inFlightTimer);
    await Promise.all(Object.values(streams).map((s) => s.stop()));
    rss.stop();
  }

  const result = { fault, what: spec.what, rates, timeoutMs, warmMs, faultMs, streams: {} };
  for (const [name, load] of Object.entries(streams)) {
    result.streams[name] = analyzeStream(load.records, {
      stream: name,
      faultAt,
      backAt,
      timeoutMs,
      connectionErrors: spec.connectionErrors?.[name] ?? false,
    });
    const during = inFlight.filter((s) => s.t >= faultAt && s.t < backAt).map((s) => s[name]);
    const before = inFlight.filter((s) => s.t < faultAt).map((s) => s[name]);
    result.streams[name].inFlight = { before: Math.max(0, ...before), during: Math.max(0, ...during) };
  }
  const beforeRss = rss.samples.filter((s) => s.t < faultAt).map((s) => s.rss);
  const duringRss = rss.samples.filter((s) => s.t >= faultAt && s.t < backAt + RECOVERY_LIMIT_MS).map((s) => s.rss);
  result.rss = {
    before: beforeRss.at(-1) ?? NaN,
    maxDuring: Math.max(...duringRss),
    end: rss.samples.at(-1).rss,
  };
  // Everything must have settled before the read-back: wait for both paths to answer again.
  await waitFor(async () => (await stack.workerHttp.request("GET", "/v1/health")).status === 200, {
    what: "the Worker's health check",
  });
  result.check = await verifyWrites(stack, models);
  return result;
}

/**
 * Cuts one stream's records around the fault window [faultAt, backAt]: failures outside the
 * window plus the recovery limit, failures that are not a clear 5xx, answers slower than the
 * timeout allows, the time from `backAt` to the first 2xx write and to the last failure.
 */
function analyzeStream(records, { stream, faultAt, backAt, timeoutMs, connectionErrors }) {
  const clear = CLEAR_ERRORS[stream];
  const isOk = (r) => (r.status >= 200 && r.status < 300) || (r.status === 429 && r.retryAfter >= 1);
  const windowEnd = backAt + RECOVERY_LIMIT_MS;
  const overlaps = (r) => r.t1 >= faultAt && r.t0 <= windowEnd;
  const failures = records.filter((r) => !isOk(r));
  const clearFailure = (r) => (r.status === 0 ? connectionErrors : clear[r.status] !== undefined && clear[r.status] === r.code);

  const statusesDuring = {};
  for (const r of records) {
    if (r.t0 >= faultAt && r.t0 < backAt) statusesDuring[r.status] = (statusesDuring[r.status] ?? 0) + 1;
  }
  let lastFailure = -Infinity;
  for (const r of failures) lastFailure = Math.max(lastFailure, r.t1);
  let firstWrite = Infinity;
  for (const r of records) {
    if (r.kind === "write" && r.status === 200 && r.t0 >= backAt) firstWrite = Math.min(firstWrite, r.t1);
  }
  let maxLatency = 0;
  for (const r of records) if (overlaps(r)) maxLatency = Math.max(maxLatency, r.t1 - r.t0);
  // A Worker request may make two gateway calls, each bounded by the timeout: a script's EVALSHA
  // meets NOSCRIPT on a restarted Valkey and is sent again as EVAL. One second of slack for the
  // work around them on two shared cores.
  const slowest = (stream === "worker" ? 2 : 1) * timeoutMs + 1_000;

  return {
    requests: records.length,
    statusesDuring,
    failuresDuring: failures.filter(overlaps).length,
    outsideWindow: failures.filter((r) => !overlaps(r)),
    unclear: failures.filter((r) => !clearFailure(r)),
    maxLatency,
    slow: records.filter((r) => r.t1 - r.t0 > slowest),
    firstWriteOkMs: firstWrite - backAt,
    recoveryMs: Math.max(0, lastFailure - backAt),
  };
}

/** What a fault run did wrong, as sentences; empty when it behaved. */
export function faultProblems(result) {
  const problems = [];
  const describe = (rs) => rs.slice(0, 5).map((r) => `${r.kind} ${r.status} ${r.error ?? r.code ?? ""}`).join("; ");
  for (const [name, s] of Object.entries(result.streams)) {
    const at = `${result.fault}, ${name}`;
    if (s.failuresDuring === 0) problems.push(`${at}: no request failed while it was down: the fault did not take`);
    if (s.unclear.length) problems.push(`${at}: ${s.unclear.length} unclear errors (${describe(s.unclear)})`);
    if (s.outsideWindow.length) {
      problems.push(`${at}: ${s.outsideWindow.length} errors outside the fault window (${describe(s.outsideWindow)})`);
    }
    if (s.slow.length) problems.push(`${at}: ${s.slow.length} answers slower than the timeout allows (slowest ${s.maxLatency.toFixed(0)} ms)`);
    if (!(s.firstWriteOkMs <= RECOVERY_LIMIT_MS)) problems.push(`${at}: first 2xx write ${s.firstWriteOkMs.toFixed(0)} ms after the repair`);
    if (!(s.recoveryMs <= RECOVERY_LIMIT_MS)) problems.push(`${at}: last error ${s.recoveryMs.toFixed(0)} ms after the repair`);
  }
  for (const [name, c] of Object.entries(result.check)) {
    if (c.wrong.length) {
      const sample = c.wrong.slice(0, 5).map((w) => `${w.player}: expected ${w.low}..${w.high}, got ${w.got}`);
      problems.push(`${result.fault}, ${name}: ${c.wrong.length} players lost acknowledged writes (${sample.join("; ")})`);
    }
  }
  if (result.fault === "valkey-stall") {
    // Open loop: requests keep arriving at the set rate, so at most rate × (timeout + slack) can be
    // waiting at once if the timeout works; without it they would pile up for the whole stall.
    for (const [name, s] of Object.entries(result.streams)) {
      const bound = Math.ceil(result.rates[name] * ((result.timeoutMs + 1_000) / 1000));
      if (s.inFlight.during > bound) problems.push(`${result.fault}, ${name}: ${s.inFlight.during} requests in flight (bound ${bound})`);
    }
    if (!(result.rss.maxDuring <= result.rss.before + 64 * MB)) {
      problems.push(`${result.fault}: gateway RSS rose from ${mb(result.rss.before)} to ${mb(result.rss.maxDuring)} MB during the stall`);
    }
  }
  return problems;
}
