// `npm start`: builds the gateway in release mode, then runs a local Podium stack in the foreground
// (a Valkey server and podium-gateway in front of it) until Ctrl-C / SIGTERM.
//
// Environment:
//   PODIUM_GATEWAY_PORT             gateway port on 127.0.0.1 (default 8079)
//   PODIUM_VALKEY_PORT              Valkey port on 127.0.0.1 (default: a free port)
//   PODIUM_GATEWAY_TOKEN            read-write token (default podium-dev-token)
//   PODIUM_GATEWAY_READONLY_TOKEN   read-only token (default podium-dev-readonly-token)
//
// Everything it starts is stopped by PID when it stops; if any service dies, the rest are stopped
// and it exits non-zero.

import { spawn } from "node:child_process";
import net from "node:net";
import { freePort, repoRoot, startGateway, startRedisServer } from "./lib/stack.mjs";

const DEFAULT_GATEWAY_PORT = 8079;
const DEV_TOKEN = "podium-dev-token";
const DEV_READONLY_TOKEN = "podium-dev-readonly-token";
const HEALTH_TIMEOUT_MS = 15_000;
const WATCH_INTERVAL_MS = 250;

/** A failure the user can fix; printed without a stack trace. */
class StartError extends Error {}

/** Services started so far, stopped in reverse order. */
const running = [];
let shuttingDown = false;
let cargoChild;

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

function buildGateway() {
  console.log("Building podium-gateway (release)…");
  return new Promise((resolve, reject) => {
    cargoChild = spawn("cargo", ["build", "--release", "-p", "podium-gateway"], {
      cwd: repoRoot(),
      stdio: ["ignore", "inherit", "inherit"],
    });
    cargoChild.once("error", (err) => reject(new StartError(`cannot run cargo: ${err.message}`)));
    cargoChild.once("exit", (code, signal) => {
      cargoChild = undefined;
      if (code === 0) resolve();
      else reject(new StartError(`cargo build --release -p podium-gateway failed (${signal ?? `exit code ${code}`})`));
    });
  });
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
      await service.handle.stop();
    } catch (err) {
      console.error(`podium: stopping ${service.name} (pid ${service.handle.pid}): ${err.message}`);
    }
  }
}

async function shutdown(code, message) {
  if (shuttingDown) return;
  shuttingDown = true;
  if (message) console.error(message);
  if (cargoChild) cargoChild.kill("SIGTERM");
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
  const gatewayPort = portFromEnv("PODIUM_GATEWAY_PORT", DEFAULT_GATEWAY_PORT);
  const explicitValkeyPort = portFromEnv("PODIUM_VALKEY_PORT", undefined);
  const token = process.env.PODIUM_GATEWAY_TOKEN || DEV_TOKEN;
  const readOnlyToken = process.env.PODIUM_GATEWAY_READONLY_TOKEN || DEV_READONLY_TOKEN;
  if (token === readOnlyToken) {
    throw new StartError("PODIUM_GATEWAY_TOKEN and PODIUM_GATEWAY_READONLY_TOKEN must differ");
  }

  // Check the ports before the (possibly long) build so a clash is reported at once.
  await ensurePortFree(gatewayPort, "gateway", "PODIUM_GATEWAY_PORT");
  if (explicitValkeyPort !== undefined) {
    if (explicitValkeyPort === gatewayPort) {
      throw new StartError("PODIUM_VALKEY_PORT and PODIUM_GATEWAY_PORT must differ");
    }
    await ensurePortFree(explicitValkeyPort, "Valkey server", "PODIUM_VALKEY_PORT");
  }

  await buildGateway();
  if (shuttingDown) return;

  let valkeyPort = explicitValkeyPort;
  while (valkeyPort === undefined || valkeyPort === gatewayPort) valkeyPort = await freePort();
  const valkey = await startRedisServer({ kind: "valkey", port: valkeyPort });
  running.push({ name: "valkey", handle: valkey });
  if (shuttingDown) return;

  // Someone may have taken the port during the build.
  await ensurePortFree(gatewayPort, "gateway", "PODIUM_GATEWAY_PORT");
  const gateway = await startGateway({
    redisUrl: valkey.url,
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

  const tokenNote =
    process.env.PODIUM_GATEWAY_TOKEN ? "from PODIUM_GATEWAY_TOKEN" : `token: ${token}`;
  const readOnlyNote =
    process.env.PODIUM_GATEWAY_READONLY_TOKEN ? "from PODIUM_GATEWAY_READONLY_TOKEN" : readOnlyToken;
  console.log(`Podium is ready: ${gateway.url}`);
  console.log(`  gateway  ${gateway.url}  (${tokenNote}; read-only: ${readOnlyNote})`);
  console.log(`  valkey   ${valkey.url}`);
  console.log("Press Ctrl-C to stop.");
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
