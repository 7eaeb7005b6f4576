// The Worker's main module: Podium's fetch handler (built by scripts/build-worker.sh into
// build/) as a plain module export.
//
// worker-build's own entry (build/index.js) exports a `WorkerEntrypoint` subclass wrapped in
// Proxies, so each request constructs an object through a Proxy trap and calls its `fetch`
// through a second Proxy made for that call, on every request. This export calls the same
// generated function without them.
//
// What the Proxies add is not lost: the generated glue checks its own "terminated" flag on every
// call into wasm and starts a fresh instance after a trap (tests/worker/recovery.test.mjs), and
// the class is only needed for Durable Objects and RPC, which Podium does not use.
import Podium from "./build/index.js";

// `Podium` is a Proxy with only a `construct` trap, so `prototype` is the class's own: its
// `fetch` reads the environment and context from `this`.
const handle = Podium.prototype.fetch;

export default {
  async fetch(request, env, ctx) {
    if (request.method !== "GET" && request.method !== "HEAD") {
      // Read here and handed to the handler as `request.podiumBody` (glue.rs takes it): the
      // isolate's own `await` costs less than a Rust future waiting on the promise. A string key,
      // not a symbol, which workerd's Request handles more slowly (docs/benchmarks.md). A body the
      // client never finished is handed over as the error, answered as a bad request.
      try {
        request.podiumBody = new Uint8Array(await request.arrayBuffer());
      } catch (error) {
        request.podiumBody = error;
      }
    }
    return handle.call({ env, ctx }, request);
  },
};
