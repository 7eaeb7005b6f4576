#!/usr/bin/env bash
# Builds the Worker (worker/) into worker/build/ with worker-build, using only local tools:
# wasm-bindgen from ~/.cargo/bin (it must equal the `wasm-bindgen` in Cargo.lock), esbuild and
# wasm-opt from node_modules (npm's binaryen, not Debian's). Prints the bundle size raw and gzip.
#
#   bash scripts/build-worker.sh          the size-optimised build (cargo profile worker-release)
#   bash scripts/build-worker.sh --dev    a quick unoptimised build, for debugging
#
# Needs `bash scripts/bootstrap.sh --wasm` (worker-build, wasm-bindgen-cli) and `npm ci`.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
PATH="$cargo_bin:$PATH"

profile_args=(--profile worker-release)
case "${1:-}" in
  "") ;;
  --dev) profile_args=(--dev) ;;
  *)
    echo "build-worker: unknown argument: $1 (expected --dev or nothing)" >&2
    exit 2
    ;;
esac

missing=()
command -v worker-build >/dev/null 2>&1 || missing+=("worker-build (bash scripts/bootstrap.sh --wasm)")
[[ -x "$cargo_bin/wasm-bindgen" ]] || missing+=("wasm-bindgen (bash scripts/bootstrap.sh --wasm)")
for tool in esbuild wasm-opt; do
  [[ -x "$repo_root/node_modules/.bin/$tool" ]] || missing+=("node_modules/.bin/$tool (npm ci)")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  printf 'build-worker: missing %s\n' "${missing[@]}" >&2
  exit 1
fi

cd "$repo_root/worker"
# Without these three, worker-build downloads its tools from GitHub (and fails offline).
WASM_BINDGEN_BIN="$cargo_bin/wasm-bindgen" \
  ESBUILD_BIN="$repo_root/node_modules/.bin/esbuild" \
  WASM_OPT_BIN="$repo_root/node_modules/.bin/wasm-opt" \
  worker-build "${profile_args[@]}"

raw=0
gzipped=0
for file in build/*.js build/*.wasm build/worker/*.mjs; do
  [[ -f "$file" ]] || continue
  raw=$((raw + $(wc -c <"$file")))
  gzipped=$((gzipped + $(gzip -9 -c "$file" | wc -c)))
done
# Also one line a script can grep: `worker bundle: raw=… gzip=…` (bytes).
printf 'worker bundle: raw=%d gzip=%d (%d KiB raw, %d KiB gzip)\n' \
  "$raw" "$gzipped" $(((raw + 1023) / 1024)) $(((gzipped + 1023) / 1024))
