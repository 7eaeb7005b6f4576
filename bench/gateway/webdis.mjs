// Webdis, the HTTP-to-Redis server the gateway is compared with (/usr/bin/webdis, Debian).

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { freePort, sleep } from "../../scripts/lib/stack.mjs";
import { spawnTracked, tempDirs } from "./children.mjs";

export async function startWebdis({ redisPort, threads, poolSize }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "podium-webdis-"));
  tempDirs.add(dir);
  const port = await freePort();
  const config = {
    redis_host: "127.0.0.1",
    redis_port: redisPort,
    redis_auth: null,
    http_host: "127.0.0.1",
    http_port: port,
    threads,
    pool_size: poolSize,
    daemonize: false,
    websockets: false,
    database: 0,
    verbosity: 3,
    logfile: path.join(dir, "webdis.log"),
  };
  const file = path.join(dir, "webdis.json");
  writeFileSync(file, JSON.stringify(config, null, 2));
  const child = spawnTracked("/usr/bin/webdis", [file], { cwd: dir });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (output += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (output += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`webdis exited early (${child.exitCode ?? child.signalCode}):\n${output}`);
    }
    try {
      const res = await fetch(`${url}/PING`);
      const body = await res.text();
      if (res.ok && body.includes("PONG")) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`webdis did not answer /PING within 10 s:\n${output}`);
    }
    await sleep(50);
  }
  return { url, port, pid: child.pid, config, stop, logSize: () => fileSize(config.logfile) };
}

function fileSize(file) {
  try {
    return readFileSync(file).length;
  } catch {
    return 0;
  }
}
