// Every route and error code of the built Worker, in workerd, against the gateway and a real
// Valkey: reads, writes with the server key and with sessions, session expiry and ending,
// moderation, validation, ties, a lower-is-better board, the OpenAPI description, configuration
// errors.

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";

import {
  call,
  code,
  redis,
  ENDED_SESSIONS_KEY,
  session,
  startWorker,
  submit,
  uniquePlayer,
  useWorkerStack,
} from "./harness.mjs";

const BOARDS = [
  { id: "global", title: "Global", order: "higher", policy: "best", periods: ["alltime", "daily"] },
  { id: "speedrun", title: "Speedrun", order: "lower", policy: "best", periods: ["alltime"], min_score: 0 },
  { id: "bounded", order: "higher", policy: "latest", periods: ["alltime"], min_score: 0, max_score: 1000 },
  { id: "clicks", order: "higher", policy: "sum", periods: ["alltime"] },
  { id: "ties", order: "higher", policy: "best", periods: ["alltime"] },
  { id: "around", order: "higher", policy: "best", periods: ["alltime"] },
  { id: "moderated", order: "higher", policy: "best", periods: ["alltime", "daily"] },
  // No reads cached: this file checks fresh results right after writes.
];

const stack = useWorkerStack({
  boards: BOARDS,
  vars: { PODIUM_CORS_ORIGINS: "https://game.example", PODIUM_SESSION_TTL_SECS: "120", PODIUM_CACHE_SECONDS: "0" },
});

