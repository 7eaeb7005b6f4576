// The bad-input corpus: malformed requests to the Worker and to the gateway, each with the status
// and error code it is documented to get (docs/reliability.md, "Bad input"). badinput.test.mjs
// sends every case to the real servers and checks the answer and that no stored data changed.
//
// A case is {name, method, path, headers, body, expect}:
//   - body: a string or bytes, sent as is (no content-type is added unless `headers` says so);
//   - raw: instead of method/path/headers/body, the exact bytes of an HTTP/1.1 request, sent on
//     a socket: for what fetch refuses to send (CR/LF in headers, duplicate headers, `..`);
//   - expect.status: the HTTP status;
//   - expect.code: for the Worker, the API's error code (`error.code`); for the gateway, the start
//     of its `error` text (`ERR`, `WRONGPASS`, `NOPERM`);
//   - expect.http: the HTTP layer (workerd or hyper) refuses the request before the application
//     sees it; its answer is not the application's JSON, so only the status is checked.
//
// Context `c` holds the credentials and ids the cases need; see badinput.test.mjs.

import { readFileSync } from "node:fs";

const MB = 1024 * 1024;

/** The API's own description of its operations, derived from podium-wire's table. */
const OPENAPI = JSON.parse(readFileSync(new URL("../../crates/podium-api/openapi.json", import.meta.url), "utf8"));

const nest = (depth, open, close, inner = "1") => open.repeat(depth) + inner + close.repeat(depth);
const bytes = (...parts) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));

/** Raw HTTP/1.1 request bytes; `headerLines` are sent exactly as given. */
export function rawRequest(method, target, headerLines = [], body = "") {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  const head = [`${method} ${target} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close", ...headerLines];
  if (payload.length > 0) head.push(`Content-Length: ${payload.length}`);
  return Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`, "latin1"), payload]);
}

// -----------------------------------------------------------------------------------------------
// The Worker.

