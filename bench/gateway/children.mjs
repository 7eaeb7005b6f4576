// Process bookkeeping: everything the benchmark starts is stopped in `finally` (run.mjs), by PID,
// and on SIGINT/SIGTERM.

import { spawn } from "node:child_process";
import { rmSync } from "node:fs";

import { log } from "./config.mjs";

export const cleanups = [];
export const children = new Set();
export function spawnTracked(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}
export function killChildren() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
}
export const tempDirs = new Set();
process.on("exit", () => {
  killChildren();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
let interrupted = false;
/** True once SIGINT or SIGTERM arrived: the main loop stops starting new cases. */
export const isInterrupted = () => interrupted;
for (const sig of ["SIGINT", "SIGTERM"]) {
  // `on`, not `once`: while this listener exists, scripts/lib/stack.mjs does not re-raise the signal
  // (which would end the process before the cleanups below have run).
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: stopping everything`);
    killChildren();
    Promise.allSettled(cleanups.map((f) => f())).finally(() => process.exit(130));
  });
}

/** Runs a command to completion, collecting stdout/stderr; `onStart(pid)` is called once spawned. */
export function run(cmd, args, { onStart, timeoutMs = 0, ...opts } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(cmd, args, opts);
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr?.setEncoding("utf8").on("data", (d) => (stderr += d));
    child.once("error", reject);
    let timer;
    if (timeoutMs) timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    if (onStart && child.pid) onStart(child.pid);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, pid: child.pid });
    });
  });
}
