// Rate limits under concurrency, for tests/reliability/ratelimit.test.mjs and the soak: bursts of
// simultaneous writes for one player through the built Worker, split across two Worker
// instances that each talk to their own gateway, both gateways on one Valkey. The limit is
// decided inside the write script, atomically in Valkey, so however the writes are spread,
// exactly `limit` may succeed.

import { randomBytes } from "node:crypto";

import { startGateway, startRedisServer } from "../../../scripts/lib/stack.mjs";
import { call, clearOfWindowEdge, gatewayRequests, startWorker } from "../../worker/harness.mjs";
import { SERVER_KIND } from "./scenarios.mjs";

export const LIMIT = 10;
/** Windows far longer than a run, so nothing slides back in while it runs. */
const WINDOW_SECONDS = 600;

export const RATE_LIMIT_BOARDS = [
  {
    id: "window",
    order: "higher",
    policy: "sum",
    periods: ["alltime"],
    rate_limits: { player: { limit: LIMIT, window_seconds: WINDOW_SECONDS } },
  },
  {
    id: "bucket",
    order: "higher",
    policy: "sum",
    periods: ["alltime"],
    rate_limits: { player: { limit: LIMIT, window_seconds: WINDOW_SECONDS, algorithm: "token_bucket" } },
  },
];

/** One Valkey, two gateways on it, and one Worker (workerd) in front of each gateway. */
export async function startTwoGateways({ release = false } = {}) {
  const stack = { serverKey: `server_${randomBytes(16).toString("hex")}`, paths: [] };
  stack.stop = async () => {
    for (const path of stack.paths) {
      await path.mf?.dispose();
      await path.gateway?.stop();
    }
    await stack.server?.stop();
  };
  try {
    stack.server = await startRedisServer({ kind: SERVER_KIND });
    for (let i = 0; i < 2; i++) {
      const path = {};
      stack.paths.push(path);
      path.gateway = await startGateway({ redisUrl: stack.server.gatewayUrl, release });
      path.mf = await startWorker({
        UPSTASH_REDIS_REST_URL: path.gateway.url,
        UPSTASH_REDIS_REST_TOKEN: path.gateway.token,
        PODIUM_SERVER_KEY: stack.serverKey,
        PODIUM_BOARDS: JSON.stringify(RATE_LIMIT_BOARDS),
      });
    }
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

let burstCounter = 0;

/**
 * `writes` simultaneous score writes for one fresh player on `board`, dealt round-robin over
 * the first `paths` Worker+gateway pairs. Returns what came back and what the board stored.
 */
export async function burst(stack, { board, writes, paths = 2 }) {
  burstCounter += 1;
  const player = `burst-${randomBytes(3).toString("hex")}-${burstCounter}`;
  const used = stack.paths.slice(0, paths);
  await clearOfWindowEdge(WINDOW_SECONDS);
  const before = await Promise.all(used.map((p) => gatewayRequests(p)));
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: writes }, (_, i) =>
      call(used[i % used.length], "POST", `/v1/boards/${board}/scores`, {
        body: { player, score: i + 1 },
        auth: stack.serverKey,
      }).then((res) => ({ ...res, score: i + 1 })),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = await Promise.all(used.map((p) => gatewayRequests(p)));
  const stored = await call(used[0], "GET", `/v1/boards/${board}/players/${player}`);

  const accepted = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status === 429);
  const retryAfterOk = refused.filter((r) => {
    const retry = Number(r.headers.get("retry-after"));
    return (
      Number.isInteger(retry) &&
      retry >= 1 &&
      retry <= WINDOW_SECONDS &&
      r.json?.error?.code === "rate_limited" &&
      r.headers.get("ratelimit-remaining") === "0"
    );
  });
  return {
    board,
    writes,
    paths: used.length,
    seconds,
    accepted: accepted.length,
    refused: refused.length,
    retryAfterOk: retryAfterOk.length,
    other: results.filter((r) => r.status !== 200 && r.status !== 429).map((r) => `${r.status} ${r.text}`),
    gatewayCalls: after.map((n, i) => n - before[i]),
    acceptedSum: accepted.reduce((sum, r) => sum + r.score, 0),
    stored: stored.status === 200 ? stored.json.score : `${stored.status} ${stored.text}`,
  };
}

/** What a burst did wrong, as sentences; empty when exactly the limit got through. */
export function burstProblems(r) {
  const at = `${r.writes} writes on ${r.board} over ${r.paths} gateway(s)`;
  const problems = [];
  if (r.accepted !== LIMIT) problems.push(`${at}: ${r.accepted} accepted, expected exactly ${LIMIT}`);
  if (r.refused !== r.writes - LIMIT) problems.push(`${at}: ${r.refused} refused with 429, expected ${r.writes - LIMIT}`);
  if (r.retryAfterOk !== r.refused) problems.push(`${at}: ${r.refused - r.retryAfterOk} refusals without a valid Retry-After`);
  if (r.other.length) problems.push(`${at}: other answers: ${r.other.slice(0, 3).join("; ")}`);
  if (r.stored !== r.acceptedSum) problems.push(`${at}: stored ${r.stored}, the accepted writes sum to ${r.acceptedSum}`);
  if (r.gatewayCalls.some((n) => n === 0)) problems.push(`${at}: a gateway got no request (${r.gatewayCalls})`);
  return problems;
}
