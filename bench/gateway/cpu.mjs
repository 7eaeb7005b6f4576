// CPU accounting from /proc (utime + stime of every thread of a process), and waiting for a quiet
// machine before measuring.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";

import { sleep } from "../../scripts/lib/stack.mjs";
import { cfg, log } from "./config.mjs";

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

function procTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
}
function machineTicks() {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = line[3] + (line[4] || 0);
  const total = line.slice(0, 8).reduce((a, b) => a + b, 0);
  const steal = line[7] || 0; // time this VM wanted to run but the host ran something else
  return { busy: total - idle - steal, total, steal };
}

/** Samples CPU of named PIDs (and the whole machine) until stop(); returns % of one core each. */
export function cpuSampler(pids) {
  const first = {};
  const last = {};
  const t0 = performance.now();
  let t1 = t0;
  const m0 = machineTicks();
  let m1 = m0;
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) {
      if (!pid) continue;
      const t = procTicks(pid);
      if (t === undefined) continue;
      if (first[name] === undefined) first[name] = t;
      last[name] = t;
    }
    t1 = performance.now();
    m1 = machineTicks();
  };
  sample();
  const timer = setInterval(sample, 200);
  return {
    add(name, pid) {
      pids[name] = pid;
      sample();
    },
    stop() {
      clearInterval(timer);
      sample();
      const secs = (t1 - t0) / 1000;
      const out = {};
      for (const name of Object.keys(pids)) {
        if (first[name] === undefined) continue;
        out[name] = Math.round(((last[name] - first[name]) / CLK_TCK / secs) * 100);
      }
      const cores = os.cpus().length;
      const busy = m1.total > m0.total ? (m1.busy - m0.busy) / (m1.total - m0.total) : 0;
      out.machine = Math.round(busy * cores * 100);
      out.steal = m1.total > m0.total ? Math.round(((m1.steal - m0.steal) / (m1.total - m0.total)) * cores * 100) : 0;
      const ours = Object.entries(out).filter(([k]) => k !== "machine" && k !== "steal").reduce((a, [, v]) => a + v, 0);
      out.other = Math.max(0, out.machine - ours);
      return out;
    },
  };
}

/** Busy % (of one core) of the whole machine over `ms`. */
async function machineBusy(ms) {
  const a = machineTicks();
  await sleep(ms);
  const b = machineTicks();
  return b.total > a.total ? Math.round(((b.busy - a.busy) / (b.total - a.total)) * os.cpus().length * 100) : 0;
}

/** Waits (up to cfg.waitIdle s) until the machine is quiet; returns the last background load seen. */
export async function waitForQuiet() {
  const deadline = Date.now() + cfg.waitIdle * 1000;
  for (;;) {
    const busy = await machineBusy(2000);
    if (busy < cfg.idleThreshold) return busy;
    if (Date.now() >= deadline) {
      if (cfg.waitIdle > 0) log(`WARNING: the machine is still busy (${busy}% of one core used by other processes); measuring anyway`);
      return busy;
    }
    log(`machine busy (${busy}% of one core used by other processes); waiting for it to calm down`);
    await sleep(3000);
  }
}