describe("reads", () => {
  test("GET /v1/health answers ok when the gateway is reachable", async () => {
    const res = await call(stack, "GET", "/v1/health");
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { status: "ok" });
  });

  test("GET /v1/boards lists the configured boards with periods and resets_at", async () => {
    const res = await call(stack, "GET", "/v1/boards");
    assert.equal(res.status, 200, res.text);
    // In id order, the order a cursor pages in (configured and registry boards merged).
    assert.deepEqual(
      res.json.boards.map((b) => b.id),
      BOARDS.map((b) => b.id).sort(),
    );
    assert.ok(res.json.boards.every((b) => b.source === "config" && b.version === null));
    assert.equal(res.json.next_cursor, null);
    const byId = Object.fromEntries(res.json.boards.map((b) => [b.id, b]));
    const global = byId.global;
    assert.equal(global.order, "higher");
    assert.deepEqual(
      global.periods.map((p) => p.period),
      ["alltime", "daily"],
    );
    const daily = global.periods[1];
    assert.ok(daily.resets_at > Date.now() && daily.resets_at <= Date.now() + 86_400_000, JSON.stringify(daily));
    assert.equal(byId.speedrun.order, "lower");
  });

  test("top, player and period reads", async () => {
    const [a, b, c] = [uniquePlayer("a"), uniquePlayer("b"), uniquePlayer("c")];
    for (const [player, score, name] of [
      [a, 300, "Alice"],
      [b, 200, undefined],
      [c, 100, "Carol"],
    ]) {
      const res = await submit(stack, "global", name ? { player, score, name } : { player, score });
      assert.equal(res.status, 200, res.text);
    }
    const top = await call(stack, "GET", "/v1/boards/global/top");
    assert.equal(top.status, 200, top.text);
    assert.equal(top.json.board, "global");
    assert.deepEqual(top.json.period, { period: "alltime", id: "all" });
    assert.equal(top.json.total, 3);
    assert.deepEqual(
      top.json.entries.map((e) => [e.rank, e.player, e.score]),
      [
        [1, a, 300],
        [2, b, 200],
        [3, c, 100],
      ],
    );
    assert.equal(top.json.entries[0].name, "Alice");
    assert.match(top.headers.get("etag") ?? "", /^"[0-9a-f]+"$/);

    const page = await call(stack, "GET", "/v1/boards/global/top?limit=1&offset=1");
    assert.deepEqual(
      page.json.entries.map((e) => [e.rank, e.player]),
      [[2, b]],
    );
    const daily = await call(stack, "GET", "/v1/boards/global/top?period=daily");
    assert.equal(daily.status, 200, daily.text);
    assert.equal(daily.json.period.period, "daily");
    assert.match(daily.json.period.id, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(daily.json.total, 3, "a write lands in every period of the board");
    assert.ok(daily.json.resets_at > Date.now());

    const me = await call(stack, "GET", `/v1/boards/global/players/${b}`);
    assert.equal(me.status, 200, me.text);
    assert.deepEqual(
      [me.json.player, me.json.rank, me.json.score, me.json.total],
      [b, 2, 200, 3],
    );
    const missing = await call(stack, "GET", `/v1/boards/global/players/${uniquePlayer("nobody")}`);
    assert.equal(missing.status, 404);
    assert.equal(code(missing), "player_not_found");
  });

  test("around: a full window, shifted at the edges", async () => {
    const players = Array.from({ length: 7 }, (_, i) => uniquePlayer(`r${i}`));
    for (const [i, player] of players.entries()) {
      assert.equal((await submit(stack, "around", { player, score: 100 - i })).status, 200);
    }
    const middle = await call(stack, "GET", `/v1/boards/around/players/${players[3]}/around?radius=1`);
    assert.equal(middle.status, 200, middle.text);
    assert.deepEqual(
      middle.json.entries.map((e) => e.rank),
      [3, 4, 5],
    );
    const top = await call(stack, "GET", `/v1/boards/around/players/${players[0]}/around?radius=2`);
    assert.deepEqual(
      top.json.entries.map((e) => e.rank),
      [1, 2, 3, 4, 5],
      "shifted down at the top",
    );
    const bottom = await call(stack, "GET", `/v1/boards/around/players/${players[6]}/around?radius=2`);
    assert.deepEqual(
      bottom.json.entries.map((e) => e.rank),
      [3, 4, 5, 6, 7],
      "shifted up at the bottom",
    );
    // No score yet is not an error: a 200 that says so, with the top of the board.
    const unknown = await call(stack, "GET", `/v1/boards/around/players/${uniquePlayer()}/around?radius=1`);
    assert.equal(unknown.status, 200, unknown.text);
    assert.equal(unknown.json.ranked, false);
    assert.deepEqual(unknown.json.entries.map((e) => e.rank), [1, 2, 3]);
  });

  test("GET /v1/openapi.json describes every route the Worker answers", async () => {
    const res = await call(stack, "GET", "/v1/openapi.json");
    assert.equal(res.status, 200, res.text);
    assert.match(res.json.openapi, /^3\.1\./);
    const expected = {
      "/v1/health": ["get"],
      "/v1/openapi.json": ["get"],
      "/v1/boards": ["get"],
      "/v1/boards/{board}/top": ["get"],
      "/v1/boards/{board}/players/{player}": ["get", "delete"],
      "/v1/boards/{board}/players/{player}/around": ["get"],
      "/v1/sessions": ["post"],
      "/v1/sessions/current": ["delete"],
      "/v1/boards/{board}/scores": ["post"],
      "/v1/boards/{board}": ["delete"],
    };
    for (const [route, methods] of Object.entries(expected)) {
      const item = res.json.paths[route];
      assert.ok(item, `${route} is described`);
      for (const method of methods) assert.ok(item[method], `${method.toUpperCase()} ${route} is described`);
    }
    // And every described operation exists: none answers not_found or method_not_allowed.
    for (const [route, item] of Object.entries(res.json.paths)) {
      const url = route.replace("{board}", "global").replace("{player}", "nobody-at-all");
      for (const method of Object.keys(item).filter((m) => ["get", "post", "delete"].includes(m))) {
        const reply = await call(stack, method.toUpperCase(), url);
        assert.ok(!["not_found", "method_not_allowed"].includes(code(reply)), `${method} ${url}: ${reply.text}`);
      }
    }
  });
});

