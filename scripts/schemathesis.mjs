// Schemathesis (property-based API testing, PyPI) against the Worker's own OpenAPI description:
// a real Valkey, the real gateway and the BUILT Worker in workerd (Miniflare serving HTTP on a
// free port), with an admin key set (PODIUM_ADMIN_KEY, as a production deployment has one) and
// each operation sent the credential its OpenAPI security names (schemathesis.toml's
// `auth.openapi`: the server key for sessions and writes, the admin key for moderation and the
// board API), so that every operation is reachable. Schemathesis reads /v1/openapi.json from the
// running Worker, generates valid and invalid requests for every operation, and checks each answer.
//
//   node scripts/schemathesis.mjs          short run, as in `npm test`: SCHEMATHESIS_EXAMPLES
//                                          (default 50) examples per operation and phase
//   node scripts/schemathesis.mjs --long   500 examples per operation, stateful phase included
//                                          (npm run schemathesis)
//
// Checks: no 5xx (not_a_server_error), documented statuses, content types and response schemas
// (status_code_conformance, content_type_conformance, response_schema_conformance), and that
// invalid input is refused (negative_data_rejection). Schemathesis comes from
// scripts/bootstrap.sh --test into .tools/venv; build the Worker first (scripts/build-worker.sh).

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { repoRoot, startGateway, startRedisServer } from "./lib/stack.mjs";
import { startWorker } from "../tests/worker/harness.mjs";

const long = process.argv.includes("--long");
const examples = process.env.SCHEMATHESIS_EXAMPLES ?? (long ? "500" : "50");
const schemathesis = path.join(repoRoot(), ".tools", "venv", "bin", "schemathesis");
if (!existsSync(schemathesis)) {
  console.error(`${schemathesis} not found: run bash scripts/bootstrap.sh --test`);
  process.exit(1);
}

const BOARDS = [
  { id: "global", title: "Global", order: "higher", policy: "best", periods: ["alltime", "daily", "weekly", "monthly"] },
  { id: "speedrun", title: "Speedrun", order: "lower", policy: "best", periods: ["alltime"], min_score: 0 },
];

const server = await startRedisServer({ kind: process.env.PODIUM_TEST_SERVER ?? "valkey" });
const gateway = await startGateway({ redisUrl: server.gatewayUrl });
const serverKey = `server_${randomBytes(16).toString("hex")}`;
const adminKey = `admin_${randomBytes(16).toString("hex")}`;
const mf = await startWorker(
  {
    UPSTASH_REDIS_REST_URL: gateway.url,
    UPSTASH_REDIS_REST_TOKEN: gateway.token,
    PODIUM_SERVER_KEY: serverKey,
    PODIUM_ADMIN_KEY: adminKey,
    PODIUM_BOARDS: JSON.stringify(BOARDS),
    PODIUM_CORS_ORIGINS: "https://game.example",
    PODIUM_CACHE_SECONDS: "0",
  },
  { host: "127.0.0.1", port: 0 },
);
const base = (await mf.ready).toString().replace(/\/$/, "");

const scratch = mkdtempSync(path.join(os.tmpdir(), "podium-schemathesis-"));
let status = 1;
try {
  // A few players, so that reads of existing players and pages are exercised too.
  for (const [player, score] of [["alice", 300], ["bob", 200], ["carol", 100]]) {
    const res = await fetch(`${base}/v1/boards/global/scores`, {
      method: "POST",
      headers: { authorization: `Bearer ${serverKey}`, "content-type": "application/json" },
      body: JSON.stringify({ player, score }),
    });
    if (res.status !== 200) throw new Error(`seeding ${player}: ${res.status} ${await res.text()}`);
  }
  const args = [
    "run",
    `${base}/v1/openapi.json`,
    "--checks",
    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection",
    "--max-examples",
    examples,
    "--phases",
    long ? "examples,coverage,fuzzing,stateful" : "examples,coverage,fuzzing",
    "--workers",
    "1",
    "--seed",
    process.env.SCHEMATHESIS_SEED ?? "1",
    "--generation-database",
    "none",
    "--continue-on-failure",
    "--no-color",
    // The key must not end up in the printed reproduction commands.
    "--output-sanitize",
    "true",
  ];
  // Each block is named after a security scheme of the document (crates/podium-api/openapi.json);
  // the keys reach Schemathesis through its environment, not its command line.
  writeFileSync(
    path.join(scratch, "schemathesis.toml"),
    [
      "[auth.openapi.serverKey]",
      'bearer = "${PODIUM_SCHEMATHESIS_SERVER_KEY}"',
      "[auth.openapi.adminKey]",
      'bearer = "${PODIUM_SCHEMATHESIS_ADMIN_KEY}"',
      "",
    ].join("\n"),
  );
  console.log(`==> schemathesis ${args.slice(1, 2).join(" ")} (${examples} examples per operation${long ? ", stateful" : ""})`);
  status = await new Promise((resolve) => {
    // Run from a scratch directory: Schemathesis keeps a cache (.schemathesis/) where it runs.
    const child = spawn(schemathesis, args, {
      stdio: "inherit",
      cwd: scratch,
      env: { ...process.env, PODIUM_SCHEMATHESIS_SERVER_KEY: serverKey, PODIUM_SCHEMATHESIS_ADMIN_KEY: adminKey },
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
  await mf.dispose();
  await gateway.stop();
  await server.stop();
}
process.exit(status);
