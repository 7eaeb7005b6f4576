// Pub/sub fan-out: messages per second delivered by the gateway to many SSE subscribers, and the
// gateway's CPU time per delivered message (utime + stime of the process, from /proc).
//
//   npm run bench:pubsub                        1,000 subscribers, 2,000 messages, release build
//   SUBSCRIBERS=5000 MESSAGES=1000 npm run bench:pubsub
//   PODIUM_GATEWAY_THREADS=1 npm run bench:pubsub   one serving thread (default: one per core)
//
// Messages are published straight to Valkey (pipelined PUBLISH), so the gateway's CPU is that of
// the fan-out alone. The publisher stays at most WINDOW messages ahead of the slowest subscriber:
// the subscribers run on the same machine, and this measures the gateway, not how far node falls
// behind (a subscriber more than SUBSCRIBER_BUFFER messages behind would be dropped).

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";

import { encodeCommand, startGateway, startRedisServer } from "../../scripts/lib/stack.mjs";

const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1000);
const MESSAGES = Number(process.env.MESSAGES ?? 2000);
const BATCH = 50;
const WINDOW = 200;
const PAYLOAD = process.env.PAYLOAD_BYTES ? "x".repeat(Number(process.env.PAYLOAD_BYTES)) : "";
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** A RESP connection that sends many commands at once and waits for as many replies. */
async function publisher(port) {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  let waiting = null;
  let pending = 0;
  socket.on("data", (chunk) => {
    for (const byte of chunk) if (byte === 10) pending -= 1; // one line per integer reply
    if (pending <= 0 && waiting) {
      const done = waiting;
      waiting = null;
      done();
    }
  });
  return {
    async publish(commands) {
      pending += commands.length;
      const done = new Promise((resolve) => (waiting = resolve));
      socket.write(commands.map(encodeCommand).join(""));
      await done;
    },
    close: () => socket.destroy(),
  };
}

const server = await startRedisServer({ kind: "valkey" });
const extraArgs = process.env.PODIUM_GATEWAY_THREADS ? ["--threads", process.env.PODIUM_GATEWAY_THREADS] : [];
const gateway = await startGateway({ redisUrl: server.gatewayUrl, release: process.env.PODIUM_GATEWAY_RELEASE !== "0", extraArgs });
const counts = new Array(SUBSCRIBERS).fill(0);
const controllers = [];
try {
  const channel = "bench:fanout";
  const pattern = "data: message,";
  let confirmed = 0;
  await Promise.all(
    counts.map(async (_, index) => {
      const controller = new AbortController();
      controllers.push(controller);
      const res = await fetch(`${gateway.url}/subscribe/${channel}`, {
        headers: { authorization: `Bearer ${gateway.token}`, accept: "text/event-stream" },
        signal: controller.signal,
      });
      if (res.status !== 200) throw new Error(`subscribe: ${res.status} ${await res.text()}`);
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      const first = await reader.read();
      if (!decoder.decode(first.value).startsWith("data: subscribe,")) throw new Error("no confirmation");
      confirmed += 1;
      (async () => {
        let tail = "";
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            const text = tail + decoder.decode(value, { stream: true });
            let at = text.indexOf(pattern);
            while (at !== -1) {
              counts[index] += 1;
              at = text.indexOf(pattern, at + pattern.length);
            }
            tail = text.slice(-(pattern.length - 1));
          }
        } catch {
          // aborted at the end
        }
      })();
    }),
  );
  console.log(`${confirmed} subscribers on ${gateway.url} (pid ${gateway.pid})`);

  const redis = await publisher(server.port);
  const slowest = () => counts.reduce((a, b) => Math.min(a, b), Infinity);
  const cpuBefore = cpuSeconds(gateway.pid);
  const started = performance.now();
  let sent = 0;
  while (sent < MESSAGES) {
    while (sent - slowest() > WINDOW) await new Promise((resolve) => setImmediate(resolve));
    const batch = [];
    for (let i = 0; i < BATCH && sent < MESSAGES; i += 1, sent += 1) batch.push(["PUBLISH", channel, `${sent}${PAYLOAD}`]);
    await redis.publish(batch);
  }
  while (slowest() < MESSAGES) await new Promise((resolve) => setTimeout(resolve, 1));
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(gateway.pid) - cpuBefore;
  redis.close();
  const deliveries = SUBSCRIBERS * MESSAGES;
  const result = {
    subscribers: SUBSCRIBERS,
    messages: MESSAGES,
    payloadBytes: PAYLOAD.length + String(MESSAGES).length,
    seconds: Number(seconds.toFixed(2)),
    deliveriesPerSecond: Math.round(deliveries / seconds),
    gatewayCpuSeconds: Number(cpu.toFixed(2)),
    gatewayCpuMicrosPerDelivery: Number(((cpu * 1e6) / deliveries).toFixed(2)),
    gatewayCoresBusy: Number((cpu / seconds).toFixed(2)),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  for (const controller of controllers) controller.abort();
  await gateway.stop();
  await server.stop();
}
