// The podium-gateway binary, spawned directly (not through cargo) and ready once it prints
// `listening on http://IP:PORT`.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";

import { captureOutput, exited, spawned, terminate, track, untrack } from "./processes.mjs";
import { repoRoot } from "./tools.mjs";

const GATEWAY_READY_TIMEOUT_MS = 20_000;

/** target/{debug|release}/podium-gateway (honours $PODIUM_GATEWAY_BIN and $CARGO_TARGET_DIR). */
export function gatewayBinaryPath({ release = false } = {}) {
  if (process.env.PODIUM_GATEWAY_BIN) return process.env.PODIUM_GATEWAY_BIN;
  const targetDir = process.env.CARGO_TARGET_DIR
    ? path.resolve(repoRoot(), process.env.CARGO_TARGET_DIR)
    : path.join(repoRoot(), "target");
  return path.join(targetDir, release ? "release" : "debug", "podium-gateway");
}

/**
 * Spawns the podium-gateway binary and waits for its `listening on http://…` line.
 * Inherited PODIUM_GATEWAY_* / PODIUM_REDIS_* variables are dropped so that only the arguments
 * given here (and `env`) configure it.
 *
 * @returns {Promise<{url: string, token: string, readOnlyToken?: string, pid: number,
 *   logs(): string, stop(): Promise<{code: number|null, signal: string|null}>}>}
 */
export async function startGateway({
  redisUrl,
  token = randomBytes(16).toString("hex"),
  readOnlyToken,
  port = 0,
  release = false,
  extraArgs = [],
  env = {},
} = {}) {
  if (!redisUrl) throw new Error("startGateway: redisUrl is required (a server's gatewayUrl is undefined until the gateway is built)");
  const bin = gatewayBinaryPath({ release });
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: build it first (cargo build -p podium-gateway${release ? " --release" : ""})`);
  }
  const argv = ["--listen", `127.0.0.1:${port}`, ...extraArgs];

  const childEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^PODIUM_(GATEWAY|REDIS)_/.test(k)) childEnv[k] = v;
  }
  // Tokens go through the environment, never the command line (which `ps` shows to everyone).
  childEnv.PODIUM_GATEWAY_TOKEN = token;
  // So does the Redis URL, which may carry the gateway user's password.
  childEnv.PODIUM_REDIS_URL = redisUrl;
  if (readOnlyToken !== undefined) childEnv.PODIUM_GATEWAY_READONLY_TOKEN = readOnlyToken;
  Object.assign(childEnv, env);

  let onListening;
  const listening = new Promise((resolve) => (onListening = resolve));
  const child = spawn(bin, argv, { cwd: repoRoot(), env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  await spawned(child);
  track(child);
  const logs = captureOutput(child, (line) => {
    const m = /^listening on (http:\/\/\S+)$/.exec(line);
    if (m) onListening(m[1]);
  });

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      const how = await terminate(child);
      untrack(child.pid);
      return how;
    })();
    return stopping;
  };

  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ timeout: true }), GATEWAY_READY_TIMEOUT_MS);
  });
  const outcome = await Promise.race([
    listening.then((url) => ({ url })),
    exited(child).then((how) => ({ exited: how })),
    timeout,
  ]);
  clearTimeout(timer);

  if (!outcome.url) {
    await stop();
    const why = outcome.exited
      ? `exited before listening (code ${outcome.exited.code}, signal ${outcome.exited.signal})`
      : `did not print "listening on http://…" within ${GATEWAY_READY_TIMEOUT_MS} ms`;
    throw new Error(`podium-gateway ${why}; command: ${bin} ${argv.join(" ")}\noutput:\n${logs()}`);
  }

  return { url: outcome.url, token, readOnlyToken, pid: child.pid, logs, stop };
}
