// The local demo page for `npm start`: web/pkg under /pkg/ and a page embedding the widget, sent
// with the strict Content-Security-Policy the widget is built to work under.
import { createServer } from "node:http";
import { existsSync, readFileSync, statSync, readdirSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./stack.mjs";

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; connect-src *";
const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".ts": "text/plain" };

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

function page(workerUrl) {
  const snippet = `<script type="module" src="/pkg/podium-widget.js"></script>
<podium-leaderboard endpoint="${workerUrl}" board="global" limit="10"></podium-leaderboard>`;
  const escaped = snippet.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Podium demo</title><script type="module" src="/pkg/podium-widget.js"></script>
<style>body{font-family:system-ui,sans-serif;max-width:720px;margin:2em auto;padding:0 1em}pre{background:#f4f4f4;padding:1em;overflow:auto}</style>
</head><body>
<h1>Podium</h1>
<p>A live board from the local Worker (${workerUrl}). Submit a score and watch it move:</p>
<pre>curl -X POST ${workerUrl}/v1/boards/global/scores \\
  -H "Authorization: Bearer $PODIUM_SERVER_KEY" -H "Content-Type: application/json" \\
  -d '{"player":"alice","score":1500,"name":"Alice"}'</pre>
<podium-leaderboard endpoint="${workerUrl}" board="global" limit="10" title="Global"></podium-leaderboard>
<h2>Embed it</h2><pre>${escaped}</pre>
</body></html>`;
}

/**
 * Serves web/pkg under /pkg/ and `html()` at / (with the widget's strict CSP) on 127.0.0.1:port
 * (0: a free port); resolves to the http.Server once listening. Used by `npm start` and the
 * widget's page test.
 */
export function startWidgetPage({ port = 0, html }) {
  const pkg = path.join(repoRoot(), "web", "pkg");
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://demo");
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-security-policy": CSP });
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

/** The `npm start` demo page against the Worker at `workerUrl`. */
export function startDemoServer({ port, workerUrl }) {
  return startWidgetPage({ port, html: () => page(workerUrl) });
}
