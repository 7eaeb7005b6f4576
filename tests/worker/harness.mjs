// Shared setup for the Worker's end-to-end suites: one real Valkey/Redis server, one real
// podium-gateway and the BUILT Worker (worker/build, from scripts/build-worker.sh) in workerd via
// Miniflare, per test file. Each file declares its own boards and variables.
//
// Environment:
//   PODIUM_TEST_SERVER=valkey|redis   which server to start (default valkey)
//   PODIUM_GATEWAY_RELEASE=1          use target/release/podium-gateway instead of target/debug

import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before } from "node:test";

import { Miniflare } from "miniflare";

import { repoRoot, respCommand, startGateway, startRedisServer } from "../../scripts/lib/stack.mjs";

export const SERVER_KIND = process.env.PODIUM_TEST_SERVER ?? "valkey";
const RELEASE = process.env.PODIUM_GATEWAY_RELEASE === "1";

export const WORKER_DIR = path.join(repoRoot(), "worker");
/** The Worker's main module, which imports the build (worker/build/index.js). */
export const WORKER_SCRIPT = path.join(WORKER_DIR, "entry.mjs");
const WORKER_BUILD = path.join(WORKER_DIR, "build", "index.js");
// workerd 1.20260426 (wrangler 4.86 on Node 20) refuses later dates; same as worker/wrangler.toml.
export const COMPATIBILITY_DATE = "2026-04-26";
/** Any host works: Miniflare hands the URL to the Worker as is. */
export const ORIGIN = "http://podium.test";

/**
 * Starts the built Worker in workerd with these bindings (variables and secrets). `options` are
 * extra Miniflare options (e.g. `{host: "127.0.0.1", port: 0}` to serve it over HTTP too).
 */
export async function startWorker(bindings, options = {}) {
  if (!existsSync(WORKER_BUILD)) {
    throw new Error(`${WORKER_BUILD} not found: build it first (bash scripts/build-worker.sh)`);
  }
  const mf = new Miniflare({
    modules: true,
    // Without modulesRoot, workerd refuses the `..` path from build/index.js to the wasm.
    modulesRoot: WORKER_DIR,
    scriptPath: WORKER_SCRIPT,
    modulesRules: [
      { type: "CompiledWasm", include: ["**/*.wasm"], fallthrough: true },
      // build/index.js, which entry.mjs imports, is an ES module (Miniflare assumes CommonJS).
      { type: "ESModule", include: ["**/*.js"], fallthrough: true },
    ],
    compatibilityDate: COMPATIBILITY_DATE,
    bindings,
    ...options,
  });
  await mf.ready;
  return mf;
}

/**
 * Starts a server, a gateway and the Worker for the current test file and returns a live object
 * filled in by the `before` hook: {server, gateway, mf, serverKey, ...}.
 *
 * @param {{boards: object[], vars?: Record<string, string>}} options
 */
export function useWorkerStack({ boards, vars = {} }) {
  const stack = { serverKey: `server_${randomBytes(16).toString("hex")}` };
  before(async () => {
    stack.server = await startRedisServer({ kind: SERVER_KIND });
    stack.gateway = await startGateway({ redisUrl: stack.server.gatewayUrl, release: RELEASE });
    stack.bindings = {
      UPSTASH_REDIS_REST_URL: stack.gateway.url,
      UPSTASH_REDIS_REST_TOKEN: stack.gateway.token,
      PODIUM_SERVER_KEY: stack.serverKey,
      PODIUM_BOARDS: JSON.stringify(boards),
      ...vars,
    };
    stack.mf = await startWorker(stack.bindings);
  });
  after(async () => {
    await stack.mf?.dispose();
    await stack.gateway?.stop();
    await stack.server?.stop();
  });
  return stack;
}

/**
 * One request to the Worker. `body` may be a string (sent as is) or any other value (sent as
 * JSON). `auth` is a bearer token (the server key or a session token). Resolves with
 * {status, headers, text, json}; json is undefined when the body is not JSON.
 */
export async function call(target, method, urlPath, { body, auth, headers = {} } = {}) {
  const mf = target.mf ?? target;
  const h = { ...headers };
  if (auth) h.authorization = `Bearer ${auth}`;
  const init = { method, headers: h };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    h["content-type"] ??= "application/json";
  }
  const res = await mf.dispatchFetch(`${ORIGIN}${urlPath}`, init);
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The error code of an API error body. */
export function code(res) {
  return res.json?.error?.code;
}

/** A score write with the game-server key. */
export function submit(stack, board, body, options = {}) {
  return call(stack, "POST", `/v1/boards/${board}/scores`, { body, auth: stack.serverKey, ...options });
}

/** A new player session (with the server key); resolves with its token. */
export async function session(stack, player, name) {
  const res = await call(stack, "POST", "/v1/sessions", {
    body: name === undefined ? { player } : { player, name },
    auth: stack.serverKey,
  });
  if (res.status !== 201) throw new Error(`session for ${player}: ${res.status} ${res.text}`);
  return res.json.token;
}

/** Requests the gateway has answered so far (all outcomes), from its /_metrics. */
export async function gatewayRequests(stack) {
  const res = await fetch(`${stack.gateway.url}/_metrics`);
  const text = await res.text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("podium_gateway_requests_total")) total += Number(line.split(" ").pop());
  }
  return total;
}

/** Commands the gateway has sent to Redis so far (a pipeline counts each), from its /_metrics. */
export async function gatewayCommands(stack) {
  const res = await fetch(`${stack.gateway.url}/_metrics`);
  const text = await res.text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("podium_gateway_redis_commands_total")) total += Number(line.split(" ").pop());
  }
  return total;
}

/** The Redis key of the ended sessions (podium_core::keys::ended_sessions), the only session state. */
export const ENDED_SESSIONS_KEY = "{podium}:sessions:ended";

/** One command straight to the Redis server behind the gateway. */
export function redis(stack, args) {
  return respCommand(stack.server.port, args);
}

let idCounter = 0;
const runId = randomBytes(3).toString("hex");

/** A player id no other test uses. */
export function uniquePlayer(name = "p") {
  idCounter += 1;
  return `${name}-${runId}-${idCounter}`;
}

/**
 * Waits, if needed, until a burst of up to `marginMs` cannot straddle the boundary of a
 * `windowSeconds` fixed window (windows start at multiples of their length since the epoch).
 * The sliding window weighs the previous fixed window's count rounded down, so a burst that
 * crosses a boundary may get one more write through, right after it: that is the algorithm
 * (upstash's approximation), not a race, and exactness tests are about races.
 */
export async function clearOfWindowEdge(windowSeconds, marginMs = 30_000) {
  const windowMs = windowSeconds * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 1_000));
}

/** p-th percentile (0..100) of a list of numbers, nearest rank. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
