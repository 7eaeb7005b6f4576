// First paint of <podium-leaderboard>, measured inside the page: shared by the page test
// (tests/widget/page.test.mjs) and the benchmark (bench/widget/run.mjs).
//
// `FIRST_PAINT_PROBE` goes in with Playwright's `page.addInitScript` (it runs before the page's own
// scripts and is not subject to the page's CSP, which forbids inline scripts). It wraps
// `attachShadow` so that a MutationObserver sees the widget's shadow root from its first node, and
// notes `performance.now()` when the first ranked row (`tr[data-player]`) is inserted, then when
// the frame holding it has been rendered (a task queued from that frame's requestAnimationFrame
// runs after its paint). `readFirstPaint` turns that into milliseconds from the script's start:
// the Resource Timing `startTime` of the entry script `podium-widget.js`, i.e. when the browser
// began fetching it.

export const FIRST_PAINT_PROBE = `(() => {
  const probe = (window.__podiumFirstPaint = { inserted: null, painted: null });
  const attachShadow = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attachShadow.call(this, init);
    if (this.localName === "podium-leaderboard" && probe.inserted === null) {
      const observer = new MutationObserver(() => {
        if (probe.inserted !== null || !root.querySelector("tr[data-player]")) return;
        probe.inserted = performance.now();
        observer.disconnect();
        requestAnimationFrame(() => {
          const channel = new MessageChannel();
          channel.port1.onmessage = () => (probe.painted = performance.now());
          channel.port2.postMessage(null);
        });
      });
      observer.observe(root, { childList: true, subtree: true });
    }
    return root;
  };
})();`;

/**
 * Waits for the probe's paint mark and returns milliseconds, all from the entry script's fetch
 * start: `{painted, inserted, scriptLoaded, wasmLoaded, apiStart, apiEnd, navigationToScript,
 * requests}` (`navigationToScript` from the navigation start to the script's fetch start).
 */
export async function readFirstPaint(page, { timeout = 10_000 } = {}) {
  await page.waitForFunction(() => window.__podiumFirstPaint?.painted != null, null, { timeout, polling: 10 });
  return page.evaluate(() => {
    const probe = window.__podiumFirstPaint;
    const resources = performance.getEntriesByType("resource");
    const find = (suffix) => resources.find((entry) => new URL(entry.name).pathname.endsWith(suffix));
    const script = find("/podium-widget.js");
    const wasm = find(".wasm");
    if (!script) throw new Error("no resource timing for podium-widget.js");
    const api = resources.filter((entry) => new URL(entry.name).pathname.startsWith("/v1/") && entry.startTime <= probe.inserted);
    const since = (t) => (t == null ? null : Math.round((t - script.startTime) * 10) / 10);
    return {
      painted: since(probe.painted),
      inserted: since(probe.inserted),
      scriptLoaded: since(script.responseEnd),
      wasmLoaded: since(wasm?.responseEnd),
      // The API requests before the row: the first one's start, the last answer's end.
      apiStart: since(Math.min(...api.map((entry) => entry.startTime))),
      apiEnd: since(Math.max(...api.map((entry) => entry.responseEnd))),
      navigationToScript: Math.round(script.startTime * 10) / 10,
      // Everything fetched before the row appeared: [path, start, end] from the script's start.
      requests: resources
        .filter((entry) => entry.startTime <= probe.inserted)
        .map((entry) => [new URL(entry.name).pathname, since(entry.startTime), since(entry.responseEnd)]),
    };
  });
}
