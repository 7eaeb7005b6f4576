// The package's entry: loads the wasm (which defines <podium-leaderboard>) and re-exports the
// JS API. `<script type="module" src=".../podium-widget.js">` is all a page needs.
// The wasm is fetched and compiled at once, alongside the JS glue: with a static import it would
// wait for the glue and its own import to arrive first (two round trips before the first paint).
// A server that does not send `application/wasm` makes compileStreaming fail: the glue then
// fetches the wasm itself and falls back to compiling from bytes.
const url = new URL("./podium_widget_bg.wasm", import.meta.url);
const compiled = WebAssembly.compileStreaming(fetch(url)).catch(() => url);
const glue = await import("./podium_widget.js");
await glue.default({ module_or_path: await compiled });

export const { mount, WidgetHandle } = glue;