describe("writes and sessions", () => {
  test("a write returns the stored score, rank, previous rank and whether it improved", async () => {
    const player = uniquePlayer("w");
    const first = await submit(stack, "global", { player, score: 50 });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.player, player);
    assert.equal(first.json.score, 50);
    assert.equal(first.json.previous_rank, null);
    assert.equal(first.json.improved, true);
    // The rank is in the board's default period (all-time here), which never resets.
    assert.deepEqual([first.json.period, first.json.resets_at], [{ period: "alltime", id: "all" }, null]);
    const worse = await submit(stack, "global", { player, score: 10 });
    assert.deepEqual([worse.json.score, worse.json.improved], [50, false], "best keeps the better score");
    const better = await submit(stack, "global", { player, score: 5000 });
    assert.deepEqual([better.json.score, better.json.improved, better.json.rank], [5000, true, 1]);
    assert.ok(better.json.previous_rank > 1);

    const sum = uniquePlayer("s");
    await submit(stack, "clicks", { player: sum, score: 5 });
    const total = await submit(stack, "clicks", { player: sum, score: 10 });
    assert.equal(total.json.score, 15, "sum adds up");
    const latest = uniquePlayer("l");
    await submit(stack, "bounded", { player: latest, score: 900 });
    const overwritten = await submit(stack, "bounded", { player: latest, score: 3 });
    assert.equal(overwritten.json.score, 3, "latest overwrites");
  });

  test("writes need the server key or a session", async () => {
    const body = { player: uniquePlayer(), score: 1 };
    const anonymous = await call(stack, "POST", "/v1/boards/global/scores", { body });
    assert.deepEqual([anonymous.status, code(anonymous)], [401, "unauthorized"]);
    const wrong = await call(stack, "POST", "/v1/boards/global/scores", { body, auth: "not-the-key" });
    assert.deepEqual([wrong.status, code(wrong)], [401, "unauthorized"]);
    assert.ok(!wrong.text.includes(stack.serverKey), "the key never appears in a response");
  });

  test("a session writes for its own player only, and cannot act as the server", async () => {
    const player = uniquePlayer("sess");
    const created = await call(stack, "POST", "/v1/sessions", { body: { player, name: "Sam" }, auth: stack.serverKey });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.expires_in, 120);
    assert.equal(created.headers.get("cache-control"), "no-store");
    const { token } = created.json;
    assert.match(token, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/, "v1.<payload>.<HMAC-SHA-256>, base64url");
    const other = await session(stack, uniquePlayer("sess"));
    assert.notEqual(other, token, "tokens are random");
    assert.equal(await redis(stack, ["EXISTS", `{podium:global}:session:${token}`]), ":0", "nothing stored");

    const own = await submit(stack, "global", { player, score: 77 }, { auth: token });
    assert.equal(own.status, 200, own.text);
    const me = await call(stack, "GET", `/v1/boards/global/players/${player}`);
    assert.equal(me.json.name, "Sam", "the session's name is used");

    const forOther = await submit(stack, "global", { player: uniquePlayer(), score: 1 }, { auth: token });
    assert.deepEqual([forOther.status, code(forOther)], [403, "forbidden"]);
    const mint = await call(stack, "POST", "/v1/sessions", { body: { player }, auth: token });
    assert.equal(mint.status, 403, "a session cannot mint sessions");
    const moderate = await call(stack, "DELETE", `/v1/boards/global/players/${player}`, { auth: token });
    assert.equal(moderate.status, 403, "a session cannot moderate");
    const noKey = await call(stack, "POST", "/v1/sessions", { body: { player } });
    assert.equal(noKey.status, 401);
  });

  test("an ended session is refused with 401", async () => {
    const player = uniquePlayer("end");
    const token = await session(stack, player);
    const ended = await call(stack, "DELETE", "/v1/sessions/current", { auth: token });
    assert.equal(ended.status, 204, ended.text);
    assert.equal(ended.text, "");
    const refused = await submit(stack, "global", { player, score: 1 }, { auth: token });
    assert.deepEqual([refused.status, code(refused)], [401, "unauthorized"]);
    const again = await call(stack, "DELETE", "/v1/sessions/current", { auth: token });
    assert.equal(again.status, 401);
    const withKey = await call(stack, "DELETE", "/v1/sessions/current", { auth: stack.serverKey });
    assert.equal(withKey.status, 401, "only a session can end itself");
  });

  test("an expired session is refused with 401", async () => {
    // The expiry is signed into the token: a Worker on the test clock sends a request after it.
    const clocked = await startWorker({ ...stack.bindings, PODIUM_TEST_CLOCK: "header" });
    try {
      const player = uniquePlayer("exp");
      const now = Date.now();
      const at = (ms) => ({ "x-podium-test-now": String(ms) });
      const made = await call(clocked, "POST", "/v1/sessions", { body: { player }, auth: stack.serverKey, headers: at(now) });
      assert.equal(made.status, 201, made.text);
      const { token } = made.json;
      const live = await submit(clocked, "global", { player, score: 1 }, { auth: token, headers: at(now + 119_999) });
      assert.equal(live.status, 200, live.text);
      const expired = await submit(clocked, "global", { player, score: 2 }, { auth: token, headers: at(now + 120_000) });
      assert.deepEqual([expired.status, code(expired)], [401, "unauthorized"]);
      assert.equal((await submit(stack, "global", { player, score: 2 }, { auth: token })).status, 200, "still live on the real clock");
    } finally {
      await clocked.dispose();
    }
  });

  test("a session ended on one isolate is refused on another within 1 s", async () => {
    const other = await startWorker(stack.bindings);
    try {
      const player = uniquePlayer("iso");
      const token = await session(stack, player);
      for (const target of [stack, other]) {
        assert.equal((await submit(target, "global", { player, score: 1 }, { auth: token })).status, 200);
      }
      const ended = await call(stack, "DELETE", "/v1/sessions/current", { auth: token });
      assert.equal(ended.status, 204, ended.text);
      assert.notEqual(await redis(stack, ["ZCARD", ENDED_SESSIONS_KEY]), ":0", "recorded among the ended sessions");
      // The other isolate's copy of the ended sessions is at most 1 s old: wait the bound out.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const refused = await submit(other, "global", { player, score: 2 }, { auth: token });
      assert.deepEqual([refused.status, code(refused)], [401, "unauthorized"]);
      const score = await call(stack, "GET", `/v1/boards/global/players/${player}`);
      assert.equal(score.json.score, 1, "the refused write changed nothing");
    } finally {
      await other.dispose();
    }
  });
});

