// Profiles the built Rust Worker's isolate with the V8 CPU profiler (over workerd's inspector)
// while it serves a stream of requests, and prints the functions with the most self time.
// Usage: node bench/worker/profile.mjs [read|write] [requests]
import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { startGateway, startRedisServer, freePort } from "../../scripts/lib/stack.mjs";
import { startWorker } from "../../tests/worker/harness.mjs";

const mode = process.argv[2] ?? "read";
const total = Number(process.argv[3] ?? 4000);
const serverKey = `server_${randomBytes(8).toString("hex")}`;
const server = await startRedisServer({ kind: "valkey" });
const gateway = await startGateway({ redisUrl: server.url, release: true });
const inspectorPort = await freePort();
const boards = [{ id: "bench", title: "Bench", order: "higher", policy: "best", periods: ["alltime"] }];
const mf = await startWorker(
  {
    UPSTASH_REDIS_REST_URL: gateway.url,
    UPSTASH_REDIS_REST_TOKEN: gateway.token,
    PODIUM_SERVER_KEY: serverKey,
    PODIUM_BOARDS: JSON.stringify(boards),
  },
  { host: "127.0.0.1", port: 0, inspectorPort },
);
const base = (await mf.ready).toString().replace(/\/$/, "");
const list = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
const ws = new WebSocket(list[0].webSocketDebuggerUrl);
await new Promise((r, j) => { ws.once("open", r); ws.once("error", j); });
let id = 0;
const pending = new Map();
ws.on("message", (m) => {
  const msg = JSON.parse(m);
  if (msg.id && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); }
});
const cdp = (method, params = {}) => new Promise((r) => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ id: i, method, params })); });

const one = async (i) => {
  if (mode === "write") {
    const res = await fetch(`${base}/v1/boards/bench/scores`, {
      method: "POST",
      headers: { authorization: `Bearer ${serverKey}`, "content-type": "application/json" },
      body: JSON.stringify({ player: `p${i % 1000}`, score: i }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  } else {
    const res = await fetch(`${base}/v1/boards/bench/top?limit=10`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  }
};
const drive = async (n) => {
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => { while (next < n) await one(next++); }));
};
await drive(500); // warm-up, fills the cache
await cdp("Profiler.enable");
await cdp("Profiler.setSamplingInterval", { interval: 50 });
await cdp("Profiler.start");
const t0 = performance.now();
await drive(total);
const ms = performance.now() - t0;
const { result } = await cdp("Profiler.stop");
const { nodes, samples, timeDeltas } = result.profile;
const byId = new Map(nodes.map((n) => [n.id, n]));
const self = new Map();
samples.forEach((s, i) => {
  const n = byId.get(s);
  const key = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + (timeDeltas[i] ?? 0));
});
const all = [...self.values()].reduce((a, b) => a + b, 0);
const idle = [...self.entries()].filter(([k]) => k.startsWith("(idle)")).reduce((a, [, v]) => a + v, 0);
console.log(`${mode}: ${total} requests in ${ms.toFixed(0)} ms; isolate busy ${((all - idle) / 1000).toFixed(0)} ms = ${((all - idle) / 1000 / total).toFixed(3)} ms/req`);
for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
  console.log(`${(v / 1000).toFixed(1).padStart(8)} ms ${((100 * v) / all).toFixed(1).padStart(5)}%  ${k}`);
}
ws.close();
await mf.dispose();
await gateway.stop();
await server.stop();