/** @param {{serverKey: string, adminKey: string, sessionA: string, playerA: string, playerB: string, endedSession: string}} c */
export function workerCases(c) {
  const cases = [];
  const json = { "content-type": "application/json" };
  const key = { ...json, authorization: `Bearer ${c.serverKey}` };
  const add = (name, request, status, code) => cases.push({ name, ...request, expect: { status, code } });
  const submit = (body, headers = key, board = "global") => ({
    method: "POST",
    path: `/v1/boards/${board}/scores`,
    headers,
    body,
  });
  const score = (text) => `{"player":"${c.playerA}","score":${text}}`;

  // Bad JSON: not JSON, or not the expected object.
  for (const [name, body] of [
    ["empty body", ""],
    ["only whitespace", " \n\t "],
    ["unclosed object", "{"],
    ["closing brace only", "}"],
    ["unclosed string", '{"player":"p'],
    ["JSON null", "null"],
    ["JSON array", "[]"],
    ["array of the fields", '["p", 1]'],
    ["JSON string", '"score"'],
    ["JSON number", "1500"],
    ["JSON true", "true"],
    ["single quotes", "{'player':'p','score':1}"],
    ["unquoted keys", "{player:\"p\",score:1}"],
    ["trailing comma", '{"player":"p","score":1,}'],
    ["missing comma", '{"player":"p" "score":1}'],
    ["missing colon", '{"player" "p","score":1}'],
    ["trailing garbage", '{"player":"p","score":1} x'],
    ["two objects", '{"player":"p","score":1}{"player":"p","score":2}'],
    ["extra closing brace", '{"player":"p","score":1}}'],
    ["comment", '{"player":"p",/* c */"score":1}'],
    ["byte order mark", "\uFEFF{\"player\":\"p\",\"score\":1}"],
    ["NUL byte", "\u0000"],
    ["empty object", "{}"],
    ["missing score", '{"player":"p"}'],
    ["missing player", '{"score":1}'],
    ["duplicate field", '{"player":"p","player":"q","score":1}'],
    ["duplicate score", '{"player":"p","score":1,"score":2}'],
    ["leading zero", score("01")],
    ["plus sign", score("+1")],
    ["bare fraction", score(".5")],
    ["trailing dot", score("1.")],
    ["hex number", score("0x10")],
    ["dangling exponent", score("1e")],
    ["NaN", score("NaN")],
    ["Infinity", score("Infinity")],
    ["-Infinity", score("-Infinity")],
    ["lowercase nan", score("nan")],
    ["undefined", score("undefined")],
  ]) {
    add(`bad JSON: ${name}`, submit(body), 400, "invalid_json");
  }

  // Wrong types.
  for (const [name, body] of [
    ["player is a number", '{"player":1,"score":1}'],
    ["player is null", '{"player":null,"score":1}'],
    ["player is an array", '{"player":["p"],"score":1}'],
    ["player is an object", '{"player":{"id":"p"},"score":1}'],
    ["player is a boolean", '{"player":true,"score":1}'],
    ["name is a number", `{"player":"${c.playerA}","score":1,"name":5}`],
    ["name is an array", `{"player":"${c.playerA}","score":1,"name":["n"]}`],
  ]) {
    add(`wrong type: ${name}`, submit(body), 400, "invalid_json");
  }
  for (const [name, text] of [
    ["score is a string", '"10"'],
    ["score is an empty string", '""'],
    ["score is true", "true"],
    ["score is null", "null"],
    ["score is an array", "[1]"],
    ["score is an empty array", "[]"],
    ["score is an object", '{"value":1}'],
  ]) {
    add(`wrong type: ${name}`, submit(score(text)), 400, "invalid_score");
  }

  // Numbers: fractions, exponents, negative zero, and magnitudes beyond a double's integers.
  for (const [text, code] of [
    ["1.5", "invalid_score"],
    ["1.0", "invalid_score"],
    ["0.0", "invalid_score"],
    ["1e2", "invalid_score"],
    ["1E2", "invalid_score"],
    ["5e-324", "invalid_score"],
    ["1e-400", "invalid_score"],
    ["-0", "invalid_score"],
    ["-0.0", "invalid_score"],
    ["-1e-400", "invalid_score"],
    ["9007199254740992", "score_out_of_range"],
    ["-9007199254740992", "score_out_of_range"],
    ["9223372036854775807", "score_out_of_range"],
    ["9223372036854775808", "score_out_of_range"],
    ["-9223372036854775808", "score_out_of_range"],
    ["-9223372036854775809", "score_out_of_range"],
    ["18446744073709551616", "score_out_of_range"],
    ["123456789012345678901234567890", "score_out_of_range"],
    ["1e20", "score_out_of_range"],
    ["1e400", "score_out_of_range"],
    ["-1e400", "score_out_of_range"],
    ["1.7976931348623157e308", "score_out_of_range"],
  ]) {
    add(`number: ${text}`, submit(score(text)), 400, code);
  }
  add("number: below the board's minimum", submit(score("-1"), key, "bounded"), 400, "score_out_of_range");
  add("number: above the board's maximum", submit(score("1001"), key, "bounded"), 400, "score_out_of_range");

  // Player ids and names.
  for (const [name, player] of [
    ["empty", ""],
    ["space", "a b"],
    ["65 bytes", "x".repeat(65)],
    ["hash tag braces", "{podium:global}"],
    ["slash", "a/b"],
    ["dot dot slash", "../x"],
    ["accented", "é"],
    ["emoji", "🎮"],
    ["NUL", "a\u0000b"],
    ["newline", "a\nb"],
    ["percent", "%41"],
    ["asterisk", "*"],
    // URL parsers resolve these as dot-segments: no route could name such a player.
    ["dot", "."],
    ["dot dot", ".."],
  ]) {
    add(`player id: ${name}`, submit(JSON.stringify({ player, score: 1 })), 400, "invalid_player");
  }
  for (const [name, text] of [
    ["empty", ""],
    ["blank", "   "],
    ["33 characters", "n".repeat(33)],
    ["bell", "a\u0007b"],
    ["NUL", "a\u0000b"],
    ["CR LF", "a\r\nb"],
    ["escape sequence", "\u001b[31mred"],
    ["right-to-left override", "abc\u202Edef"],
    ["isolate", "\u2066x\u2069"],
    ["DEL", "a\u007fb"],
    ["zero-width space only", "\u200B"],
    ["zero-width characters only", "\u200B\u200C\u200D\u2060\uFEFF"],
    ["Hangul filler only", "\u3164"],
    ["combining mark only", "\u0301"],
    ["line separator", "a\u2028b"],
    ["paragraph separator", "a\u2029b"],
  ]) {
    add(`name: ${name}`, submit(JSON.stringify({ player: c.playerA, score: 1, name: text })), 400, "invalid_name");
  }

  // Unknown fields.
  for (const field of ["extra", "Score", "__proto__", "constructor", "token", ""]) {
    add(`unknown field: ${JSON.stringify(field)}`, submit(`{"player":"${c.playerA}","score":1,${JSON.stringify(field)}:1}`), 400, "unknown_field");
  }

  // Deep nesting: refused by the parser's depth limit within 4 KB, by the size limit beyond.
  // Still JSON, so the body parses; the score is an array, not an integer.
  add("deep nesting: 2,000 arrays as the score", submit(score(nest(2000, "[", "]"))), 400, "invalid_score");
  add("deep nesting: 2,000 arrays as the body", submit(nest(2000, "[", "]")), 400, "invalid_json");
  add("deep nesting: 500 objects as the player", submit(`{"player":${nest(500, '{"a":', "}")},"score":1}`), 400, "invalid_json");
  add("deep nesting: 10,000 arrays", submit(score(nest(10_000, "[", "]"))), 413, "body_too_large");

  // Size.
  add("body of 4,097 bytes", submit(`{"player":"${c.playerA}","score":1,"name":"${"x".repeat(4097)}"}`), 413, "body_too_large");
  add("body of 10 MB", submit("x".repeat(10 * MB)), 413, "body_too_large");
  add("body of 10 MB of JSON whitespace", submit(`${" ".repeat(10 * MB)}{}`), 413, "body_too_large");
  add("session body of 10 MB", { method: "POST", path: "/v1/sessions", headers: key, body: `{"player":"${"p".repeat(10 * MB)}"}` }, 413, "body_too_large");

  // Invalid UTF-8 and broken escapes.
  for (const [name, body] of [
    ["0xFF in the player", bytes('{"player":"', [0xff], '","score":1}')],
    ["truncated sequence in the name", bytes(`{"player":"${c.playerA}","score":1,"name":"`, [0xc3, 0x28], '"}')],
    ["overlong slash", bytes('{"player":"', [0xc0, 0xaf], '","score":1}')],
    ["UTF-16 surrogate bytes", bytes('{"player":"', [0xed, 0xa0, 0x80], '","score":1}')],
    ["UTF-16 body", Buffer.from('\uFEFF{"player":"p","score":1}', "utf16le")],
    ["lone surrogate escape", `{"player":"${c.playerA}","score":1,"name":"\\ud800"}`],
    ["bad escape", `{"player":"${c.playerA}","score":1,"name":"\\x41"}`],
    ["raw control character in a string", `{"player":"${c.playerA}","score":1,"name":"a\u0001b"}`],
  ]) {
    add(`invalid UTF-8: ${name}`, submit(body), 400, "invalid_json");
  }

  // Content types.
  const body = `{"player":"${c.playerA}","score":1}`;
  for (const type of [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/jsonp",
    "application/json-seq",
    "application/xml",
    "json",
    "application/json, text/plain",
  ]) {
    add(`content type: ${JSON.stringify(type)}`, submit(body, { authorization: `Bearer ${c.serverKey}`, "content-type": type }), 415, "unsupported_media_type");
  }

  // Unknown boards.
  for (const board of ["nope", "x".repeat(33), "%7Bpodium%3Aglobal%7D", "GLOBAL", "global%20", "%00"]) {
    add(`unknown board: POST ${board}`, submit(`{"player":"${c.playerA}","score":1}`, key, board), 404, "unknown_board");
  }
  add("unknown board: top", { method: "GET", path: "/v1/boards/nope/top" }, 404, "unknown_board");
  add("unknown board: player", { method: "GET", path: `/v1/boards/nope/players/${c.playerA}` }, 404, "unknown_board");
  add("unknown board: around", { method: "GET", path: `/v1/boards/nope/players/${c.playerA}/around` }, 404, "unknown_board");
  add("unknown board: reset", { method: "DELETE", path: "/v1/boards/nope?period=alltime", headers: key }, 404, "unknown_board");
  add("unknown board: remove player", { method: "DELETE", path: `/v1/boards/nope/players/${c.playerA}`, headers: key }, 404, "unknown_board");

  // Wrong methods on known routes.
  for (const [method, path] of [
    ["PUT", "/v1/boards/global/scores"],
    ["PATCH", "/v1/boards/global/scores"],
    ["DELETE", "/v1/boards/global/scores"],
    ["GET", "/v1/boards/global/scores"],
    ["POST", "/v1/boards/global/top"],
    ["PUT", "/v1/boards/global/top"],
    ["POST", "/v1/boards"],
    ["GET", "/v1/sessions"],
    ["PUT", "/v1/sessions"],
    ["POST", "/v1/sessions/current"],
    ["POST", "/v1/health"],
    ["DELETE", "/v1/openapi.json"],
    ["PATCH", "/v1/boards/global"],
    ["POST", `/v1/boards/global/players/${c.playerA}`],
    ["PUT", `/v1/boards/global/players/${c.playerA}/around`],
  ]) {
    add(`method: ${method} ${path}`, { method, path, headers: key, body: method === "GET" ? undefined : body }, 405, "method_not_allowed");
  }

  // Generated from the operation table: on every documented path, each method it does not
  // serve is 405, and each one it serves refuses an unknown board before anything else.
  for (const [template, item] of Object.entries(OPENAPI.paths)) {
    const on = (board) => template.replace("{board}", board).replace("{player}", c.playerA);
    for (const method of ["GET", "POST", "DELETE", "PUT", "PATCH"]) {
      if (method.toLowerCase() in item) continue;
      add(`table: ${method} ${template}`, { method, path: on("global"), headers: key, body: method === "GET" ? undefined : body }, 405, "method_not_allowed");
    }
    if (!template.includes("{board}")) continue;
    // PUT creates the board it names, so an unknown one is not refused.
    for (const method of Object.keys(item).map((m) => m.toUpperCase()).filter((m) => m !== "PUT")) {
      add(`table: unknown board, ${method} ${template}`, { method, path: on("no-such-board"), headers: key, body: method === "GET" ? undefined : body }, 404, "unknown_board");
    }
  }

  // Paths.
  for (const path of [
    "/",
    "/v1",
    "/v2/boards",
    "/v1/boards/global/top/extra",
    "/v1//boards/global/top",
    "/V1/BOARDS",
    "/v1/böards",
    "/v1/boards/global/top;x",
    `/v1/${"a".repeat(8000)}`,
    "/v1/boards/global/players/p/around/x",
    "/favicon.ico",
    "/.env",
  ]) {
    add(`path: ${path.length > 60 ? `${path.slice(0, 40)}… (${path.length} bytes)` : path}`, { method: "GET", path }, 404, "not_found");
  }
  add("path: encoded slash in a board id", { method: "GET", path: "/v1/boards/global%2Ftop/top" }, 404, "unknown_board");
  add("path: encoded slash instead of a separator", { method: "POST", path: "/v1/boards/global%2Fscores", headers: key, body }, 405, "method_not_allowed");
  add("path: invalid player id (encoded space)", { method: "GET", path: "/v1/boards/global/players/a%20b" }, 400, "invalid_player");
  add("path: encoded braces in a player id", { method: "GET", path: "/v1/boards/global/players/%7Bx%7D" }, 400, "invalid_player");
  add("path: invalid percent-encoding", { method: "GET", path: "/v1/boards/global/players/%zz" }, 400, "invalid_player");
  add("path: encoded invalid UTF-8", { method: "GET", path: "/v1/boards/global/players/%ff%fe" }, 400, "invalid_player");
  add("path: over-long player id", { method: "GET", path: `/v1/boards/global/players/${"p".repeat(65)}` }, 400, "invalid_player");
  add("path: delete with an invalid player id", { method: "DELETE", path: "/v1/boards/global/players/a%2Fb", headers: key }, 400, "invalid_player");

  // Query parameters.
  for (const query of [
    "limit=0",
    "limit=-1",
    "limit=101",
    "limit=1e2",
    "limit=1.5",
    "limit=%00",
    "limit=99999999999999999999",
    "limit=",
    "offset=-1",
    "offset=1.5",
    "offset=1000001",
    "ties=SHARED",
    "ties=",
    // One number grammar, the JSON one of the bodies: no sign, no leading zero.
    "limit=%2B5",
    "limit=+5",
    "limit=05",
    "offset=%2B1",
  ]) {
    add(`query: ${query}`, { method: "GET", path: `/v1/boards/global/top?${query}` }, 400, "invalid_parameter");
  }
  for (const query of ["period=hourly", "period=", "period=ALLTIME", "period=weekly", "period=daily&at=2020-13-45", "period=daily&at=yesterday", "period=daily&at=1999-01-01"]) {
    add(`query: ${query}`, { method: "GET", path: `/v1/boards/global/top?${query}` }, 400, "unknown_period");
  }
  // Page cursors (`after`, `before`): base64url of the API's own tuple, for this board and period.
  const cursor = (fields) => Buffer.from(fields.join("\n")).toString("base64url");
  const member = `fffffffffffffffe:${c.playerA}`;
  for (const [name, text] of [
    ["empty", ""],
    ["not base64url", "a%2Bb%2F"],
    ["padding", "YQ%3D%3D"],
    ["bytes", "%FF%FE"],
    ["plain text", "cursor"],
    ["another version", cursor(["2", "global", "alltime", "all", "5", member])],
    ["a fractional score", cursor(["1", "global", "alltime", "all", "5.5", member])],
    ["a score beyond 2^53", cursor(["1", "global", "alltime", "all", "9007199254740992", member])],
    ["a member without its prefix", cursor(["1", "global", "alltime", "all", "5", c.playerA])],
    ["a field too many", cursor(["1", "global", "alltime", "all", "5", member, "x"])],
    ["too long", "A".repeat(513)],
  ]) {
    for (const side of ["after", "before"]) {
      add(`cursor: ${side} ${name}`, { method: "GET", path: `/v1/boards/global/top?${side}=${text}` }, 400, "invalid_cursor");
    }
  }
  add("cursor: another board's", { method: "GET", path: `/v1/boards/global/top?after=${cursor(["1", "other", "alltime", "all", "5", member])}` }, 400, "cursor_mismatch");
  add("cursor: another period's", { method: "GET", path: `/v1/boards/global/top?before=${cursor(["1", "global", "daily", "2020-01-01", "5", member])}` }, 400, "cursor_mismatch");
  const good = cursor(["1", "global", "alltime", "all", "5", member]);
  add("cursor: after with before", { method: "GET", path: `/v1/boards/global/top?after=${good}&before=${good}` }, 400, "invalid_parameter");
  add("cursor: after with offset", { method: "GET", path: `/v1/boards/global/top?after=${good}&offset=0` }, 400, "invalid_parameter");
  add("cursor: before with offset", { method: "GET", path: `/v1/boards/global/top?offset=10&before=${good}` }, 400, "invalid_parameter");
  add("query: radius=51", { method: "GET", path: `/v1/boards/global/players/${c.playerA}/around?radius=51` }, 400, "invalid_parameter");
  add("query: radius=-1", { method: "GET", path: `/v1/boards/global/players/${c.playerA}/around?radius=-1` }, 400, "invalid_parameter");
  add("query: radius=%2B1", { method: "GET", path: `/v1/boards/global/players/${c.playerA}/around?radius=%2B1` }, 400, "invalid_parameter");

  // Destructive routes name what they destroy; dot-segment player ids arrive as other routes.
  add("destructive: reset without a period", { method: "DELETE", path: "/v1/boards/global", headers: key }, 400, "missing_parameter");
  add("destructive: remove player %2E%2E (arrives as a reset)", { method: "DELETE", path: "/v1/boards/global/players/%2E%2E", headers: key }, 400, "missing_parameter");
  add("destructive: remove player . (arrives as …/players/)", { method: "DELETE", path: "/v1/boards/global/players/.", headers: key }, 400, "missing_parameter");
  add("destructive: remove by ?id= without an id", { method: "DELETE", path: "/v1/boards/global/players", headers: key }, 400, "missing_parameter");
  add("destructive: remove by ?id= with a bad id", { method: "DELETE", path: "/v1/boards/global/players?id=a%20b", headers: key }, 400, "invalid_player");
  add("read by ?id= without an id", { method: "GET", path: "/v1/boards/global/players" }, 400, "missing_parameter");

  // Credentials missing, malformed, in the wrong place, or the wrong ones.
  const validBody = `{"player":"${c.playerA}","score":1}`;
  const writeWith = (headers, query = "") => ({ method: "POST", path: `/v1/boards/global/scores${query}`, headers: { ...json, ...headers }, body: validBody });
  for (const [name, headers, query] of [
    ["no Authorization", {}],
    ["server key in ?token=", {}, `?token=${c.serverKey}`],
    ["server key in ?_token=", {}, `?_token=${c.serverKey}`],
    ["server key in ?key=", {}, `?key=${c.serverKey}`],
    ["server key in ?authorization=", {}, `?authorization=Bearer%20${c.serverKey}`],
    ["server key in X-Api-Key", { "x-api-key": c.serverKey }],
    ["server key in a cookie", { cookie: `token=${c.serverKey}` }],
    ["empty Authorization", { authorization: "" }],
    ["scheme only", { authorization: "Bearer" }],
    ["scheme and a space", { authorization: "Bearer " }],
    ["key without a scheme", { authorization: c.serverKey }],
    ["Basic scheme", { authorization: `Basic ${Buffer.from(`x:${c.serverKey}`).toString("base64")}` }],
    ["Token scheme", { authorization: `Token ${c.serverKey}` }],
    ["lowercase bearer, wrong key", { authorization: "bearer not-the-key" }],
    ["tab instead of a space", { authorization: `Bearer\t${c.serverKey}` }],
    ["key and a second word", { authorization: `Bearer ${c.serverKey} extra` }],
    ["key with a suffix", { authorization: `Bearer ${c.serverKey}x` }],
    ["key without its last character", { authorization: `Bearer ${c.serverKey.slice(0, -1)}` }],
    ["key in upper case", { authorization: `Bearer ${c.serverKey.toUpperCase()}` }],
    ["two Authorization values", { authorization: `Bearer not-the-key, Bearer ${c.serverKey}` }],
    ["64 KB token", { authorization: `Bearer ${"t".repeat(64 * 1024)}` }],
    ["an ended session", { authorization: `Bearer ${c.endedSession}` }],
    ["the gateway's token", { authorization: `Bearer ${c.gatewayToken}` }],
  ]) {
    add(`credentials: ${name}`, writeWith(headers, query), 401, "unauthorized");
  }
  add("credentials: another player's session", submit(`{"player":"${c.playerB}","score":1}`, { ...json, authorization: `Bearer ${c.sessionA}` }), 403, "forbidden");
  add("credentials: a session creating sessions", { method: "POST", path: "/v1/sessions", headers: { ...json, authorization: `Bearer ${c.sessionA}` }, body: `{"player":"${c.playerA}"}` }, 403, "forbidden");
  add("credentials: a session removing a player", { method: "DELETE", path: `/v1/boards/global/players/${c.playerB}`, headers: { authorization: `Bearer ${c.sessionA}` } }, 403, "forbidden");
  add("credentials: a session resetting a board", { method: "DELETE", path: "/v1/boards/global?period=alltime", headers: { authorization: `Bearer ${c.sessionA}` } }, 403, "forbidden");
  add("credentials: anonymous reset", { method: "DELETE", path: "/v1/boards/global?period=alltime" }, 401, "unauthorized");
  add("credentials: a session removing a player by ?id=", { method: "DELETE", path: `/v1/boards/global/players?id=${c.playerB}`, headers: { authorization: `Bearer ${c.sessionA}` } }, 403, "forbidden");
  add("credentials: anonymous removal by ?id=", { method: "DELETE", path: `/v1/boards/global/players?id=${c.playerB}` }, 401, "unauthorized");
  add("credentials: anonymous session", { method: "POST", path: "/v1/sessions", headers: json, body: `{"player":"${c.playerA}"}` }, 401, "unauthorized");
  add("credentials: the server key ending a session", { method: "DELETE", path: "/v1/sessions/current", headers: { authorization: `Bearer ${c.serverKey}` } }, 401, "unauthorized");

  // The admin key (the Worker has PODIUM_ADMIN_KEY): moderation takes it and nothing else; the
  // server key no longer moderates.
  const admin = { authorization: `Bearer ${c.adminKey}` };
  const moderation = [
    ["removing a player", `/v1/boards/global/players/${c.playerB}`],
    ["removing a player by ?id=", `/v1/boards/global/players?id=${c.playerB}`],
    ["resetting a board", "/v1/boards/global?period=alltime"],
  ];
  for (const [what, path] of moderation) {
    add(`credentials: the server key ${what}`, { method: "DELETE", path, headers: { authorization: `Bearer ${c.serverKey}` } }, 403, "admin_key_required");
    add(`credentials: the admin key with a suffix ${what}`, { method: "DELETE", path, headers: { authorization: `Bearer ${c.adminKey}x` } }, 401, "unauthorized");
    add(`credentials: the admin key in ?token= ${what}`, { method: "DELETE", path: `${path}${path.includes("?") ? "&" : "?"}token=${c.adminKey}` }, 401, "unauthorized");
  }
  add("credentials: the admin key writing a score", submit(validBody, { ...json, ...admin }), 403, "forbidden");

  // The board API (PUT /v1/boards/{board}, POST …/retire): every invalid field, then the
  // credentials, preconditions and changes it refuses. `made` is a registry board with a score
  // (policy sum, periods alltime and daily); `fresh` does not exist.
  const adminJson = { ...json, ...admin };
  const putBoard = (board, body, headers = adminJson, query = "") => ({ method: "PUT", path: `/v1/boards/${board}${query}`, headers, body });
  for (const [name, body, code] of [
    ["unknown field", '{"colour":"red"}', "unknown_field"],
    ["unknown rate-limit subject", '{"rate_limits":{"user":{"limit":1,"window_seconds":1}}}', "unknown_field"],
    ["unknown rate-limit field", '{"rate_limits":{"ip":{"limit":1,"window_seconds":1,"burst":2}}}', "unknown_field"],
    ["blank title", '{"title":" "}', "invalid_board"],
    ["title too long", `{"title":"${"x".repeat(65)}"}`, "invalid_board"],
    ["title is a number", '{"title":5}', "invalid_board"],
    ["unknown order", '{"order":"desc"}', "invalid_board"],
    ["unknown policy", '{"policy":"max"}', "invalid_board"],
    ["no periods", '{"periods":[]}', "invalid_board"],
    ["unknown period", '{"periods":["hourly"]}', "invalid_board"],
    ["repeated period", '{"periods":["daily","daily"]}', "invalid_board"],
    ["periods not a list", '{"periods":"daily"}', "invalid_board"],
    ["unknown time zone", '{"timezone":"Mars/Olympus"}', "invalid_board"],
    ["retention too long", '{"retention":1001}', "invalid_board"],
    ["negative retention", '{"retention":-1}', "invalid_board"],
    ["fractional bound", '{"min_score":1.5}', "invalid_board"],
    ["bound beyond 2^53", '{"max_score":9007199254740992}', "invalid_board"],
    ["bound as a string", '{"max_score":"10"}', "invalid_board"],
    ["empty bounds", '{"min_score":5,"max_score":5}', "invalid_board"],
    ["zero limit", '{"rate_limits":{"player":{"limit":0,"window_seconds":10}}}', "invalid_board"],
    ["zero window", '{"rate_limits":{"ip":{"limit":1,"window_seconds":0}}}', "invalid_board"],
    ["unknown algorithm", '{"rate_limits":{"ip":{"limit":1,"window_seconds":1,"algorithm":"fixed"}}}', "invalid_board"],
    ["another id", '{"id":"other"}', "invalid_board"],
    ["id is a number", '{"id":5}', "invalid_board"],
    ["an array", "[]", "invalid_board"],
    ["a number", "5", "invalid_board"],
    ["not JSON", "{", "invalid_json"],
    ["empty body", "", "invalid_json"],
  ]) {
    add(`board API: ${name}`, putBoard("fresh", body), 400, code);
  }
  add("board API: an invalid board id", putBoard("bad%20id", "{}"), 400, "invalid_board");
  add("board API: oversize body", putBoard("fresh", `{"title":"${"x".repeat(5000)}"}`), 413, "body_too_large");
  add("board API: not application/json", putBoard("fresh", "{}", { ...admin, "content-type": "text/plain" }), 415, "unsupported_media_type");
  add("board API: a bad ?reset=", putBoard("fresh", "{}", adminJson, "?reset=maybe"), 400, "invalid_parameter");
  add("board API: If-Match on a board that does not exist", putBoard("fresh", "{}", { ...adminJson, "if-match": '"1"' }), 412, "precondition_failed");
  add("board API: If-Match * on a board that does not exist", putBoard("fresh", "{}", { ...adminJson, "if-match": "*" }), 412, "precondition_failed");
  add("board API: stale If-Match", putBoard("made", '{"policy":"sum","periods":["alltime","daily"],"title":"T"}', { ...adminJson, "if-match": '"999999"' }), 412, "precondition_failed");
  add("board API: unparsable If-Match", putBoard("made", '{"policy":"sum"}', { ...adminJson, "if-match": "v1" }), 412, "precondition_failed");
  for (const [name, body] of [
    ["flipping the order", '{"policy":"sum","order":"lower","periods":["alltime","daily"]}'],
    ["a sum board's policy", '{"policy":"best","periods":["alltime","daily"]}'],
    ["removing a period", '{"policy":"sum","periods":["alltime"]}'],
    ["another time zone", '{"policy":"sum","periods":["alltime","daily"],"timezone":"Asia/Tokyo"}'],
  ]) {
    add(`board API: dangerous change, ${name}`, putBoard("made", body), 409, "unsafe_board_change");
  }
  add("board API: a configured board", putBoard("global", "{}"), 409, "board_from_config");
  add("board API: retiring a configured board", { method: "POST", path: "/v1/boards/global/retire", headers: admin }, 409, "board_from_config");
  add("board API: a bad ?purge=", { method: "POST", path: "/v1/boards/made/retire?purge=yes", headers: admin }, 400, "invalid_parameter");
  add("board API: retire with a stale If-Match", { method: "POST", path: "/v1/boards/made/retire", headers: { ...admin, "if-match": '"999999"' } }, 412, "precondition_failed");
  for (const [who, headers, status, code] of [
    ["the server key", { ...json, authorization: `Bearer ${c.serverKey}` }, 403, "admin_key_required"],
    ["a session", { ...json, authorization: `Bearer ${c.sessionA}` }, 403, "forbidden"],
    ["no key", json, 401, "unauthorized"],
    ["the admin key with a suffix", { ...json, authorization: `Bearer ${c.adminKey}x` }, 401, "unauthorized"],
  ]) {
    add(`board API: ${who} creating a board`, putBoard("fresh", "{}", headers), status, code);
    add(`board API: ${who} retiring a board`, { method: "POST", path: "/v1/boards/made/retire?purge=true", headers }, status, code);
  }
  add("credentials: the admin key creating a session", { method: "POST", path: "/v1/sessions", headers: { ...json, ...admin }, body: `{"player":"${c.playerA}"}` }, 403, "forbidden");
  add("credentials: the admin key ending a session", { method: "DELETE", path: "/v1/sessions/current", headers: admin }, 401, "unauthorized");

  // Session bodies.
  for (const [name, body, code] of [
    ["not JSON", "{", "invalid_json"],
    ["no player", "{}", "invalid_json"],
    ["invalid player", '{"player":"a b"}', "invalid_player"],
    ["invalid name", `{"player":"${c.playerA}","name":"\u202Eevil"}`, "invalid_name"],
    ["unknown field", `{"player":"${c.playerA}","ttl":99999}`, "unknown_field"],
  ]) {
    add(`session body: ${name}`, { method: "POST", path: "/v1/sessions", headers: key, body }, 400, code);
  }

  // What fetch cannot send: sent as raw bytes over a socket.
  // `halfClose`: the client stops sending (ends its side) after these bytes.
  const rawCase = (name, raw, status, code, http = false, halfClose = false) => cases.push({ name, raw, halfClose, expect: { status, code, http } });
  rawCase("raw: CR inside a header value", rawRequest("GET", "/v1/boards", ["X-Junk: a\rb"]), 400, undefined, true);
  rawCase("raw: NUL in a header value", rawRequest("GET", "/v1/boards", ["X-Junk: a\u0000b"]), 400, undefined, true);
  rawCase("raw: header without a colon", rawRequest("GET", "/v1/boards", ["Authorization Bearer x"]), 400, undefined, true);
  // workerd ends a header line at a bare LF: what follows is the client's own second header.
  rawCase("raw: bare LF starts a second header", rawRequest("POST", "/v1/boards/global/scores", ["X-Junk: a\nAuthorization: Bearer not-the-key", "Content-Type: application/json"], validBody), 401, "unauthorized");
  // workerd reads `Authorization :` as Authorization (RFC 9112 would refuse it): nothing gets in
  // that a well-formed header would not let in.
  rawCase("raw: space before the colon", rawRequest("POST", "/v1/boards/global/scores", ["Authorization : Bearer not-the-key", "Content-Type: application/json"], validBody), 401, "unauthorized");
  rawCase("raw: duplicate Authorization, wrong one first", rawRequest("POST", "/v1/boards/global/scores", ["Authorization: Bearer not-the-key", `Authorization: Bearer ${c.serverKey}`, "Content-Type: application/json"], validBody), 401, "unauthorized");
  rawCase("raw: duplicate Authorization, right one first", rawRequest("POST", "/v1/boards/global/scores", [`Authorization: Bearer ${c.serverKey}`, "Authorization: Bearer not-the-key", "Content-Type: application/json"], validBody), 401, "unauthorized");
  rawCase("raw: duplicate Authorization, both right", rawRequest("POST", "/v1/boards/global/scores", [`Authorization: Bearer ${c.serverKey}`, `Authorization: Bearer ${c.serverKey}`, "Content-Type: application/json"], validBody), 401, "unauthorized");
  rawCase("raw: 100 KB of headers, no credentials", rawRequest("POST", "/v1/boards/global/scores", [...Array.from({ length: 100 }, (_, i) => `X-Junk-${i}: ${"j".repeat(1000)}`), "Content-Type: application/json"], validBody), 401, "unauthorized");
  rawCase("raw: 1 MB header", rawRequest("GET", "/v1/boards", [`X-Junk: ${"j".repeat(MB)}`]), 431, undefined, true);
  rawCase("raw: 70 KB board id", rawRequest("GET", `/v1/boards/${"b".repeat(70_000)}/top`), 404, "unknown_board");
  rawCase("raw: unknown method", rawRequest("FOO", "/v1/boards/global/scores", [`Authorization: Bearer ${c.serverKey}`, "Content-Type: application/json"], validBody), 501, undefined, true);
  // The runtime resolves `..`, `%2e%2e` and `\` before the Worker sees the URL.
  rawCase("raw: dot-dot segments", rawRequest("GET", "/v1/boards/global/../nope/top"), 404, "unknown_board");
  rawCase("raw: encoded dot-dot segments", rawRequest("GET", "/v1/boards/global/%2e%2e/nope/top"), 404, "unknown_board");
  rawCase("raw: dot-dot above the root", rawRequest("GET", "/../../../etc/passwd"), 404, "not_found");
  rawCase("raw: backslashes to an unknown board", rawRequest("GET", "/v1\\boards\\nope\\top"), 404, "unknown_board");
  rawCase("raw: write through dot-dot to an unknown board", rawRequest("POST", "/v1/boards/global/../nope/scores", [`Authorization: Bearer ${c.serverKey}`, "Content-Type: application/json"], validBody), 404, "unknown_board");
  // The attack run's data loss: removing player `..` arrived as a reset of the whole board.
  rawCase("raw: remove player .. (arrives as a reset without a period)", rawRequest("DELETE", "/v1/boards/global/players/..", [`Authorization: Bearer ${c.serverKey}`]), 400, "missing_parameter");
  rawCase("raw: remove player %2E%2E", rawRequest("DELETE", "/v1/boards/global/players/%2E%2E", [`Authorization: Bearer ${c.serverKey}`]), 400, "missing_parameter");
  rawCase("raw: remove player .", rawRequest("DELETE", "/v1/boards/global/players/.", [`Authorization: Bearer ${c.serverKey}`]), 400, "missing_parameter");
  rawCase("raw: write through dot-dot to a wrong method", rawRequest("POST", "/v1/boards/global/scores/../top", [`Authorization: Bearer ${c.serverKey}`, "Content-Type: application/json"], validBody), 405, "method_not_allowed");
  rawCase("raw: Content-Length larger than the body", Buffer.concat([rawRequest("POST", "/v1/boards/global/scores", [`Authorization: Bearer ${c.serverKey}`, "Content-Type: application/json", "Content-Length: 100"]).subarray(0, -2), Buffer.from("\r\n{")]), 400, "invalid_json", false, true);
  return cases;
}

