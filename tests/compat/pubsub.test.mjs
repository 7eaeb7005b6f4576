// Pub/sub with the official client: subscribe() and psubscribe() read the gateway's server-sent
// events, publish() goes through the REST path, and the read-only token may subscribe.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { client, raw, uniqueKey, useStack } from "./harness.mjs";

const stack = useStack();

/** Resolves with the first `count` payloads the subscriber hands to listeners of `type`. */
function collect(subscriber, type, count) {
  return new Promise((resolve, reject) => {
    const seen = [];
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} ${type} events: ${JSON.stringify(seen)}`)), 10_000);
    subscriber.on(type, (data) => {
      seen.push(data);
      if (seen.length === count) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}

describe("subscribe and psubscribe", () => {
  test("a read-only subscriber gets the messages the full token publishes, JSON decoded", async () => {
    const channel = uniqueKey("chat");
    const subscriber = client(stack, { token: stack.readOnlyToken }).subscribe([channel]);
    try {
      const [count] = await collect(subscriber, "subscribe", 1);
      assert.equal(count, 1);
      const messages = collect(subscriber, "message", 3);
      const onChannel = collect(subscriber, `message:${channel}`, 3);
      const publisher = client(stack);
      assert.equal(await publisher.publish(channel, "hello"), 1);
      assert.equal(await publisher.publish(channel, { score: 1500, player: "ada" }), 1);
      assert.equal(await publisher.publish(channel, "a, with commas"), 1);
      const expected = [
        { channel, message: "hello" },
        { channel, message: { score: 1500, player: "ada" } },
        { channel, message: "a, with commas" },
      ];
      assert.deepEqual(await messages, expected);
      assert.deepEqual(await onChannel, expected);
    } finally {
      await subscriber.unsubscribe();
    }
  });

  test("psubscribe delivers pmessage events with the pattern and the channel", async () => {
    const prefix = uniqueKey("board");
    const subscriber = client(stack).psubscribe([`${prefix}:*`]);
    try {
      const [count] = await collect(subscriber, "psubscribe", 1);
      assert.equal(count, 1);
      const messages = collect(subscriber, "pmessage", 2);
      const publisher = client(stack);
      // The client JSON-parses a pmessage's text without falling back to the string (unlike a
      // message's), so a pattern subscriber is sent JSON.
      await publisher.publish(`${prefix}:1`, { rank: 1 });
      await publisher.publish(`${prefix}:2`, ["a", "b"]);
      assert.deepEqual(await messages, [
        { pattern: `${prefix}:*`, channel: `${prefix}:1`, message: { rank: 1 } },
        { pattern: `${prefix}:*`, channel: `${prefix}:2`, message: ["a", "b"] },
      ]);
    } finally {
      await subscriber.unsubscribe();
    }
  });

  test("unsubscribe closes the stream, and the gateway unsubscribes on Redis", async () => {
    const channel = uniqueKey("leave");
    const subscriber = client(stack).subscribe([channel]);
    await collect(subscriber, "subscribe", 1);
    assert.deepEqual((await raw(stack, `/pubsub/numsub/${channel}`)).json, { result: [channel, 1] });
    await subscriber.unsubscribe();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { json } = await raw(stack, `/pubsub/numsub/${channel}`);
      if (json.result[1] === 0) break;
      assert.ok(Date.now() < deadline, "still subscribed on Redis");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  test("bad subscriptions are JSON errors, which the client reports", async () => {
    const { status, json, headers } = await raw(stack, "/subscribe", { method: "GET" });
    assert.equal(status, 400);
    assert.deepEqual(json, { error: "ERR no channel: subscribe with /subscribe/<channel>" });
    assert.equal(headers.get("access-control-allow-origin"), "*");
    const subscriber = client(stack, { token: "wrong" }).subscribe(["x"]);
    const [error] = await collect(subscriber, "error", 1);
    assert.match(error.message, /WRONGPASS invalid or missing auth token/);
    await subscriber.unsubscribe();
  });
});
