// Defines <podium-leaderboard> on top of the wasm `mount`: attributes in, a handle kept per
// connected element. Loaded by the wasm module itself (a wasm-bindgen snippet), so it works under
// `script-src 'self'`.
const ATTRIBUTES = ["endpoint", "board", "limit", "period", "player", "interval", "title", "locale"];

function optionsOf(element) {
  const options = {};
  for (const name of ATTRIBUTES) options[name] = element.getAttribute(name);
  return options;
}

export function defineElement(tag, mount) {
  if (typeof customElements === "undefined" || customElements.get(tag)) return;
  customElements.define(
    tag,
    class extends HTMLElement {
      static get observedAttributes() {
        return ATTRIBUTES;
      }
      connectedCallback() {
        if (!this.podiumHandle) this.podiumHandle = mount(this, optionsOf(this));
      }
      disconnectedCallback() {
        this.podiumHandle?.destroy();
        this.podiumHandle = undefined;
      }
      attributeChangedCallback(name, before, after) {
        if (this.podiumHandle && before !== after) this.podiumHandle.update({ [name]: after });
      }
    },
  );
}