describe("moderation", () => {
  test("delete a player and reset a period with the server key", async () => {
    const [cheat, honest] = [uniquePlayer("cheat"), uniquePlayer("honest")];
    await submit(stack, "moderated", { player: cheat, score: 1_000_000 });
    await submit(stack, "moderated", { player: honest, score: 10 });
    const anonymous = await call(stack, "DELETE", `/v1/boards/moderated/players/${cheat}`);
    assert.deepEqual([anonymous.status, code(anonymous)], [401, "unauthorized"]);
    const removed = await call(stack, "DELETE", `/v1/boards/moderated/players/${cheat}`, { auth: stack.serverKey });
    assert.equal(removed.status, 204, removed.text);
    const top = await call(stack, "GET", "/v1/boards/moderated/top");
    assert.deepEqual(
      top.json.entries.map((e) => e.player),
      [honest],
    );
    const daily = await call(stack, "GET", "/v1/boards/moderated/top?period=daily");
    assert.deepEqual(
      daily.json.entries.map((e) => e.player),
      [honest],
      "removed from every period",
    );
    const again = await call(stack, "DELETE", `/v1/boards/moderated/players/${cheat}`, { auth: stack.serverKey });
    assert.deepEqual([again.status, code(again)], [404, "player_not_found"]);

    const reset = await call(stack, "DELETE", "/v1/boards/moderated?period=daily", { auth: stack.serverKey });
    assert.equal(reset.status, 204, reset.text);
    assert.equal((await call(stack, "GET", "/v1/boards/moderated/top?period=daily")).json.total, 0);
    assert.equal((await call(stack, "GET", "/v1/boards/moderated/top")).json.total, 1, "only daily was reset");
    const resetAnonymous = await call(stack, "DELETE", "/v1/boards/moderated?period=daily");
    assert.equal(resetAnonymous.status, 401);
  });
});

