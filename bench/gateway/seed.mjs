// Valkey: seeding through one raw pipelined TCP connection, and counting its clients.

import net from "node:net";

import { encodeCommand, respCommand } from "../../scripts/lib/stack.mjs";
import { KEY, pad } from "./config.mjs";

export async function seed(port, players) {
  await respCommand(port, ["DEL", KEY]);
  const batch = 1000;
  const commands = [];
  let x = 2463534242; // xorshift32: deterministic scores
  for (let start = 0; start < players; start += batch) {
    const args = ["ZADD", KEY];
    for (let i = start; i < Math.min(players, start + batch); i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      args.push(String(x % 1_000_000), `player:${pad(i)}`);
    }
    commands.push(encodeCommand(args));
  }
  await new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let pending = commands.length;
    let buf = "";
    socket.setEncoding("utf8");
    socket.setTimeout(30_000, () => {
      socket.destroy();
      reject(new Error("seeding timed out"));
    });
    socket.once("error", reject);
    socket.once("connect", () => socket.end(commands.join("")));
    socket.on("data", (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf("\r\n")) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (!line.startsWith(":")) {
          socket.destroy();
          reject(new Error(`seeding: unexpected reply ${line}`));
          return;
        }
        if (--pending === 0) {
          socket.destroy();
          resolve();
        }
      }
    });
  });
  const card = await respCommand(port, ["ZCARD", KEY]);
  if (card !== `:${players}`) throw new Error(`seeding: ZCARD ${KEY} = ${card}, expected ${players}`);
}

export async function clientConnections(port) {
  const list = await respCommand(port, ["CLIENT", "LIST"]);
  return String(list)
    .split("\n")
    .filter((l) => l.trim() && !/cmd=client\|list/.test(l)).length;
}
