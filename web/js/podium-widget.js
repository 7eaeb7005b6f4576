// The package's entry: loads the wasm (which defines <podium-leaderboard>) and re-exports the
// JS API. `<script type="module" src=".../podium-widget.js">` is all a page needs.
import init, { mount, WidgetHandle } from "./podium_widget.js";

await init();

export { mount, WidgetHandle };
