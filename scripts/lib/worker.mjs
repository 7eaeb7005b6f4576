// The Worker in local workerd (wrangler dev).

import { spawn } from "node:child_process";
import { chmodSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { captureOutput, descendants, pidAlive, sleep, spawned, STOP_GRACE_MS, terminate, track, untrack } from "./processes.mjs";
import { repoRoot } from "./tools.mjs";

/** node_modules/.bin/wrangler of this repository. */
export function wranglerPath() {
  return path.join(repoRoot(), "node_modules", ".bin", "wrangler");
}

/** `KEY=value` for a dotenv file; refuses values that dotenv could not read back exactly. */
function dotenvLine(name, value) {
  const text = String(value);
  if (/[\r\n\0]/.test(text)) throw new Error(`${name} must not contain a line break or NUL`);
  if (/^[A-Za-z0-9._~:/@%+=,-]*$/.test(text)) return `${name}=${text}\n`;
  if (!text.includes("'")) return `${name}='${text}'\n`;
  throw new Error(`${name} contains both special characters and a single quote; dotenv cannot carry it`);
}

/**
 * Runs the Worker with `wrangler dev` in local workerd: `node_modules/.bin/wrangler dev --config
 * wrangler.toml --ip 127.0.0.1 --port PORT` started directly in worker/ (one PID; stopping it ends
 * workerd), with metrics and the cf fetch off. wrangler.toml's [build] runs
 * `build-worker.sh --if-stale`, which returns at once when worker/build is current.
 *
 * `secrets` (and any other bindings) go through a temporary dotenv file passed with --env-file,
 * mode 0600 in a private directory removed on stop: never on the command line, which `ps` shows
 * to everyone. Resolves once `GET {healthPath}` answers 200.
 *
 * @returns {Promise<{url: string, pid: number, logs(): string, onOutput(fn): void,
 *   stop(): Promise<{code: number|null, signal: string|null, leftovers: number[]}>}>}
 */
export async function startWranglerDev({
  port,
  secrets = {},
  healthPath = "/v1/health",
  readyTimeoutMs = 60_000,
  extraArgs = [],
} = {}) {
  if (!port) throw new Error("startWranglerDev: port is required");
  const bin = wranglerPath();
  if (!existsSync(bin)) throw new Error(`${bin} not found (npm ci)`);
  const workerDir = path.join(repoRoot(), "worker");

  const dir = await mkdtemp(path.join(os.tmpdir(), "podium-wrangler-"));
  chmodSync(dir, 0o700);
  const envFile = path.join(dir, "worker.env");
  writeFileSync(envFile, Object.entries(secrets).map(([k, v]) => dotenvLine(k, v)).join(""), { mode: 0o600 });

  const childEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
  // wrangler and miniflare leave files in TMPDIR (miniflare-*, update-check/): keep them in the
  // private directory, which goes on stop.
  childEnv.TMPDIR = dir;
  // Would hand this process's whole environment to the Worker as bindings.
  delete childEnv.CLOUDFLARE_INCLUDE_PROCESS_ENV;
  for (const name of Object.keys(secrets)) delete childEnv[name];

  const argv = [
    "dev",
    "--config", "wrangler.toml",
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--env-file", envFile,
    "--show-interactive-dev-session=false",
    ...extraArgs,
  ];
  const child = spawn(bin, argv, { cwd: workerDir, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  await spawned(child, dir);
  track(child, dir);
  let forward;
  const logs = captureOutput(child, (line) => forward?.(line));
  // wrangler writes most of its output to stderr: forward both once asked to.
  let pendingErr = "";
  child.stderr.on("data", (chunk) => {
    pendingErr += chunk;
    const lines = pendingErr.split("\n");
    pendingErr = lines.pop();
    if (forward) for (const line of lines) forward(line.replace(/\r$/, ""));
  });

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      const family = descendants(child.pid);
      const how = await terminate(child);
      // Killing wrangler ends workerd; make sure of it, by PID.
      let leftovers = family.filter(pidAlive);
      const deadline = Date.now() + STOP_GRACE_MS;
      while (leftovers.length && Date.now() < deadline) {
        await sleep(100);
        leftovers = leftovers.filter(pidAlive);
      }
      for (const pid of leftovers) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
      untrack(child.pid);
      rmSync(dir, { recursive: true, force: true });
      return { ...how, leftovers };
    })();
    return stopping;
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  let last = "no answer";
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(
        `wrangler dev exited before the Worker answered (code ${child.exitCode}, signal ${child.signalCode}); ` +
          `command (in worker/): ${bin} ${argv.join(" ")}\noutput:\n${logs().trim().split("\n").slice(-30).join("\n")}`,
      );
    }
    try {
      const res = await fetch(`${url}${healthPath}`, { signal: AbortSignal.timeout(2_000) });
      const body = await res.text();
      if (res.status === 200) break;
      last = `HTTP ${res.status} ${body.trim().slice(0, 300)}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `the Worker at ${url} did not answer ${healthPath} with 200 within ${readyTimeoutMs} ms (${last})\n` +
          `output:\n${logs().trim().split("\n").slice(-30).join("\n")}`,
      );
    }
    await sleep(250);
  }

  return {
    url,
    pid: child.pid,
    logs,
    /** From now on, hand each output line of wrangler (and the Worker's console) to `fn`. */
    onOutput(fn) {
      forward = fn;
    },
    stop,
  };
}
