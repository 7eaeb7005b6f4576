// `npm start`: builds the gateway in release mode, the Worker and the widget (side by side), then runs a local Podium stack in the foreground
// until Ctrl-C / SIGTERM: a Valkey server, podium-gateway in front of it, and the Worker (Podium's
// product API, worker/) in local workerd through `wrangler dev`, talking to the gateway as its
// Upstash REST endpoint. The Worker is rebuilt first only when worker/build is older than its
// sources (scripts/build-worker.sh --if-stale).
//
// Then it serves the demo (scripts/lib/demo.mjs, demo/): a page with two small games that write
// real scores through player sessions, the widget beside them, and simulated players on demand.
//
// Environment:
//   PODIUM_DEMO_PORT                demo page port on 127.0.0.1 (default 5173)
//   PODIUM_WORKER_PORT              Worker port on 127.0.0.1 (default 8787)
//   PODIUM_SERVER_KEY               the game-server key for writes and sessions
//                                   (default podium-dev-server-key, printed)
//   PODIUM_ADMIN_KEY                the admin key for moderation (default podium-dev-admin-key,
//                                   printed); must differ from the server key
//   PODIUM_GATEWAY_PORT             gateway port on 127.0.0.1 (default 8079)
//   PODIUM_VALKEY_PORT              Valkey port on 127.0.0.1 (default: a free port)
//   PODIUM_GATEWAY_TOKEN            read-write token (default podium-dev-token)
//   PODIUM_GATEWAY_READONLY_TOKEN   read-only token (default podium-dev-readonly-token)
//   PODIUM_GATEWAY_BIN              run this gateway binary instead of building the release one
//
// Everything it starts is stopped by PID when it stops; if any service dies, the rest are stopped
// and it exits non-zero.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { freePort, gatewayBinaryPath, repoRoot, startGateway, startRedisServer, startWranglerDev } from "./lib/stack.mjs";
import { startDemoServer, widgetIsStale } from "./lib/demo.mjs";

const DEFAULT_GATEWAY_PORT = 8079;
const DEFAULT_WORKER_PORT = 8787;
const DEV_SERVER_KEY = "podium-dev-server-key";
const DEV_ADMIN_KEY = "podium-dev-admin-key";
const WORKER_READY_TIMEOUT_MS = 60_000;
const DEV_TOKEN = "podium-dev-token";
const DEV_READONLY_TOKEN = "podium-dev-readonly-token";
const HEALTH_TIMEOUT_MS = 15_000;
const WATCH_INTERVAL_MS = 250;
/** What the builds of a first run took on a 2-core machine: 354–370 s (docs/benchmarks.md, "First run"). */
const FIRST_BUILD_MINUTES = 6;
/** wrangler dev's request log: `[wrangler:info] GET /v1/boards/global/top 200 OK (12ms)`. */
const WRANGLER_REQUEST_LINE = /^\[wrangler:info\] [A-Z]+ \S+ (\d{3}) /;

/** A failure the user can fix; printed without a stack trace. */
class StartError extends Error {}

/** Services started so far, stopped in reverse order. */
const running = [];
let shuttingDown = false;
/** Build processes still running (killed on shutdown). */
const buildChildren = new Set();
let demoServer;

function portFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new StartError(`${name}=${raw} is not a port number (1-65535)`);
  }
  return port;
}

