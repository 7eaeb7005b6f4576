// Measurements printed by the suite (not asserted beyond the budgets): the Worker
// bundle's size, and latency percentiles of top-10 reads (cached and not) and score writes over
// sequential requests through workerd. The numbers for docs/benchmarks.md come from here.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { gzipSync } from "node:zlib";

import { WORKER_DIR, call, gatewayRequests, percentile, submit, uniquePlayer, useWorkerStack } from "./harness.mjs";

const REQUESTS = Number(process.env.PODIUM_WORKER_BENCH_REQUESTS ?? 500);
const BOARDS = [{ id: "bench", order: "higher", policy: "best", periods: ["alltime", "daily"] }];
// The budget for the bundle: 1 MB gzip (the free plan allows 3 MB).
const MAX_GZIP_BYTES = 1024 * 1024;

const stack = useWorkerStack({ boards: BOARDS, vars: { PODIUM_CACHE_SECONDS: "1" } });

function ms(value) {
  return `${value.toFixed(2)} ms`;
}

async function timed(count, send) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    const res = await send(i);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    assert.ok(res.status === 200, `${res.status} ${res.text}`);
  }
  return samples;
}

function report(label, samples) {
  const total = samples.reduce((a, b) => a + b, 0);
  console.log(
    `# ${label}: n=${samples.length} p50=${ms(percentile(samples, 50))} p99=${ms(percentile(samples, 99))} ` +
      `max=${ms(Math.max(...samples))} (${Math.round((samples.length * 1000) / total)} req/s sequential)`,
  );
}

describe("measurements", () => {
  test("bundle size", () => {
    const build = path.join(WORKER_DIR, "build");
    let raw = 0;
    let gzip = 0;
    const files = [];
    const walk = (dir) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.(js|mjs|wasm)$/.test(entry.name)) files.push(file);
      }
    };
    walk(build);
    for (const file of files) {
      const bytes = readFileSync(file);
      raw += bytes.length;
      gzip += gzipSync(bytes, { level: 9 }).length;
    }
    console.log(`# worker bundle: ${(raw / 1024).toFixed(0)} KiB raw, ${(gzip / 1024).toFixed(0)} KiB gzip (${files.length} files)`);
    assert.ok(gzip <= MAX_GZIP_BYTES, `bundle ${gzip} bytes gzip exceeds ${MAX_GZIP_BYTES}`);
  });

  test(`latency of ${REQUESTS} sequential writes and top-10 reads`, async () => {
    const players = Array.from({ length: 100 }, (_, i) => uniquePlayer(`b${i}`));
    const before = await gatewayRequests(stack);
    const writes = await timed(REQUESTS, (i) => submit(stack, "bench", { player: players[i % players.length], score: i }));
    const perWrite = ((await gatewayRequests(stack)) - before) / REQUESTS;
    report("score writes", writes);
    console.log(`# gateway round trips per write: ${perWrite.toFixed(3)}`);
    assert.ok(perWrite <= 1.01, "one round trip per write (plus at most one script load)");

    const cached = await timed(REQUESTS, () => call(stack, "GET", "/v1/boards/bench/top?limit=10"));
    report("top-10 reads, edge cache (1 s freshness)", cached);
    const uncached = await timed(REQUESTS, (i) => call(stack, "GET", `/v1/boards/bench/top?limit=10&nocache=${i}`));
    report("top-10 reads, cache misses", uncached);
  });
});