describe("ordering", () => {
  test("ties: the player who reached the score first ranks higher", async () => {
    const [first, second, third] = [uniquePlayer("t1"), uniquePlayer("t2"), uniquePlayer("t3")];
    await submit(stack, "ties", { player: first, score: 500 });
    await submit(stack, "ties", { player: second, score: 500 });
    await submit(stack, "ties", { player: third, score: 400 });
    // Reaching 500 later, from below, does not overtake.
    await submit(stack, "ties", { player: third, score: 500 });
    const top = await call(stack, "GET", "/v1/boards/ties/top");
    assert.deepEqual(
      top.json.entries.map((e) => [e.rank, e.player]),
      [
        [1, first],
        [2, second],
        [3, third],
      ],
    );
    const shared = await call(stack, "GET", "/v1/boards/ties/top?ties=shared");
    assert.deepEqual(
      shared.json.entries.map((e) => e.rank),
      [1, 1, 1],
    );
  });

  test("a lower-is-better board ranks the fastest time first and keeps the best", async () => {
    const [slow, fast, faster] = [uniquePlayer("slow"), uniquePlayer("fast"), uniquePlayer("faster")];
    await submit(stack, "speedrun", { player: slow, score: 9000 });
    await submit(stack, "speedrun", { player: fast, score: 4000 });
    await submit(stack, "speedrun", { player: faster, score: 4000 });
    const worse = await submit(stack, "speedrun", { player: slow, score: 9500 });
    assert.deepEqual([worse.json.score, worse.json.improved], [9000, false]);
    const improved = await submit(stack, "speedrun", { player: faster, score: 3999 });
    assert.deepEqual([improved.json.score, improved.json.improved, improved.json.rank], [3999, true, 1]);
    const top = await call(stack, "GET", "/v1/boards/speedrun/top");
    assert.deepEqual(
      top.json.entries.map((e) => [e.player, e.score]),
      [
        [faster, 3999],
        [fast, 4000],
        [slow, 9000],
      ],
    );
  });
});

describe("validation", () => {
  test("bad bodies get a stable code and change nothing", async () => {
    const player = uniquePlayer("v");
    const cases = [
      [{ player, score: 1.5 }, "invalid_score"],
      [{ player, score: 1.0000001 }, "invalid_score"],
      [{ player, score: "10" }, "invalid_score"],
      [{ player, score: null }, "invalid_score"],
      [{ player, score: true }, "invalid_score"],
      [{ player, score: 1001 }, "score_out_of_range", "bounded"],
      [{ player, score: -1 }, "score_out_of_range", "bounded"],
      [{ player, score: 2 ** 53 }, "score_out_of_range"],
      [{ player, score: 1, extra: true }, "unknown_field"],
      [{ player: "bad id!", score: 1 }, "invalid_player"],
      [{ player: "", score: 1 }, "invalid_player"],
      [{ player: "x".repeat(65), score: 1 }, "invalid_player"],
      [{ player: "{tag}", score: 1 }, "invalid_player"],
      [{ player, score: 1, name: "a\u0007b" }, "invalid_name"],
      [{ player, score: 1, name: "line\nbreak" }, "invalid_name"],
      [{ player, score: 1, name: "n".repeat(33) }, "invalid_name"],
      [{ score: 1 }, "invalid_json"],
    ];
    for (const [body, expected, board = "global"] of cases) {
      const res = await submit(stack, board, body);
      assert.deepEqual([res.status, code(res)], [400, expected], JSON.stringify(body));
    }
    for (const text of ['{"player":"p","score":NaN}', '{"player":"p","score":Infinity}', "{", "", '{"player":"p","score":1e400}']) {
      const res = await submit(stack, "global", text);
      assert.equal(res.status, 400, text);
      assert.ok(["invalid_json", "invalid_score", "score_out_of_range"].includes(code(res)), `${text}: ${res.text}`);
    }
    const wrongType = await submit(stack, "global", JSON.stringify({ player, score: 1 }), {
      headers: { "content-type": "text/plain" },
    });
    assert.deepEqual([wrongType.status, code(wrongType)], [415, "unsupported_media_type"]);
    const me = await call(stack, "GET", `/v1/boards/global/players/${player}`);
    assert.equal(me.status, 404, "nothing was written");
  });

  test("too large bodies, unknown boards and routes, wrong methods", async () => {
    const big = await submit(stack, "global", JSON.stringify({ player: "p", score: 1, name: "x".repeat(5000) }));
    assert.deepEqual([big.status, code(big)], [413, "body_too_large"]);
    const unknownBoard = await submit(stack, "nope", { player: "p", score: 1 });
    assert.deepEqual([unknownBoard.status, code(unknownBoard)], [404, "unknown_board"]);
    const unknownTop = await call(stack, "GET", "/v1/boards/nope/top");
    assert.deepEqual([unknownTop.status, code(unknownTop)], [404, "unknown_board"]);
    for (const [method, url] of [
      ["PUT", "/v1/boards/global/scores"],
      ["GET", "/v1/boards/global/scores"],
      ["POST", "/v1/boards/global/top"],
      ["PATCH", "/v1/sessions"],
      ["POST", "/v1/health"],
    ]) {
      const res = await call(stack, method, url, { auth: stack.serverKey });
      assert.deepEqual([res.status, code(res)], [405, "method_not_allowed"], `${method} ${url}`);
    }
    const nowhere = await call(stack, "GET", "/v1/nothing/here");
    assert.deepEqual([nowhere.status, code(nowhere)], [404, "not_found"]);
  });

  test("bad query parameters", async () => {
    for (const query of ["limit=0", "limit=101", "limit=x", "limit=1.5", "offset=-1", "period=hourly", "period=weekly", "ties=x", "period=daily&at=2020-01-01"]) {
      const res = await call(stack, "GET", `/v1/boards/global/top?${query}`);
      assert.equal(res.status, 400, `${query}: ${res.text}`);
      assert.match(code(res), /^(invalid_parameter|unknown_period)$/, query);
    }
    const limit100 = await call(stack, "GET", "/v1/boards/global/top?limit=100");
    assert.equal(limit100.status, 200);
    const badPlayer = await call(stack, "GET", "/v1/boards/global/players/bad%20id");
    assert.deepEqual([badPlayer.status, code(badPlayer)], [400, "invalid_player"]);
    const radius = await call(stack, "GET", "/v1/boards/global/players/p/around?radius=51");
    assert.equal(radius.status, 400);
  });
});

