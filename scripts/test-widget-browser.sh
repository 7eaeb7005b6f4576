#!/usr/bin/env bash
# The widget's components in headless Chromium (web/tests/): `cargo test` for wasm32 with
# wasm-bindgen's test runner (from wasm-bindgen-cli, which the bootstrap installs with --wasm)
# driving Debian's chromedriver. The runner reads web/webdriver.json for Chromium's flags and
# adds --headless and --no-sandbox itself. What `wasm-pack test --headless --chrome` did, without
# installing wasm-pack.
#
#   bash scripts/test-widget-browser.sh [cargo test arguments, e.g. a test name]
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
PATH="$cargo_bin:$PATH"

if [[ ! -x "$cargo_bin/wasm-bindgen-test-runner" ]]; then
  echo "test-widget-browser: missing wasm-bindgen-test-runner (bash scripts/bootstrap.sh --wasm)" >&2
  exit 1
fi

cd "$repo_root/web"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$cargo_bin/wasm-bindgen-test-runner" \
  exec cargo test --target wasm32-unknown-unknown -p podium-widget "$@"