// -----------------------------------------------------------------------------------------------
// The gateway.

/** @param {{token: string, readOnlyToken: string, str: string, counter: string, zset: string, hash: string, list: string}} c */
export function gatewayCases(c) {
  const cases = [];
  // Every would-be write carries its own value, so a write slipping through after another one
  // cannot hide behind an equal value.
  let writes = 0;
  const v = () => `changed-${++writes}`;
  const auth = { authorization: `Bearer ${c.token}` };
  const add = (name, request, status, code, http = false) => cases.push({ name, ...request, expect: { status, code, http } });
  const post = (path, body, headers = auth) => ({ method: "POST", path, headers, body });

  // Bad JSON commands.
  for (const [name, body] of [
    ["empty body", ""],
    ["whitespace", "  "],
    ["object", '{"cmd":"SET"}'],
    ["empty array", "[]"],
    ["nested empty array", "[[]]"],
    ["unclosed array", '["SET","k"'],
    ["null argument", `["SET","${c.str}",null]`],
    ["object argument", `["SET","${c.str}",{"a":1}]`],
    ["array argument", `["SET","${c.str}",["v"]]`],
    ["string body", '"SET"'],
    ["number body", "123"],
    ["null body", "null"],
    ["null command", "[null]"],
    ["trailing comma", '["PING",]'],
    ["single quotes", "['PING']"],
    ["comment", '["PING" /* c */]'],
    ["byte order mark", '\uFEFF["PING"]'],
    ["two arrays", '["PING"]["PING"]'],
    ["lone surrogate escape", `["SET","${c.str}","\\ud800"]`],
    ["bad escape", `["SET","${c.str}","\\x41"]`],
    ["10,000 nested arrays", nest(10_000, "[", "]", '"PING"')],
    ["1,000 nested arrays as an argument", `["SET","${c.str}",${nest(1000, "[", "]", '"v"')}]`],
  ]) {
    add(`bad JSON: ${name}`, post("/", body), 400, "ERR");
  }
  for (const [name, body] of [
    ["0xFF in a string", bytes(`["SET","${c.str}","`, [0xff], '"]')],
    ["truncated UTF-8 sequence", bytes(`["SET","${c.str}","`, [0xc3], '"]')],
    ["overlong encoding", bytes(`["SET","`, [0xc0, 0xaf], '","v"]')],
    ["UTF-16 body", Buffer.from(`["SET","${c.str}","v"]`, "utf16le")],
  ]) {
    add(`invalid UTF-8: ${name}`, post("/", body), 400, "ERR");
  }

  // Commands Redis refuses: nothing is written.
  for (const [name, command] of [
    ["empty command name", [""]],
    ["unknown command", ["NOSUCHCOMMAND", c.str]],
    ["true as a command", "[true]"],
    ["number as a command", "[1.5]"],
    ["SET without a value", ["SET", c.str]],
    ["SET with an unknown option", ["SET", c.str, "v", "FOREVER"]],
    ["SET with a negative EX", ["SET", c.str, "v", "EX", "-1"]],
    ["SET with EX 1e400", ["SET", c.str, "v", "EX", "1e400"]],
    ["INCRBY 1e400", ["INCRBY", c.counter, "1e400"]],
    ["INCRBY NaN", ["INCRBY", c.counter, "NaN"]],
    ["INCRBY past 2^63", ["INCRBY", c.counter, "9223372036854775807"]],
    ["INCRBY with a float", ["INCRBY", c.counter, "1.5"]],
    ["INCRBYFLOAT inf", ["INCRBYFLOAT", c.counter, "inf"]],
    ["ZADD NaN", ["ZADD", c.zset, "nan", "m"]],
    ["ZADD with a word", ["ZADD", c.zset, "ten", "m"]],
    ["ZADD with GT and NX", ["ZADD", c.zset, "GT", "NX", "1", "m"]],
    ["ZINCRBY NaN", ["ZINCRBY", c.zset, "nan", "m"]],
    ["EXPIRE past the range", ["EXPIRE", c.str, "9223372036854775807"]],
    ["SETRANGE at a negative offset", ["SETRANGE", c.str, "-1", "x"]],
    ["SETRANGE past 512 MB", ["SETRANGE", c.str, "536870912", "x"]],
    ["LPUSH onto a string", ["LPUSH", c.str, "x"]],
    ["HSET onto a sorted set", ["HSET", c.zset, "f", "v"]],
    ["HSET with an odd field count", ["HSET", c.hash, "f"]],
    ["EVAL with a syntax error", ["EVAL", "return redis.call(", "0"]],
    ["EVAL with numkeys past the arguments", ["EVAL", "return 1", "5", "a"]],
    ["EVAL with negative numkeys", ["EVAL", "return 1", "-1"]],
    ["EVALSHA of an unknown script", ["EVALSHA", "0".repeat(40), "0"]],
  ]) {
    add(`refused by Redis: ${name}`, post("/", typeof command === "string" ? command : JSON.stringify(command)), 400, name.startsWith("LPUSH") || name.startsWith("HSET onto") ? "WRONGTYPE" : name.startsWith("EVALSHA") ? "NOSCRIPT" : "ERR");
  }

  // Redis answers with a status or error line that is not UTF-8 (quoting the client's bytes, or a
  // script's own): redis-rs cannot read it; the gateway answers 400, not 503.
  const notUtf8 = "ERR Redis answered with a status or error that is not UTF-8 text";
  add("reply not UTF-8: an unknown command quoting its argument", { method: "GET", path: "/nosuchcommand/%ff", headers: auth }, 400, notUtf8);
  add("reply not UTF-8: unknown subcommand", { method: "GET", path: `/object/%ff/${c.str}`, headers: auth }, 400, notUtf8);
  add("reply not UTF-8: a script's error", post("/", JSON.stringify(["EVAL", "return redis.error_reply(string.char(255))", "0"])), 400, notUtf8);
  add("reply not UTF-8: a script's status", post("/", JSON.stringify(["EVAL", "return {ok = string.char(255)}", "0"])), 400, notUtf8);
  add("reply not UTF-8: a read-only script's error", post("/", JSON.stringify(["EVAL_RO", "return redis.error_reply(string.char(255))", "0"])), 400, notUtf8);

  // Scripts with the full token run with the rights of the gateway's Redis user, whose ACL
  // rules (`podium-gateway --print-acl-rules`) deny what the gateway refuses as a command: the
  // script fails with the server's own ERR text and nothing changes.
  for (const [name, script] of [
    ["FLUSHDB", "return redis.call('FLUSHDB')"],
    ["FLUSHALL", "return redis.call('FLUSHALL')"],
    ["SWAPDB", "return redis.call('SWAPDB', 0, 1)"],
    ["KEYS", "return redis.call('KEYS', '*')"],
    ["SELECT, then a write", `redis.call('SELECT', 1) return redis.call('SET', '${c.str}', 'x')`],
  ]) {
    add(`script: ${name} inside EVAL`, post("/", JSON.stringify(["EVAL", script, "0"])), 400, "ERR");
  }

  // Commands the gateway refuses before Redis sees them.
  for (const command of [
    ["FLUSHALL"],
    ["flushall", "ASYNC"],
    ["FlushDB"],
    ["CONFIG", "SET", "maxmemory", "1"],
    ["DEBUG", "SLEEP", "0"],
    ["SHUTDOWN", "NOSAVE"],
    ["MODULE", "LIST"],
    ["ACL", "SETUSER", "evil", "on"],
    ["CLIENT", "KILL", "TYPE", "normal"],
    ["CLIENT", "PAUSE", "10000"],
    ["REPLICAOF", "127.0.0.1", "1"],
    ["SLAVEOF", "NO", "ONE"],
    ["FAILOVER"],
    ["MONITOR"],
    ["SAVE"],
    ["BGSAVE"],
    ["BGREWRITEAOF"],
    ["KEYS", "*"],
    ["SWAPDB", "0", "1"],
    ["MIGRATE", "127.0.0.1", "1", c.str, "0", "10"],
    ["SCRIPT", "FLUSH"],
    ["FUNCTION", "FLUSH"],
    ["SELECT", "1"],
    ["AUTH", "x"],
    ["HELLO", "3"],
    ["MULTI"],
    ["EXEC"],
    ["WATCH", c.str],
    ["SUBSCRIBE", "c"],
    ["PSUBSCRIBE", "*"],
    ["BLPOP", c.list, "0"],
    ["BZPOPMIN", c.zset, "0"],
    ["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
    ["WAIT", "1", "0"],
    ["CLUSTER", "INFO"],
    ["SYNC"],
  ]) {
    add(`refused command: ${command.join(" ")}`, post("/", JSON.stringify(command)), 400, "ERR Command is not available");
  }
  for (const path of ["/flushall", "/FLUSHDB", "/config/set/maxmemory/1", "/keys/*", "/client/kill/type/normal", "/shutdown"]) {
    add(`refused command, path form: ${path}`, { method: "GET", path, headers: auth }, 400, "ERR Command is not available");
  }

  // Pipelines and transactions.
  for (const [name, body] of [
    ["object", "{}"],
    ["empty", "[]"],
    ["empty command", "[[]]"],
    ["flat command", `["SET","${c.str}","v"]`],
    ["a valid and an empty command", `[["SET","${c.str}",v()],[]]`],
    ["a valid and a malformed command", `[["SET","${c.str}",v()],["SET",null]]`],
    ["1,001 commands", JSON.stringify(Array.from({ length: 1001 }, () => ["SET", c.str, v()]))],
  ]) {
    add(`pipeline: ${name}`, post("/pipeline", body), 400, "ERR");
    add(`transaction: ${name}`, post("/multi-exec", body), 400, "ERR");
  }
  add("transaction: a write then FLUSHALL", post("/multi-exec", JSON.stringify([["SET", c.str, v()], ["FLUSHALL"]])), 400, "ERR Command is not available");
  add("transaction: a write then a blocking command", post("/multi-exec", JSON.stringify([["SET", c.str, v()], ["BLPOP", c.list, "0"]])), 400, "ERR Command is not available");
  add("transaction: a write then a command with too few arguments", post("/multi-exec", JSON.stringify([["SET", c.str, v()], ["INCR"]])), 400, "EXECABORT");
  add("transaction: resp2 format", post("/multi-exec", JSON.stringify([["SET", c.str, v()]]), { ...auth, "upstash-response-format": "resp2" }), 400, "ERR");

  // Credentials.
  for (const [name, headers, path] of [
    ["no token", {}, "/"],
    ["wrong token", { authorization: "Bearer wrong" }, "/"],
    ["empty bearer", { authorization: "Bearer " }, "/"],
    ["scheme only", { authorization: "Bearer" }, "/"],
    ["lowercase bearer, wrong token", { authorization: "bearer wrong" }, "/"],
    ["Basic scheme with the token", { authorization: `Basic ${Buffer.from(`default:${c.token}`).toString("base64")}` }, "/"],
    ["token without a scheme", { authorization: c.token }, "/"],
    ["token with a suffix", { authorization: `Bearer ${c.token}x` }, "/"],
    ["read-only and full token concatenated", { authorization: `Bearer ${c.readOnlyToken}${c.token}` }, "/"],
    ["two Authorization values", { authorization: `Bearer wrong, Bearer ${c.token}` }, "/"],
    ["tab instead of a space", { authorization: `Bearer\t${c.token}` }, "/"],
    ["64 KB token", { authorization: `Bearer ${"t".repeat(64 * 1024)}` }, "/"],
    ["wrong _token", {}, "/?_token=wrong"],
    ["empty _token", {}, "/?_token="],
    ["_TOKEN in upper case", {}, `/?_TOKEN=${c.token}`],
    ["token= instead of _token=", {}, `/?token=${c.token}`],
    ["percent-encoded _token name", {}, `/?%5Ftoken=${c.token}`],
    ["wrong _token first", {}, `/?_token=wrong&_token=${c.token}`],
    ["token as a path segment", {}, `/_token/${c.token}`],
    ["token in X-Upstash-Token", { "x-upstash-token": c.token }, "/"],
    ["wrong token on /pipeline", { authorization: "Bearer wrong" }, "/pipeline"],
    ["wrong token on /multi-exec", { authorization: "Bearer wrong" }, "/multi-exec"],
  ]) {
    const body = path.startsWith("/pipeline") || path.startsWith("/multi-exec") ? JSON.stringify([["SET", c.str, v()]]) : JSON.stringify(["SET", c.str, v()]);
    add(`credentials: ${name}`, post(path, body, headers), 401, "WRONGPASS");
  }
  const ro = { authorization: `Bearer ${c.readOnlyToken}` };
  for (const command of [["SET", c.str, v()], ["DEL", c.str], ["INCR", c.counter], ["ZADD", c.zset, "1", "m"], ["EXPIRE", c.str, "1"], ["EVAL", "return redis.call('SET', KEYS[1], 'x')", "1", c.str], ["FCALL", "f", "0"], ["PUBLISH", "c", "m"]]) {
    add(`read-only token: ${command[0]}`, post("/", JSON.stringify(command), ro), 400, "NOPERM");
  }
  add("read-only token: transaction with a write", post("/multi-exec", JSON.stringify([["GET", c.str], ["SET", c.str, v()]]), ro), 400, "NOPERM");
  add("read-only token: write in the path form", { method: "GET", path: `/set/${c.str}/${v()}`, headers: ro }, 400, "NOPERM");
  add("read-only token: write through ?_token=", { method: "GET", path: `/set/${c.str}/${v()}?_token=${c.readOnlyToken}` }, 400, "NOPERM");
  add("read-only token: KEYS", post("/", '["KEYS","*"]', ro), 400, "ERR");
  add("read-only token: SCAN", post("/", '["SCAN","0"]', ro), 400, "NOPERM");
  // No script at all for the read-only token: a read-only script could still scan the keyspace
  // or loop forever.
  for (const command of [
    ["EVAL_RO", "return redis.call('KEYS', '*')", "0"],
    ["EVAL_RO", "return redis.call('SCAN', '0')", "0"],
    ["EVAL_RO", "while true do end", "0"],
    ["EVALSHA_RO", "0".repeat(40), "0"],
    ["FCALL_RO", "f", "0"],
  ]) {
    add(`read-only token: ${command[0]} ${command[1].slice(0, 30)}`, post("/", JSON.stringify(command), ro), 400, "NOPERM");
  }
  add("read-only token: EVAL_RO in a transaction", post("/multi-exec", JSON.stringify([["EVAL_RO", "return redis.call('KEYS', '*')", "0"]]), ro), 400, "NOPERM");

  // HEAD is safe: a request that may write is refused before it reaches Redis. Sent raw, since
  // fetch sends no body with HEAD; a HEAD answer has no body, so only the status is checked.
  for (const [name, request] of [
    ["a write in the path form", { path: `/set/${c.str}/${v()}` }],
    ["INCR in the path form", { path: `/incr/${c.counter}` }],
    ["path + query", { path: `/set/${c.str}?EX=100`, body: v() }],
    ["a write in the body form", { path: "/", body: JSON.stringify(["SET", c.str, v()]) }],
    ["a script", { path: "/", body: JSON.stringify(["EVAL", `return redis.call('SET', '${c.str}', 'x')`, "0"]) }],
    ["a pipeline with a write", { path: "/pipeline", body: JSON.stringify([["GET", c.str], ["SET", c.str, v()]]) }],
    ["a transaction with a write", { path: "/multi-exec", body: JSON.stringify([["SET", c.str, v()]]) }],
  ]) {
    const head = rawRequest("HEAD", request.path, [`Authorization: Bearer ${c.token}`], request.body ?? "");
    cases.push({ name: `method: HEAD with ${name}`, method: "HEAD", raw: head, expect: { status: 405, code: "ERR method not allowed" } });
  }

  // Methods.
  for (const [method, path] of [["DELETE", "/"], ["PATCH", "/"], ["DELETE", "/pipeline"], ["PATCH", "/multi-exec"], ["DELETE", `/del/${c.str}`], ["FOO", "/"]]) {
    add(`method: ${method} ${path}`, { method, path, headers: auth, body: JSON.stringify(["SET", c.str, v()]) }, 405, "ERR method not allowed");
  }

  // Size and format headers.
  add("body over 10 MB", post("/", JSON.stringify(["SET", c.str, "x".repeat(10 * MB)])), 400, "ERR max request size exceeded");
  add("pipeline over 10 MB", post("/pipeline", JSON.stringify([["SET", c.str, "x".repeat(10 * MB)]])), 400, "ERR max request size exceeded");
  add("path + body over 10 MB", post(`/set/${c.str}`, "x".repeat(10 * MB + 1)), 400, "ERR max request size exceeded");
  add("key over 32 KB", post("/", JSON.stringify(["SET", `${c.str}:${"k".repeat(32 * 1024)}`, "v"])), 400, "ERR key too long");
  add("unknown response format", post("/", JSON.stringify(["SET", c.str, v()]), { ...auth, "upstash-response-format": "xml" }), 400, "ERR");
  add("resp2 with base64", post("/", JSON.stringify(["SET", c.str, v()]), { ...auth, "upstash-response-format": "resp2", "upstash-encoding": "base64" }), 400, "ERR");

  // Path tricks, sent raw (fetch would resolve `..` itself): the gateway takes the path as it
  // comes, so extra segments become extra arguments, which Redis refuses.
  const rawGet = (path) => rawRequest("GET", path, [`Authorization: Bearer ${c.token}`]);
  for (const [name, path, code] of [
    ["dot-dot", `/get/../set/${c.str}/${v()}`, "ERR wrong number of arguments"],
    ["double slash", `//set/${c.str}/${v()}`, "ERR unknown command"],
    ["encoded dot-dot as the command", `/%2e%2e/set/${c.str}/${v()}`, "ERR unknown command"],
    ["encoded slashes", `/set%2F${c.str}%2F${v()}`, "ERR unknown command"],
    ["unicode command", `/s%C3%A9t/${c.str}/${v()}`, "ERR unknown command"],
    ["invalid UTF-8 command", `/%ff/${c.str}`, "ERR unknown command"],
    ["dot-dot after a write", `/set/${c.str}/${v()}/../../flushall`, "ERR syntax error"],
    ["health route prefix", "/_health/../flushall", "ERR unknown command"],
    ["metrics route prefix", `/_metrics/../set/${c.str}/${v()}`, "ERR unknown command"],
    ["very long command name", `/${"a".repeat(60_000)}`, "ERR unknown command"],
  ]) {
    cases.push({ name: `path: ${name}`, raw: rawGet(path), expect: { status: 400, code } });
  }

  // What fetch cannot send.
  // `halfClose`: the client stops sending (ends its side) after these bytes.
  const rawCase = (name, raw, status, code, http = false, halfClose = false) => cases.push({ name, raw, halfClose, expect: { status, code, http } });
  const setBody = JSON.stringify(["SET", c.str, v()]);
  const json = "Content-Type: application/json";
  rawCase("raw: CR inside a header value", rawRequest("POST", "/", [`Authorization: Bearer ${c.token}`, "X-Junk: a\rb", json], setBody), 400, undefined, true);
  // hyper ends a header line at a bare LF: the second Authorization is the client's own, and two
  // of them are refused.
  rawCase("raw: bare LF starts a second Authorization", rawRequest("POST", "/", [`Authorization: Bearer ${c.token}`, "X-Junk: a\nAuthorization: Bearer wrong", json], setBody), 401, "WRONGPASS");
  rawCase("raw: NUL in a header value", rawRequest("POST", "/", [`Authorization: Bearer ${c.token}\u0000`, json], setBody), 400, undefined, true);
  rawCase("raw: space before the colon", rawRequest("POST", "/", [`Authorization : Bearer ${c.token}`, json], setBody), 400, undefined, true);
  rawCase("raw: header without a colon", rawRequest("POST", "/", [`Authorization Bearer ${c.token}`, json], setBody), 400, undefined, true);
  rawCase("raw: duplicate Authorization, wrong one first", rawRequest("POST", "/", ["Authorization: Bearer wrong", `Authorization: Bearer ${c.token}`, json], setBody), 401, "WRONGPASS");
  rawCase("raw: duplicate Authorization, right one first", rawRequest("POST", "/", [`Authorization: Bearer ${c.token}`, "Authorization: Bearer wrong", json], setBody), 401, "WRONGPASS");
  rawCase("raw: duplicate Authorization, both right", rawRequest("POST", "/", [`Authorization: Bearer ${c.token}`, `Authorization: Bearer ${c.token}`, json], setBody), 401, "WRONGPASS");
  rawCase("raw: 100 KB of headers", rawRequest("POST", "/", [`Authorization: Bearer ${c.token}`, ...Array.from({ length: 100 }, (_, i) => `X-Junk-${i}: ${"j".repeat(1000)}`), json], setBody), 431, undefined, true);
  rawCase("raw: 1 MB header", rawRequest("POST", "/", [`Authorization: Bearer ${c.token}`, `X-Junk: ${"j".repeat(MB)}`, json], setBody), 431, undefined, true);
  rawCase("raw: 70 KB request target", rawRequest("GET", `/get/${"k".repeat(70_000)}`, [`Authorization: Bearer ${c.token}`]), 414, undefined, true);
  rawCase("raw: Content-Length larger than the body", Buffer.concat([rawRequest("POST", "/", [`Authorization: Bearer ${c.token}`, json, "Content-Length: 100"]).subarray(0, -2), Buffer.from(`\r\n${setBody}`)]), 400, "ERR the request body could not be read", false, true);
  rawCase("raw: two Content-Length headers", rawRequest("POST", "/", [`Authorization: Bearer ${c.token}`, json, "Content-Length: 3", `Content-Length: ${setBody.length}`], setBody), 400, undefined, true);
  return cases;
}