/** Fails with a message naming `envName` when 127.0.0.1:port cannot be bound. */
function ensurePortFree(port, service, envName) {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", (err) => {
      if (err.code === "EADDRINUSE" || err.code === "EACCES") {
        const why = err.code === "EADDRINUSE" ? "is already in use" : "cannot be bound (permission denied)";
        reject(
          new StartError(
            `port ${port} for the ${service} ${why}; set ${envName} to a free port, ` +
              `e.g. ${envName}=${port + 1} npm start`,
          ),
        );
      } else {
        reject(err);
      }
    });
    probe.listen({ host: "127.0.0.1", port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Announces a step, runs it, and says how long it took. */
async function step(what, run) {
  console.log(`podium: ${what}…`);
  const startedAt = Date.now();
  const result = await run();
  console.log(`podium: ${what}: done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  return result;
}

/**
 * Runs a build step, each line of its output prefixed with `[label]` (the builds run side by side);
 * rejects with a StartError on failure.
 */
function runBuild(label, command, args) {
  const shown = [command, ...args].join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot(), stdio: ["ignore", "pipe", "pipe"] });
    buildChildren.add(child);
    for (const [stream, out] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      createInterface({ input: stream }).on("line", (line) => out.write(`  [${label}] ${line}\n`));
    }
    child.once("error", (err) => reject(new StartError(`cannot run ${command}: ${err.message}`)));
    child.once("exit", (code, signal) => {
      buildChildren.delete(child);
      if (code === 0) resolve();
      else reject(new StartError(`${shown} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/**
 * The builds `npm start` needs, as {label, what, command, args}: the gateway, the Worker when
 * worker/build is older than its sources, the widget when web/pkg is. Each is a cargo build of its
 * own profile (podium-gateway's native `release`, wasm32 `worker-release` and `widget-release`),
 * so they lock different build directories and can run at once.
 */
function plannedBuilds() {
  const builds = [];
  if (process.env.PODIUM_GATEWAY_BIN) {
    console.log(`podium: using the gateway at PODIUM_GATEWAY_BIN=${process.env.PODIUM_GATEWAY_BIN}`);
  } else {
    builds.push({ label: "gateway", what: "podium-gateway", command: "cargo", args: ["build", "--release", "-p", "podium-gateway"] });
  }
  builds.push({ label: "worker", what: "the Worker", command: "bash", args: ["scripts/build-worker.sh", "--if-stale"] });
  if (widgetIsStale()) {
    builds.push({ label: "widget", what: "the widget", command: "bash", args: ["scripts/build-widget.sh"] });
  }
  return builds;
}

/**
 * Runs every build side by side: on two cores one build's single-threaded phases (build scripts,
 * the final link with LTO) overlap another's. Says up front what a first run costs.
 */
async function buildAll() {
  const builds = plannedBuilds();
  const firstRun = !existsSync(gatewayBinaryPath({ release: true })) || !existsSync(path.join(repoRoot(), "worker", "build", "index.js"));
  console.log(
    `podium: building ${builds.map((b) => b.what).join(", ")} side by side` +
      (firstRun ? ` (a first run compiles for about ${FIRST_BUILD_MINUTES} minutes on 2 cores; later runs take seconds)…` : "…"),
  );
  const startedAt = Date.now();
  await Promise.all(
    builds.map(async (build) => {
      const began = Date.now();
      await runBuild(build.label, build.command, build.args);
      console.log(`podium: ${build.what}: built in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    }),
  );
  console.log(`podium: builds done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
}

async function waitForHealth(gateway) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${gateway.url}/_health`, {
        headers: { authorization: `Bearer ${gateway.token}` },
        signal: AbortSignal.timeout(2_000),
      });
      const body = await res.text();
      if (res.ok) return;
      last = `HTTP ${res.status} ${body.trim()}`;
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new StartError(`gateway at ${gateway.url} is not healthy after ${HEALTH_TIMEOUT_MS} ms (${last})`);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}

async function stopAll() {
  for (const service of running.splice(0).reverse()) {
    try {
      const how = await service.handle.stop();
      if (how?.leftovers?.length) {
        console.error(`podium: ${service.name} left pids ${how.leftovers.join(", ")} behind; killed them`);
      }
    } catch (err) {
      console.error(`podium: stopping ${service.name} (pid ${service.handle.pid}): ${err.message}`);
    }
  }
}

async function shutdown(code, message) {
  if (shuttingDown) return;
  shuttingDown = true;
  if (message) console.error(message);
  for (const child of buildChildren) child.kill("SIGTERM");
  await demoServer?.close();
  await stopAll();
  process.exit(code);
}

/** Node reaps exited children, so a PID that no longer answers signal 0 is a service that died. */
function watchServices() {
  const timer = setInterval(() => {
    if (shuttingDown) return;
    const dead = running.find((service) => !isAlive(service.handle.pid));
    if (!dead) return;
    clearInterval(timer);
    const output = dead.handle.logs?.().trim().split("\n").slice(-20).join("\n");
    shutdown(
      1,
      `podium: ${dead.name} (pid ${dead.handle.pid}) exited unexpectedly; stopping the rest.` +
        (output ? `\nlast output of ${dead.name}:\n${output}` : ""),
    );
  }, WATCH_INTERVAL_MS);
}

async function main() {
  const workerPort = portFromEnv("PODIUM_WORKER_PORT", DEFAULT_WORKER_PORT);
  // 5173 is the origin worker/wrangler.toml allows for CORS.
  const demoPort = portFromEnv("PODIUM_DEMO_PORT", 5173);
  const gatewayPort = portFromEnv("PODIUM_GATEWAY_PORT", DEFAULT_GATEWAY_PORT);
  const ports = { PODIUM_WORKER_PORT: workerPort, PODIUM_GATEWAY_PORT: gatewayPort, PODIUM_DEMO_PORT: demoPort };
  const names = Object.keys(ports);
  for (const [i, name] of names.entries()) {
    const clash = names.slice(i + 1).find((other) => ports[other] === ports[name]);
    if (clash) throw new StartError(`${name} and ${clash} must differ (both are ${ports[name]})`);
  }
  const serverKey = process.env.PODIUM_SERVER_KEY || DEV_SERVER_KEY;
  const adminKey = process.env.PODIUM_ADMIN_KEY || DEV_ADMIN_KEY;
  // The Worker refuses equal keys too, but only on its first request: say so before the build.
  if (serverKey === adminKey) {
    throw new StartError("PODIUM_SERVER_KEY and PODIUM_ADMIN_KEY must differ: the admin key is the only one that moderates");
  }
  const explicitValkeyPort = portFromEnv("PODIUM_VALKEY_PORT", undefined);
  const token = process.env.PODIUM_GATEWAY_TOKEN || DEV_TOKEN;
  const readOnlyToken = process.env.PODIUM_GATEWAY_READONLY_TOKEN || DEV_READONLY_TOKEN;
  if (token === readOnlyToken) {
    throw new StartError("PODIUM_GATEWAY_TOKEN and PODIUM_GATEWAY_READONLY_TOKEN must differ");
  }

  // Check the ports before the (possibly long) build so a clash is reported at once.
  await ensurePortFree(workerPort, "Worker", "PODIUM_WORKER_PORT");
  await ensurePortFree(gatewayPort, "gateway", "PODIUM_GATEWAY_PORT");
  await ensurePortFree(demoPort, "demo page", "PODIUM_DEMO_PORT");
  if (explicitValkeyPort !== undefined) {
    if (Object.values(ports).includes(explicitValkeyPort)) {
      throw new StartError("PODIUM_VALKEY_PORT must differ from PODIUM_GATEWAY_PORT, PODIUM_WORKER_PORT and PODIUM_DEMO_PORT");
    }
    await ensurePortFree(explicitValkeyPort, "Valkey server", "PODIUM_VALKEY_PORT");
  }

  await buildAll();
  if (shuttingDown) return;

  let valkeyPort = explicitValkeyPort;
  while (valkeyPort === undefined || Object.values(ports).includes(valkeyPort)) {
    valkeyPort = await freePort();
  }
  const valkey = await startRedisServer({ kind: "valkey", port: valkeyPort });
  running.push({ name: "valkey", handle: valkey });
  if (shuttingDown) return;

  // Someone may have taken the port during the build.
  await ensurePortFree(gatewayPort, "gateway", "PODIUM_GATEWAY_PORT");
  const gateway = await startGateway({
    redisUrl: valkey.gatewayUrl,
    token,
    readOnlyToken,
    port: gatewayPort,
    release: true,
  });
  running.push({ name: "gateway", handle: gateway });
  if (shuttingDown) return;

  watchServices();
  await waitForHealth(gateway);
  if (shuttingDown) return;

  await ensurePortFree(workerPort, "Worker", "PODIUM_WORKER_PORT");
  let worker;
  try {
    worker = await step("starting the Worker in local workerd (wrangler dev)", () => startWranglerDev({
      port: workerPort,
      readyTimeoutMs: WORKER_READY_TIMEOUT_MS,
      // Through a private temporary dotenv file (--env-file), never on the command line.
      secrets: {
        UPSTASH_REDIS_REST_URL: gateway.url,
        UPSTASH_REDIS_REST_TOKEN: token,
        PODIUM_SERVER_KEY: serverKey,
        PODIUM_ADMIN_KEY: adminKey,
        // The demo page's origin, whatever PODIUM_DEMO_PORT says.
        PODIUM_CORS_ORIGINS: `http://localhost:${demoPort},http://127.0.0.1:${demoPort}`,
      },
    }));
  } catch (err) {
    throw new StartError(err.message);
  }
  running.push({ name: "worker (wrangler dev)", handle: worker });
  if (shuttingDown) return;

  try {
    demoServer = await startDemoServer({
      port: demoPort,
      workerUrl: worker.url.replace(/\/$/, ""),
      serverKey,
      log: (line) => console.error(`podium: ${line}`),
    });
  } catch (err) {
    throw new StartError(`the demo page cannot listen on ${demoPort}: ${err.message}; set PODIUM_DEMO_PORT to a free port`);
  }
  const demoUrl = `http://localhost:${demoPort}/`;

  const tokenNote =
    process.env.PODIUM_GATEWAY_TOKEN ? "from PODIUM_GATEWAY_TOKEN" : `token: ${token}`;
  const readOnlyNote =
    process.env.PODIUM_GATEWAY_READONLY_TOKEN ? "from PODIUM_GATEWAY_READONLY_TOKEN" : readOnlyToken;
  const keyNote = process.env.PODIUM_SERVER_KEY
    ? "server key from PODIUM_SERVER_KEY"
    : `server key: ${serverKey} (development default; set PODIUM_SERVER_KEY)`;
  const adminKeyNote = process.env.PODIUM_ADMIN_KEY
    ? "admin key from PODIUM_ADMIN_KEY"
    : `admin key: ${adminKey} (development default; set PODIUM_ADMIN_KEY)`;
  // One write, so that whoever reads the ready line (a person, a script) has the URLs with it.
  console.log(
    [
      `Podium is ready: ${demoUrl}`,
      `  demo     ${demoUrl}  (play a round; switch on the simulated players)`,
      `  worker   ${worker.url}  (wrangler dev pid ${worker.pid})`,
      `  keys     ${keyNote}; ${adminKeyNote}`,
      `  gateway  ${gateway.url}  (${tokenNote}; read-only: ${readOnlyNote})`,
      `  valkey   ${valkey.url}`,
      "Press Ctrl-C to stop. (The Worker's output follows; its request log only for 5xx answers.)",
    ].join("\n"),
  );
  // From here on, show the Worker's output. An open demo page polls twice a second per board and
  // the bots write twice a second: logging every request would bury everything else.
  worker.onOutput((line) => {
    const request = WRANGLER_REQUEST_LINE.exec(line);
    if (request && Number(request[1]) < 500) return;
    if (line.trim()) console.log(`worker | ${line}`);
  });
}

// Registered before anything starts, so these run before stack.mjs's own last-resort cleanup.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (!shuttingDown) console.log(`\npodium: ${signal}, stopping…`);
    shutdown(0);
  });
}

main().catch((err) => {
  const message = err instanceof StartError ? `podium: ${err.message}` : `podium: ${err.stack ?? err}`;
  shutdown(1, message);
});
