#!/usr/bin/env bash
# Builds the widget (web/) into web/pkg: `wasm-pack build --target web` with the size-optimised
# cargo profile widget-release, then npm binaryen's `wasm-opt -Oz --converge` (Debian's is too
# old, see toolchain.md), esbuild's minifier on wasm-bindgen's JS glue, then the package entry
# `podium-widget.js` (loads the wasm, which defines <podium-leaderboard>). Prints the JS + wasm
# size raw and gzip (gzip -9) and FAILS when the gzip total is over the budget: 120 KB, counted
# as 120 000 bytes (docs/benchmarks.md).
#
# Needs wasm-pack and wasm-bindgen-cli (bash scripts/bootstrap.sh --wasm) and `npm ci`.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
PATH="$repo_root/node_modules/.bin:$cargo_bin:$PATH"
budget_gzip=120000
pkg="$repo_root/web/pkg"

missing=()
command -v wasm-pack >/dev/null 2>&1 || missing+=("wasm-pack (bash scripts/bootstrap.sh --wasm)")
[[ -x "$cargo_bin/wasm-bindgen" ]] || missing+=("wasm-bindgen (bash scripts/bootstrap.sh --wasm)")
[[ -x "$repo_root/node_modules/.bin/wasm-opt" ]] || missing+=("node_modules/.bin/wasm-opt (npm ci)")
[[ -x "$repo_root/node_modules/.bin/esbuild" ]] || missing+=("node_modules/.bin/esbuild (npm ci)")
if [[ ${#missing[@]} -gt 0 ]]; then
  printf 'build-widget: missing %s\n' "${missing[@]}" >&2
  exit 1
fi

cd "$repo_root"
# wasm-pack's own wasm-opt step is off (web/Cargo.toml); "failed to get wasm-pack version" is harmless.
wasm-pack build web --target web --out-dir pkg --out-name podium_widget --profile widget-release

wasm="$pkg/podium_widget_bg.wasm"
# --converge repeats -Oz until it stops shrinking (~0.6 KB gzip); the producers and
# target_features sections are for tools, not browsers.
wasm-opt -Oz --converge --strip-producers --strip-target-features --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$wasm" -o "$wasm.opt"
mv "$wasm.opt" "$wasm"
# wasm-bindgen's glue is readable, not small: minified it is ~2 KB less gzip. It is also bundled
# with the snippet it imports (js/element.js), one module fetch fewer before the first paint. Same
# ES module, same exports (import.meta.url still finds the wasm next to it).
glue="$pkg/podium_widget.js"
esbuild "$glue" --bundle --minify --format=esm --target=es2022 --log-level=warning --outfile="$glue.min"
mv "$glue.min" "$glue"
rm -rf "$pkg/snippets"

cp web/js/podium-widget.js web/js/podium-widget.d.ts "$pkg/"
node - "$pkg/package.json" <<'NODE'
const fs = require("node:fs");
const file = process.argv[2];
const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
pkg.module = "podium-widget.js";
pkg.main = "podium-widget.js";
pkg.types = "podium-widget.d.ts";
pkg.files = [...new Set([...(pkg.files ?? []).filter((f) => f !== "snippets"), "podium-widget.js", "podium-widget.d.ts"])];
pkg.sideEffects = ["./podium-widget.js", "./podium_widget.js"];
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
NODE

raw=0
gzipped=0
while IFS= read -r -d '' file; do
  file_raw=$(wc -c <"$file")
  file_gzip=$(gzip -9 -c "$file" | wc -c)
  printf '  %-60s raw=%7d gzip=%7d\n' "${file#"$pkg"/}" "$file_raw" "$file_gzip"
  raw=$((raw + file_raw))
  gzipped=$((gzipped + file_gzip))
done < <(find "$pkg" \( -name '*.js' -o -name '*.wasm' \) -print0 | sort -z)
# One line a script can grep: `widget bundle: raw=… gzip=…` (bytes; KB = 1000 bytes).
printf 'widget bundle: raw=%d gzip=%d (%d.%d KB gzip; budget %d KB gzip)\n' \
  "$raw" "$gzipped" $((gzipped / 1000)) $((gzipped % 1000 / 100)) $((budget_gzip / 1000))
# The budget is the issue's promise to embedders: going over it fails the build (and npm test).
if [[ $gzipped -gt $budget_gzip ]]; then
  echo "build-widget: OVER the gzip budget by $((gzipped - budget_gzip)) bytes" >&2
  exit 1
fi
