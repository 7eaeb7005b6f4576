#!/usr/bin/env bash
# Builds the widget (web/) into web/pkg: `wasm-pack build --target web` with the size-optimised
# cargo profile widget-release, then npm binaryen's `wasm-opt -Oz` (Debian's is too old, see
# toolchain.md), then the package entry `podium-widget.js` (loads the wasm, which defines
# <podium-leaderboard>). Prints the JS + wasm size raw and gzip; fails over the 120 KB gzip budget.
#
# Needs wasm-pack and wasm-bindgen-cli (bash scripts/bootstrap.sh --wasm) and `npm ci`.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
PATH="$repo_root/node_modules/.bin:$cargo_bin:$PATH"
budget_gzip=$((120 * 1024))
pkg="$repo_root/web/pkg"

missing=()
command -v wasm-pack >/dev/null 2>&1 || missing+=("wasm-pack (bash scripts/bootstrap.sh --wasm)")
[[ -x "$cargo_bin/wasm-bindgen" ]] || missing+=("wasm-bindgen (bash scripts/bootstrap.sh --wasm)")
[[ -x "$repo_root/node_modules/.bin/wasm-opt" ]] || missing+=("node_modules/.bin/wasm-opt (npm ci)")
if [[ ${#missing[@]} -gt 0 ]]; then
  printf 'build-widget: missing %s\n' "${missing[@]}" >&2
  exit 1
fi

cd "$repo_root"
# wasm-pack's own wasm-opt step is off (web/Cargo.toml); "failed to get wasm-pack version" is harmless.
wasm-pack build web --target web --out-dir pkg --out-name podium_widget --profile widget-release

wasm="$pkg/podium_widget_bg.wasm"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$wasm" -o "$wasm.opt"
mv "$wasm.opt" "$wasm"

cp web/js/podium-widget.js web/js/podium-widget.d.ts "$pkg/"
node - "$pkg/package.json" <<'NODE'
const fs = require("node:fs");
const file = process.argv[2];
const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
pkg.module = "podium-widget.js";
pkg.main = "podium-widget.js";
pkg.types = "podium-widget.d.ts";
pkg.files = [...new Set([...(pkg.files ?? []), "podium-widget.js", "podium-widget.d.ts", "snippets"])];
pkg.sideEffects = ["./podium-widget.js", "./podium_widget.js", "./snippets/*"];
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
NODE

raw=0
gzipped=0
while IFS= read -r -d '' file; do
  raw=$((raw + $(wc -c <"$file")))
  gzipped=$((gzipped + $(gzip -9 -c "$file" | wc -c)))
done < <(find "$pkg" \( -name '*.js' -o -name '*.wasm' \) -print0)
# One line a script can grep: `widget bundle: raw=… gzip=…` (bytes).
printf 'widget bundle: raw=%d gzip=%d (%d KiB raw, %d KiB gzip; budget %d KiB gzip)\n' \
  "$raw" "$gzipped" $(((raw + 1023) / 1024)) $(((gzipped + 1023) / 1024)) $((budget_gzip / 1024))
# A budget is a number to report, not a reason to stop the build: docs/benchmarks.md records it.
if [[ $gzipped -gt $budget_gzip ]]; then
  echo "build-widget: OVER the gzip budget by $(((gzipped - budget_gzip + 1023) / 1024)) KiB"
fi
