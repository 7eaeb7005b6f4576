// The machine and the versions of everything measured, for the docs.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { valkeyServerPath } from "../../scripts/lib/stack.mjs";
import { ROOT } from "./config.mjs";

function cmdOutput(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
}
export function machineInfo() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  let mem = "";
  try {
    const kb = Number(/^MemTotal:\s*(\d+)/m.exec(readFileSync("/proc/meminfo", "utf8"))[1]);
    mem = `${(kb / 1024 / 1024).toFixed(1)} GiB`;
  } catch {
    // ignore
  }
  let distro = "";
  try {
    distro = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "";
  } catch {
    // ignore
  }
  return {
    nproc: Number(cmdOutput("nproc", [])) || os.cpus().length,
    cpuModel: model,
    memory: mem,
    kernel: os.release(),
    distro,
    loadavg: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
  };
}
export function versions(gatewayBin) {
  const dpkg = (p) => cmdOutput("dpkg-query", ["-W", "-f=${Version}", p]) || "?";
  const v = spawnSync(gatewayBin, ["--version"], { encoding: "utf8" });
  const cargoVersion = /^version\s*=\s*"([^"]+)"/m.exec(readFileSync(path.join(ROOT, "Cargo.toml"), "utf8"))?.[1];
  const gw = (v.status === 0 && v.stdout.trim().split("\n")[0]) || `podium-gateway ${cargoVersion ?? ""}`.trim();
  const commit = cmdOutput("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]);
  const dirty = cmdOutput("git", ["-C", ROOT, "status", "--porcelain", "--", "crates"]).length > 0;
  return {
    gateway: `${gw} (release; ${/^[0-9a-f]{7,}$/.test(commit) ? commit : "no commit yet"}${dirty ? ", uncommitted changes" : ""})`,
    rustc: cmdOutput("rustc", ["--version"]),
    valkey: /v=(\S+)/.exec(cmdOutput(valkeyServerPath(), ["--version"]))?.[1] ?? "?",
    webdis: dpkg("webdis"),
    wrk: dpkg("wrk"),
    redisBenchmark: /redis-benchmark (\S+)/.exec(cmdOutput("redis-benchmark", ["--version"]))?.[1] ?? dpkg("redis-tools"),
    node: process.version,
  };
}
