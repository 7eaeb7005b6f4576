// Shared setup for the compatibility suites: one real Valkey/Redis server and one real
// podium-gateway per test file, started in `before` and stopped in `after`.
//
// Environment:
//   PODIUM_TEST_SERVER=valkey|redis   which server to start (default valkey)
//   PODIUM_GATEWAY_RELEASE=1          use target/release/podium-gateway instead of target/debug
//   PODIUM_GATEWAY_BIN=/path          use that gateway binary

import { randomBytes } from "node:crypto";
import { after, before } from "node:test";

import { Redis } from "@upstash/redis";

import { respCommand, startGateway, startRedisServer } from "../../scripts/lib/stack.mjs";

export const SERVER_KIND = process.env.PODIUM_TEST_SERVER ?? "valkey";
export const RELEASE = process.env.PODIUM_GATEWAY_RELEASE === "1";

export const WRONGPASS = { error: "WRONGPASS invalid or missing auth token" };

/**
 * Starts a server and a gateway in front of it (with a full and a read-only token) for the
 * current test file and returns a live object filled in by the `before` hook.
 */
export function useStack({ extraArgs = [] } = {}) {
  const stack = {};
  before(async () => {
    const server = await startRedisServer({ kind: SERVER_KIND });
    const token = `full_${randomBytes(12).toString("hex")}`;
    const readOnlyToken = `ro_${randomBytes(12).toString("hex")}`;
    let gateway;
    try {
      // As the ACL user of the gateway's policy, unless the suite opts into dangerous commands.
      const redisUrl = extraArgs.includes("--allow-dangerous-commands") ? server.url : server.gatewayUrl;
      gateway = await startGateway({ redisUrl, token, readOnlyToken, release: RELEASE, extraArgs });
    } catch (err) {
      await server.stop();
      throw err;
    }
    Object.assign(stack, { server, gateway, url: gateway.url, token, readOnlyToken });
  });
  after(async () => {
    await stack.gateway?.stop();
    await stack.server?.stop();
  });
  return stack;
}

let keyCounter = 0;
const runId = randomBytes(4).toString("hex");

/** A key no other test (in this run or an earlier one on the same server) uses. */
export function uniqueKey(name = "k") {
  keyCounter += 1;
  return `compat:${runId}:${keyCounter}:${name}`;
}

/** An official client pointed at the gateway; auto-pipelining off unless asked for. */
export function client(stack, options = {}) {
  return new Redis({
    url: stack.url,
    token: stack.token,
    enableAutoPipelining: false,
    retry: false,
    ...options,
  });
}

/**
 * A raw HTTP request to the gateway. `body` may be a string (sent as is) or any other value
 * (sent as JSON). The full token is sent unless `token` is given (null: no Authorization header).
 * Resolves with {status, headers, text, json} where json is undefined if the body is not JSON.
 */
export async function raw(stack, path, { method = "POST", body, headers = {}, token = stack.token } = {}) {
  const h = { ...headers };
  if (token !== null) h.authorization = `Bearer ${token}`;
  const init = { method, headers: h };
  if (body !== undefined) init.body = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
  const res = await fetch(`${stack.url}${path}`, init);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, bytes, text, json };
}

/** Sends one command straight to the backing server (bypassing the gateway). */
export function direct(stack, args) {
  return respCommand(stack.server.port, args);
}

/** The error text the backing server itself gives for a command (without the leading "-"). */
export async function serverError(stack, args) {
  const reply = await direct(stack, args);
  if (typeof reply !== "string" || !reply.startsWith("-")) {
    throw new Error(`expected ${JSON.stringify(args)} to fail on the server, got ${JSON.stringify(reply)}`);
  }
  return reply.slice(1);
}
