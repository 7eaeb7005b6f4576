// A minimal RESP client for the stacks and the benches: one command, one reply (simple string,
// error, integer, bulk string or array), and the encoder the benches pipeline their seeding with.

import net from "node:net";

/** One command in RESP (an array of bulk strings). */
export function encodeCommand(args) {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`;
  return out;
}

// Parses one reply starting at `at`; returns {value, end} or undefined if more bytes are needed.
// Simple strings, errors and integers come back as "+…", "-…", ":…"; bulk strings as strings;
// arrays as arrays; nulls as null.
function parseReply(buf, at = 0) {
  const nl = buf.indexOf("\r\n", at);
  if (nl === -1) return undefined;
  const type = String.fromCharCode(buf[at]);
  const head = buf.subarray(at + 1, nl).toString();
  if (type === "+" || type === "-" || type === ":") return { value: `${type}${head}`, end: nl + 2 };
  if (type === "$") {
    const len = Number(head);
    if (len < 0) return { value: null, end: nl + 2 };
    if (buf.length < nl + 2 + len + 2) return undefined;
    return { value: buf.subarray(nl + 2, nl + 2 + len).toString(), end: nl + 4 + len };
  }
  if (type === "*") {
    const count = Number(head);
    if (count < 0) return { value: null, end: nl + 2 };
    const items = [];
    let end = nl + 2;
    for (let i = 0; i < count; i++) {
      const item = parseReply(buf, end);
      if (item === undefined) return undefined;
      items.push(item.value);
      end = item.end;
    }
    return { value: items, end };
  }
  throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
}

/** Sends one command to 127.0.0.1:port and resolves with its parsed reply (see parseReply). */
export function respCommand(port, args, timeoutMs = 2_000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let buf = Buffer.alloc(0);
    const finish = (err, value) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no reply from 127.0.0.1:${port} within ${timeoutMs} ms`)));
    socket.once("error", (err) => finish(err));
    socket.once("connect", () => socket.write(encodeCommand(args)));
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        const reply = parseReply(buf);
        if (reply !== undefined) finish(null, reply.value);
      } catch (err) {
        finish(err);
      }
    });
    socket.once("end", () => finish(new Error(`connection to 127.0.0.1:${port} closed without a reply`)));
  });
}

