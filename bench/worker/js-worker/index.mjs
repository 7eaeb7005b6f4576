// The baseline for `npm run bench:worker`: what a user would hand-write instead of Podium, an ES
// module Worker on @upstash/redis doing the same two jobs as Podium's Rust Worker, over the same
// Upstash REST protocol (so against the same gateway):
//
//   GET  /v1/boards/:board/top?limit=10   ZRANGE … REV WITHSCORES and ZCARD in one pipeline, then
//                                         the display names with HMGET; the page cached with the
//                                         Cache API for PODIUM_CACHE_SECONDS (same freshness)
//   POST /v1/boards/:board/scores         with the server key: ZADD GT + HSET name + ZREVRANK +
//                                         ZSCORE in one pipeline (one round trip)
//
// It does less than Podium's write: no tie-break (equal scores rank by member name), no rate
// limits, no periods, no lower-is-better boards, no sessions, and only the validation below.
// Bundled by bench/worker/run.mjs with esbuild (node_modules) into target/bench/worker/.

import { Redis } from "@upstash/redis/cloudflare";

let redis;

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function error(status, code, message) {
  return json(status, { error: { code, message } });
}

const keys = (board) => ({ scores: `jsbench:{${board}}:scores`, names: `jsbench:{${board}}:names` });

async function top(request, env, ctx, board, url) {
  const cache = caches.default;
  const hit = await cache.match(request.url);
  if (hit) return hit;

  const limit = Math.min(100, Math.max(1, Number(url.searchParams.get("limit") ?? 10) || 10));
  const { scores, names } = keys(board);
  const [range, total] = await redis
    .pipeline()
    .zrange(scores, 0, limit - 1, { rev: true, withScores: true })
    .zcard(scores)
    .exec();
  const players = [];
  for (let i = 0; i < range.length; i += 2) players.push(String(range[i]));
  const shown = players.length ? await redis.hmget(names, ...players) : {};
  const entries = players.map((player, i) => ({
    rank: i + 1,
    player,
    name: shown?.[player] ?? null,
    score: Number(range[2 * i + 1]),
  }));
  const seconds = Number(env.PODIUM_CACHE_SECONDS ?? 1);
  const response = json(200, { board, total, entries }, { "cache-control": `public, max-age=${seconds}` });
  if (seconds > 0) ctx.waitUntil(cache.put(request.url, response.clone()));
  return response;
}

async function submit(request, env, board) {
  if (request.headers.get("authorization") !== `Bearer ${env.PODIUM_SERVER_KEY}`) {
    return error(401, "unauthorized", "a server key is required");
  }
  let body;
  try {
    body = await request.json();
  } catch {
    return error(400, "invalid_body", "the body is not JSON");
  }
  const { player, score, name } = body ?? {};
  if (typeof player !== "string" || player.length < 1 || player.length > 64) {
    return error(400, "invalid_player", "player must be a string of 1 to 64 characters");
  }
  if (!Number.isSafeInteger(score)) return error(400, "invalid_score", "score must be an integer");
  const { scores, names } = keys(board);
  const p = redis.pipeline().zadd(scores, { gt: true }, { score, member: player });
  if (typeof name === "string") p.hset(names, { [player]: name });
  p.zrevrank(scores, player).zscore(scores, player);
  const results = await p.exec();
  const [rank, stored] = results.slice(-2);
  return json(200, { board, player, score: Number(stored), rank: rank + 1 });
}

export default {
  async fetch(request, env, ctx) {
    redis ??= new Redis({
      url: env.UPSTASH_REDIS_REST_URL,
      token: env.UPSTASH_REDIS_REST_TOKEN,
      enableTelemetry: false,
    });
    const url = new URL(request.url);
    const m = /^\/v1\/boards\/([A-Za-z0-9_-]{1,64})\/(top|scores)$/.exec(url.pathname);
    if (url.pathname === "/v1/health") return json(200, { ok: true });
    if (!m) return error(404, "not_found", "no such route");
    const [, board, what] = m;
    try {
      if (what === "top" && request.method === "GET") return await top(request, env, ctx, board, url);
      if (what === "scores" && request.method === "POST") return await submit(request, env, board);
      return error(405, "method_not_allowed", "method not allowed");
    } catch (err) {
      return error(502, "upstream", String(err?.message ?? err));
    }
  },
};
