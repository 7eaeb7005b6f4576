// A small HTTP load generator for the reliability suites: keep-alive connections through
// node:http (fetch costs several times more CPU per request, and the generator shares the two
// cores with everything it measures), every request recorded with its start, end and status so
// that a fault's window can be cut out of the record afterwards.
//
// Two shapes:
//   - closed loop (`concurrency`): that many requests always in flight, for throughput;
//   - open loop (`rate`): requests start on a fixed schedule whatever the answers do, so a stalled
//     server shows up as requests piling up (or, as it should, as timeouts) instead of the
//     generator quietly slowing down.

import http from "node:http";
import { readFileSync } from "node:fs";

/** Longest a request may stay unanswered before the generator gives up on it (a hang). */
export const CLIENT_TIMEOUT_MS = 15_000;

/**
 * A keep-alive HTTP client for one origin. `request()` never throws: a connection failure is
 * status 0 with `error` set to its code (ECONNREFUSED, ECONNRESET, …, or client_timeout).
 */
export function httpClient(origin, { maxSockets = 256 } = {}) {
  const url = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets, scheduling: "fifo" });
  const request = (method, path, { headers = {}, body } = {}) =>
    new Promise((resolve) => {
      const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      const h = { ...headers };
      if (payload !== undefined) {
        h["content-type"] ??= "application/json";
        h["content-length"] = Buffer.byteLength(payload);
      }
      let settled = false;
      const finish = (result) => {
        if (!settled) {
          settled = true;
          resolve(result);
        }
      };
      const req = http.request(
        { host: url.hostname, port: url.port, method, path, headers: h, agent },
        (res) => {
          const chunks = [];
          res.on("data", (chunk) => chunks.push(chunk));
          res.on("end", () =>
            finish({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }),
          );
          res.on("error", (err) => finish({ status: 0, error: err.code ?? err.message }));
        },
      );
      req.setTimeout(CLIENT_TIMEOUT_MS, () => {
        req.destroy();
        finish({ status: 0, error: "client_timeout" });
      });
      req.on("error", (err) => finish({ status: 0, error: err.code ?? err.message }));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  return { request, close: () => agent.destroy() };
}

/**
 * Starts load: `op()` performs one operation and resolves with `{kind, status, error?, code?,
 * retryAfter?}`; the generator adds `t0` and `t1` (ms, performance.now() clock) and keeps it.
 *
 * @param {{op: () => Promise<object>, concurrency?: number, rate?: number}} options
 *   exactly one of `concurrency` (closed loop) or `rate` (open loop, operations per second)
 * @returns {{records: object[], inFlight: () => number, maxInFlight: () => number,
 *   stop: () => Promise<object[]>}}
 */
export function startLoad({ op, concurrency, rate }) {
  if ((concurrency === undefined) === (rate === undefined)) {
    throw new Error("startLoad: give either concurrency or rate");
  }
  const records = [];
  let stopped = false;
  let inFlight = 0;
  let maxInFlight = 0;
  const pending = new Set();

  const once = async () => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const t0 = performance.now();
    let result;
    try {
      result = await op();
    } catch (err) {
      result = { kind: "?", status: 0, error: `generator: ${err.message}` };
    }
    inFlight -= 1;
    records.push({ ...result, t0, t1: performance.now() });
  };

  let done;
  if (concurrency !== undefined) {
    const loops = Array.from({ length: concurrency }, async () => {
      while (!stopped) await once();
    });
    done = Promise.all(loops);
  } else {
    // Ticks every 5 ms and starts whatever is due since the first tick, so a late tick catches up.
    const started = performance.now();
    let launched = 0;
    done = new Promise((resolve) => {
      const timer = setInterval(() => {
        if (stopped) {
          clearInterval(timer);
          Promise.all(pending).then(resolve);
          return;
        }
        const due = Math.floor(((performance.now() - started) / 1000) * rate);
        for (; launched < due; launched++) {
          const p = once();
          pending.add(p);
          p.then(() => pending.delete(p));
        }
      }, 5);
    });
  }

  return {
    records,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    async stop() {
      stopped = true;
      await done;
      return records;
    },
  };
}

/** p-th percentile (0..100) of a list of numbers, nearest rank; NaN for an empty list. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Count of records by `status` (0 = no HTTP answer), as a plain object sorted by status. */
export function countByStatus(records) {
  const counts = {};
  for (const r of records) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

/**
 * Throughput and latency of the records that started in [from, to): requests, req/s, p50 and
 * p99 in ms over every answer (errors included), and the status counts.
 */
export function summarize(records, from = -Infinity, to = Infinity) {
  const inside = records.filter((r) => r.t0 >= from && r.t0 < to);
  const latencies = inside.map((r) => r.t1 - r.t0);
  // Loops, not Math.min(...xs): a long run has more records than a call may take arguments.
  let first = Infinity;
  let last = -Infinity;
  let max = NaN;
  for (const r of inside) {
    first = Math.min(first, r.t0);
    last = Math.max(last, r.t1);
    if (!(r.t1 - r.t0 <= max)) max = r.t1 - r.t0;
  }
  const seconds = inside.length ? (last - first) / 1000 : 0;
  return {
    requests: inside.length,
    seconds,
    rps: seconds > 0 ? inside.length / seconds : 0,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max,
    statuses: countByStatus(inside),
  };
}

/** Resident memory of a process in bytes, from /proc/PID/status (VmRSS). */
export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb[1]) * 1024;
}

/**
 * Samples a process's RSS every `everyMs` until stopped; `pid()` is asked each time, so a
 * restarted process is followed. Samples of a process that is gone are skipped.
 */
export function sampleRss(pid, everyMs = 250) {
  const samples = [];
  const take = () => {
    try {
      samples.push({ t: performance.now(), rss: rssBytes(pid()) });
    } catch {
      // between a kill and the restart
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

export const MB = 1024 * 1024;

/** Resolves once `condition()` is truthy, polling every `everyMs`; rejects after `timeoutMs`. */
export async function waitFor(condition, { timeoutMs = 10_000, everyMs = 20, what = "condition" } = {}) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves after `ms`: for holding a fault (or a load phase) for a set time, never for readiness. */
export function hold(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
