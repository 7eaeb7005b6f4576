#!/usr/bin/env bash
# Builds the widget (web/) into web/pkg: `cargo build` for wasm32 with the size-optimised cargo
# profile widget-release, `wasm-bindgen --target web`, then npm binaryen's `wasm-opt -Oz --converge`
# (Debian's is too old, see toolchain.md), esbuild's minifier on wasm-bindgen's JS glue, then the
# package entry `podium-widget.js` (loads the wasm, which defines <podium-leaderboard>) and a
# package.json. Prints the JS + wasm size raw and gzip (gzip -9) and FAILS when the gzip total is
# over the budget: 120 KB, counted as 120 000 bytes (docs/benchmarks.md).
#
# No wasm-pack: its `build` is these same two commands plus a package.json, and installing it cost
# a first `npm start` minutes of compiling (issue 20).
#
# Needs wasm-bindgen-cli (bash scripts/bootstrap.sh --wasm) and `npm ci`.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
PATH="$repo_root/node_modules/.bin:$cargo_bin:$PATH"
budget_gzip=120000
pkg="$repo_root/web/pkg"

missing=()
[[ -x "$cargo_bin/wasm-bindgen" ]] || missing+=("wasm-bindgen (bash scripts/bootstrap.sh --wasm)")
[[ -x "$repo_root/node_modules/.bin/wasm-opt" ]] || missing+=("node_modules/.bin/wasm-opt (npm ci)")
[[ -x "$repo_root/node_modules/.bin/esbuild" ]] || missing+=("node_modules/.bin/esbuild (npm ci)")
if [[ ${#missing[@]} -gt 0 ]]; then
  printf 'build-widget: missing %s\n' "${missing[@]}" >&2
  exit 1
fi

cd "$repo_root"
cargo build --lib --target wasm32-unknown-unknown --profile widget-release -p podium-widget
target_dir="$(cargo metadata --no-deps --format-version 1 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
rm -rf "$pkg"
wasm-bindgen "$target_dir/wasm32-unknown-unknown/widget-release/podium_widget.wasm" \
  --target web --out-dir "$pkg" --out-name podium_widget

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
# The package's name, version, description and licence come from web/Cargo.toml (as wasm-pack's did).
cargo metadata --no-deps --format-version 1 | node -e '
const fs = require("node:fs");
let input = "";
process.stdin.on("data", (chunk) => (input += chunk)).on("end", () => {
  const crate = JSON.parse(input).packages.find((p) => p.name === "podium-widget");
  const pkg = {
    name: crate.name,
    type: "module",
    description: crate.description,
    version: crate.version,
    license: crate.license,
    files: ["podium_widget_bg.wasm", "podium_widget.js", "podium_widget.d.ts", "podium-widget.js", "podium-widget.d.ts"],
    main: "podium-widget.js",
    module: "podium-widget.js",
    types: "podium-widget.d.ts",
    sideEffects: ["./podium-widget.js", "./podium_widget.js"],
  };
  fs.writeFileSync(process.argv[1], JSON.stringify(pkg, null, 2) + "\n");
});' "$pkg/package.json"

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
