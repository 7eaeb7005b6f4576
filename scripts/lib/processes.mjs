// Child processes the stacks start: tracked so that none outlives this Node process (even when a
// test crashes), stopped with SIGTERM then SIGKILL, their output collected; plus free ports and the
// descendants of a PID, which the start script, the tests and the benches share.

import { readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";

export const STOP_GRACE_MS = 5_000;
const LOG_LIMIT = 1 << 20;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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

/** Registers a child (and its temporary directory) for the last-resort cleanup on exit. */
/**
 * Resolves once `child` has started; rejects with the spawn error (a missing binary) when it never
 * did, after removing `dir`. Keeps an `error` listener on the child either way, so a late error
 * never becomes an uncaught exception.
 */
export async function spawned(child, dir) {
  const failed = new Promise((_, reject) => child.once("error", reject));
  failed.catch(() => {});
  if (child.pid !== undefined) return;
  if (dir) rmSync(dir, { recursive: true, force: true });
  await failed;
}

export function track(child, dir) {
  installCleanup();
  live.set(child.pid, { child, dir });
}

export function untrack(pid) {
  live.delete(pid);
}

/** Resolves with {code, signal} once the child has exited (immediately if it already has). */
export function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

/** SIGTERM, then SIGKILL after STOP_GRACE_MS; resolves with how the process ended. */
export async function terminate(child) {
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
export function captureOutput(child, onLine) {
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
// Ports and process trees.

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

export function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}

