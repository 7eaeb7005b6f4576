// Throw-away Valkey/Redis servers (single or cluster) on 127.0.0.1: each in its own temporary
// directory (removed on stop), ready only once it answers PING, with the gateway's user declared
// on its command line. The binaries come from tools.mjs, the lookup `cargo test` shares.

import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync, statSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { gatewayBinaryPath } from "./gateway.mjs";
import { captureOutput, exited, freePort, sleep, spawned, terminate, track, untrack } from "./processes.mjs";
import { respCommand } from "./resp.mjs";
import { toolPath } from "./tools.mjs";

const SERVER_READY_TIMEOUT_MS = 15_000;
const PORT_ATTEMPTS = 5;
const CLUSTER_READY_TIMEOUT_MS = 30_000;

/** valkey-server, found as scripts/lib/tools.mjs describes (the order `cargo test` uses too). */
export function valkeyServerPath() {
  return toolPath("valkey-server");
}

function serverBinary(kind) {
  if (kind === "valkey") return valkeyServerPath();
  if (kind === "redis") return toolPath("redis-server");
  throw new Error(`unknown server kind ${JSON.stringify(kind)} (expected "valkey" or "redis")`);
}

/** A redis-cli compatible client: valkey-cli next to valkey-server, else valkey-cli, else redis-cli. */
function cliPath(kind) {
  const lookups = [];
  if (kind === "valkey") {
    lookups.push(() => path.join(path.dirname(valkeyServerPath()), "valkey-cli"), () => toolPath("valkey-cli"));
  }
  lookups.push(() => toolPath("redis-cli"), () => toolPath("valkey-cli"));
  for (const lookup of lookups) {
    try {
      const cli = lookup();
      if (existsSync(cli)) return cli;
    } catch {
      // try the next one
    }
  }
  throw new Error("neither valkey-cli nor redis-cli found");
}

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
    await spawned(child, dir);
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

