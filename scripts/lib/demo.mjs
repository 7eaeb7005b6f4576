// The local demo for `npm start`: web/pkg under /pkg/, the demo page (demo/: a clicker and a
// reaction test that write real scores, the widget beside them) and the demo's "game server"
// routes, all sent with the strict Content-Security-Policy the widget is built to work under.
import { createServer } from "node:http";
import { existsSync, readFileSync, statSync, readdirSync } from "node:fs";
import path from "node:path";
import { createBots } from "./bots.mjs";
import { repoRoot } from "./stack.mjs";

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; connect-src *";
const TYPES = {
  ".js": "text/javascript",
  ".css": "text/css",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".ts": "text/plain",
};
/** Largest body the demo's own routes read: a session request is far smaller. */
const MAX_BODY_BYTES = 4 * 1024;

/** True when web/pkg is missing or older than the widget's sources. */
export function widgetIsStale() {
  const web = path.join(repoRoot(), "web");
  const built = path.join(web, "pkg", "podium-widget.js");
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  const newest = (dir) =>
    readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
      const full = path.join(dir, entry.name);
      return Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
    }, 0);
  const sources = Math.max(newest(path.join(web, "src")), newest(path.join(web, "js")), statSync(path.join(web, "Cargo.toml")).mtimeMs);
  return sources > builtAt;
}

/**
 * Serves web/pkg under /pkg/ and `html()` at / (with the widget's strict CSP, or `csp`) on
 * 127.0.0.1:port (0: a free port); resolves to the http.Server once listening. `routes(req, res,
 * url)` may answer other paths first (returning true when it did). Used by `npm start` and the
 * widget's page test.
 */
export function startWidgetPage({ port = 0, html, csp = CSP, routes }) {
  const pkg = path.join(repoRoot(), "web", "pkg");
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://demo");
    if (routes?.(req, res, url)) return;
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-security-policy": csp });
      res.end(html());
      return;
    }
    const file = path.join(pkg, path.normalize(url.pathname.replace(/^\/pkg\//, "")));
    if (!url.pathname.startsWith("/pkg/") || !file.startsWith(pkg + path.sep) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/** `text` safe inside HTML text and double-quoted attributes. */
export function escapeHtml(text) {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function sendJson(res, status, body) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function sendError(res, status, code, message) {
  sendJson(res, status, { error: { code, message } });
}

/** The request's JSON body, or undefined after answering an error. */
async function readJson(req, res) {
  if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) {
    sendError(res, 415, "unsupported_media_type", "send the body as application/json");
    return undefined;
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      sendError(res, 413, "body_too_large", `the body must be at most ${MAX_BODY_BYTES} bytes`);
      return undefined;
    }
    chunks.push(chunk);
  }
  try {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
    if (body && typeof body === "object" && !Array.isArray(body)) return body;
  } catch {
    // answered below
  }
  sendError(res, 400, "invalid_body", "the body must be a JSON object");
  return undefined;
}

/**
 * Only this page may use the game-server routes. A JSON body already forces a CORS preflight on
 * other origins (which this server never grants), and browsers send Origin and Sec-Fetch-Site
 * on POSTs: refuse anything that is not same-origin.
 */
function sameOrigin(req) {
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin") return false;
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://${req.headers.host}`;
}

/**
 * The demo's game server. A real one authenticates its player first; this one gives a session
 * to whoever asks for a player id, which is all a demo needs. The page never sees the server key:
 * it gets `{token, player, expires_in}` from POST /demo/session and writes scores with the token.
 */
async function createSession(req, res, { workerUrl, serverKey }) {
  const body = await readJson(req, res);
  if (!body) return;
  let upstream;
  try {
    upstream = await fetch(`${workerUrl}/v1/sessions`, {
      method: "POST",
      headers: { authorization: `Bearer ${serverKey}`, "content-type": "application/json" },
      body: JSON.stringify({ player: body.player, name: body.name }),
      signal: AbortSignal.timeout(5_000),
    });
  } catch (err) {
    sendError(res, 502, "upstream_unavailable", `the Worker is unreachable (${err.cause?.code ?? err.message})`);
    return;
  }
  const answer = await upstream.json().catch(() => ({}));
  if (!upstream.ok) {
    // The Worker's own error (invalid_player, invalid_name …): safe to show, it names no secret.
    sendJson(res, upstream.status, answer);
    return;
  }
  sendJson(res, 201, { token: answer.token, player: answer.player, expires_in: answer.expires_in });
}

async function switchBots(req, res, bots) {
  const body = await readJson(req, res);
  if (!body) return;
  if (typeof body.on !== "boolean") {
    sendError(res, 400, "invalid_body", 'send {"on": true} or {"on": false}');
    return;
  }
  if (body.on) bots.start();
  else bots.stop();
  sendJson(res, 200, bots.state());
}

const DEMO_ASSETS = new Set(["/demo/demo.js", "/demo/demo.css"]);

/**
 * The `npm start` demo against the Worker at `workerUrl`, on 127.0.0.1:port. The page may talk to
 * itself and to the Worker only (connect-src). Resolves to {server, bots, close()} once
 * listening; close() stops the bots and the server, dropping idle keep-alive connections.
 */
export async function startDemoServer({ port, workerUrl, serverKey, log = console.error }) {
  const demoDir = path.join(repoRoot(), "demo");
  const template = readFileSync(path.join(demoDir, "index.html"), "utf8");
  const html = template.replaceAll("%WORKER_URL%", escapeHtml(workerUrl));
  const bots = createBots({ workerUrl, serverKey, log });
  const csp =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
    `connect-src 'self' ${workerUrl}; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

  const routes = (req, res, url) => {
    const route = `${req.method} ${url.pathname}`;
    if (req.method === "GET" && DEMO_ASSETS.has(url.pathname)) {
      const file = path.join(demoDir, path.basename(url.pathname));
      res.writeHead(200, { "content-type": TYPES[path.extname(file)], "cache-control": "no-cache" });
      res.end(readFileSync(file));
      return true;
    }
    if (!url.pathname.startsWith("/demo/")) return false;
    if (req.method === "POST" && !sameOrigin(req)) {
      sendError(res, 403, "forbidden", "only the demo page may call the game server");
      return true;
    }
    const fail = (err) => {
      if (!res.headersSent) sendError(res, 500, "internal", err.message);
      else res.destroy();
    };
    if (route === "POST /demo/session") {
      createSession(req, res, { workerUrl, serverKey }).catch(fail);
    } else if (route === "GET /demo/bots") {
      sendJson(res, 200, bots.state());
    } else if (route === "POST /demo/bots") {
      switchBots(req, res, bots).catch(fail);
    } else {
      sendError(res, 404, "not_found", `no route ${route}`);
    }
    return true;
  };

  const server = await startWidgetPage({ port, html: () => html, csp, routes });
  return {
    server,
    bots,
    close() {
      bots.stop();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
