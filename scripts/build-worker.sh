#!/usr/bin/env bash
# Builds the Worker (worker/) into worker/build/ with worker-build, using only local tools:
# wasm-bindgen from ~/.cargo/bin (it must equal the `wasm-bindgen` in Cargo.lock), esbuild and
# wasm-opt from node_modules (npm's binaryen, not Debian's). Prints the bundle size raw and gzip.
#
#   bash scripts/build-worker.sh          the size-optimised build (cargo profile worker-release)
#   bash scripts/build-worker.sh --dev    a quick unoptimised build, for debugging
#   bash scripts/build-worker.sh --if-stale
#                                         the release build, skipped when worker/build already holds a
#                                         release build newer than every source it is made from
#                                         (`npm start` and wrangler.toml's [build] use this)
#
# Needs `bash scripts/bootstrap.sh --wasm` (worker-build, wasm-bindgen-cli) and `npm ci`.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
PATH="$cargo_bin:$PATH"

profile_args=(--profile worker-release)
profile_name=worker-release
if_stale=false
case "${1:-}" in
  "") ;;
  --dev)
    profile_args=(--dev)
    profile_name=dev
    ;;
  --if-stale) if_stale=true ;;
  *)
    echo "build-worker: unknown argument: $1 (expected --dev, --if-stale or nothing)" >&2
    exit 2
    ;;
esac

build_dir="$repo_root/worker/build"
# Which profile built worker/build (written after every successful build).
profile_stamp="$build_dir/.podium-profile"

print_size() {
  local raw=0 gzipped=0 file
  for file in "$build_dir"/*.js "$build_dir"/*.wasm "$build_dir"/worker/*.mjs; do
    [[ -f "$file" ]] || continue
    raw=$((raw + $(wc -c <"$file")))
    gzipped=$((gzipped + $(gzip -9 -c "$file" | wc -c)))
  done
  # Also one line a script can grep: `worker bundle: raw=… gzip=…` (bytes).
  printf 'worker bundle: raw=%d gzip=%d (%d KiB raw, %d KiB gzip)\n' \
    "$raw" "$gzipped" $(((raw + 1023) / 1024)) $(((gzipped + 1023) / 1024))
}

# Up to date: a release build whose outputs are all newer than the worker's sources, the crates it
# is made of (everything but the gateway and the test kit), the workspace manifests and this script.
build_is_fresh() {
  local output newer
  [[ -f "$profile_stamp" && "$(cat "$profile_stamp")" == "$profile_name" ]] || return 1
  for output in "$build_dir/index.js" "$build_dir/index_bg.wasm" "$build_dir/worker/shim.mjs"; do
    [[ -f "$output" ]] || return 1
  done
  cd "$repo_root"
  newer="$(find worker/src worker/Cargo.toml Cargo.toml Cargo.lock scripts/build-worker.sh \
    crates/podium-api crates/podium-board crates/podium-core crates/podium-redis \
    -type f -not -path '*/tests/*' \
    \( -newer "$build_dir/index.js" -o -newer "$build_dir/index_bg.wasm" \) -print -quit)"
  [[ -z "$newer" ]]
}

if [[ "$if_stale" == true ]] && build_is_fresh; then
  echo "build-worker: worker/build is up to date (newer than its sources); not rebuilding"
  print_size
  exit 0
fi

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

echo "$profile_name" >"$profile_stamp"
print_size