describe("CORS", () => {
  test("allowed origins get CORS headers, others none; preflight answers", async () => {
    const allowed = await call(stack, "GET", "/v1/boards", { headers: { origin: "https://game.example" } });
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://game.example");
    const other = await call(stack, "GET", "/v1/boards", { headers: { origin: "https://evil.example" } });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    const preflight = await call(stack, "OPTIONS", "/v1/boards/global/scores", {
      headers: { origin: "https://game.example", "access-control-request-method": "POST" },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
  });
});

describe("configuration errors", () => {
  const workers = [];
  after(async () => {
    await Promise.all(workers.map((mf) => mf.dispose()));
  });
  const start = async (bindings) => {
    const mf = await startWorker(bindings);
    workers.push(mf);
    return mf;
  };

  test("answer 500 with a JSON error naming the variable, never a secret", async () => {
    const token = "very-secret-token-value";
    const noKey = await start({ UPSTASH_REDIS_REST_URL: stack.gateway.url, UPSTASH_REDIS_REST_TOKEN: token });
    const res = await call(noKey, "GET", "/v1/health");
    assert.deepEqual([res.status, code(res)], [500, "internal"]);
    assert.match(res.json.error.message, /PODIUM_SERVER_KEY/);
    assert.ok(!res.text.includes(token));

    const noUrl = await start({ UPSTASH_REDIS_REST_TOKEN: token, PODIUM_SERVER_KEY: "key-value-secret" });
    const missing = await call(noUrl, "GET", "/v1/boards");
    assert.deepEqual([missing.status, code(missing)], [500, "internal"]);
    assert.match(missing.json.error.message, /UPSTASH_REDIS_REST_URL/);
    assert.ok(!missing.text.includes(token) && !missing.text.includes("key-value-secret"));

    const badBoards = await start({ ...stack.bindings, PODIUM_BOARDS: '[{"id": "x", "order": "sideways"}]' });
    const bad = await call(badBoards, "GET", "/v1/boards");
    assert.deepEqual([bad.status, code(bad)], [500, "internal"]);
    assert.match(bad.json.error.message, /PODIUM_BOARDS/);
    assert.ok(!bad.text.includes(stack.gateway.token) && !bad.text.includes(stack.serverKey));
  });

  test("a wrong gateway token fails health without leaking it", async () => {
    const wrong = await start({ ...stack.bindings, UPSTASH_REDIS_REST_TOKEN: "wrong-token-123" });
    const res = await call(wrong, "GET", "/v1/health");
    assert.ok(res.status >= 500, res.text);
    assert.ok(!res.text.includes("wrong-token-123") && !res.text.includes(stack.gateway.token), res.text);
  });
});
