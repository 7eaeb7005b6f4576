#!/usr/bin/env bash
# The whole test suite, in order, stopping at the first failing step:
# formatting, clippy, the Rust tests against Valkey and then Redis, the Worker's build, and the node
# tests under tests/ (tests/worker drives the built Worker in workerd).
# Run scripts/bootstrap.sh --wasm first (npm test and .ci/run do): without the wasm tools
# (worker-build, wasm-bindgen) the suite fails rather than skip the Worker's tests.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

if [[ -d "${CARGO_HOME:-$HOME/.cargo}/bin" ]]; then
  PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

# Keep colours on a terminal even though the test output is also copied to a log for the totals.
if [[ -t 1 ]]; then
  export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-always}"
  export FORCE_COLOR="${FORCE_COLOR:-1}"
fi

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/podium-test.XXXXXX")"
trap 'rm -rf "$work_dir"' EXIT

passed=0
failed=0
ignored=0
started_at=$SECONDS

step() {
  printf '\n==> %s\n' "$*"
}

strip_ansi() {
  sed 's/\x1b\[[0-9;]*[A-Za-z]//g'
}

# Adds up cargo's `test result: ok. 12 passed; 0 failed; 1 ignored; …` lines from a log.
count_cargo_results() {
  local counts p f g
  counts="$(strip_ansi <"$1" | awk '
    /^test result: / {
      for (i = 1; i <= NF; i++) {
        if ($(i + 1) ~ /^passed;?$/) p += $i
        if ($(i + 1) ~ /^failed;?$/) f += $i
        if ($(i + 1) ~ /^ignored;?$/) g += $i
      }
    }
    END { printf "%d %d %d\n", p, f, g }')"
  read -r p f g <<<"$counts"
  passed=$((passed + p))
  failed=$((failed + f))
  ignored=$((ignored + g))
}

cargo_test_against() {
  local server="$1" log="$work_dir/cargo-test-$1.log"
  step "PODIUM_TEST_SERVER=$server cargo test --workspace"
  PODIUM_TEST_SERVER="$server" cargo test --workspace 2>&1 | tee "$log"
  count_cargo_results "$log"
}

step "cargo fmt --all --check"
cargo fmt --all --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

# The Worker crate is empty natively: lint it for the target it is built for.
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  step "cargo clippy -p podium-worker -p podium-widget --target wasm32-unknown-unknown --all-targets -- -D warnings"
  cargo clippy -p podium-worker -p podium-widget --target wasm32-unknown-unknown --all-targets -- -D warnings
fi

cargo_test_against valkey
cargo_test_against redis

if ! command -v worker-build >/dev/null 2>&1 || [[ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen" ]]; then
  echo "worker-build or wasm-bindgen is missing: run bash scripts/bootstrap.sh --wasm" >&2
  exit 1
fi
step "bash scripts/build-worker.sh"
bash scripts/build-worker.sh

step "bash scripts/build-widget.sh"
bash scripts/build-widget.sh

step "bash scripts/test-widget-browser.sh (the widget's components in Chromium)"
widget_log="$work_dir/widget-browser.log"
bash scripts/test-widget-browser.sh 2>&1 | tee "$widget_log"
count_cargo_results "$widget_log"
# Some suites run once, on Valkey: tests/reliability (load, faults, rate-limit bursts: it measures
# the gateway and the Worker, not the server, and takes about a minute and a half), the npm start
# end-to-end test (npm start always runs Valkey) and the deploy command (no Redis involved).
once_tests=(tests/demo/e2e.test.mjs tests/demo/deploy.test.mjs)
not_once=(-not -path 'tests/reliability/*')
for file in "${once_tests[@]}"; do
  not_once+=(-not -path "$file")
done
mapfile -t node_tests < <(find tests -name '*.test.mjs' -not -path '*/node_modules/*' "${not_once[@]}" | sort)
mapfile -t reliability_tests < <(find tests/reliability -name '*.test.mjs' 2>/dev/null | sort)
if [[ ${#node_tests[@]} -eq 0 ]]; then
  step "node tests: none found under tests/"
else
  step "cargo build -p podium-gateway -p podium-seed (for the node tests)"
  cargo build -p podium-gateway -p podium-seed

  # node_tests_against SERVER NAME FILE…: runs the files with node --test and adds up the totals.
  node_tests_against() {
    local server="$1" tap="$work_dir/node-tests-$2.tap"
    shift 2
    # The spec reporter for people, a TAP copy for the totals.
    PODIUM_TEST_SERVER="$server" node --test --test-concurrency=1 \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$tap" \
      "$@"
    # TAP summary lines: `# pass 12`, `# fail 0`, `# skipped 1`, `# todo 0`.
    node_pass="$(awk '/^# pass /{print $3}' "$tap" | tail -n1)"
    node_fail="$(awk '/^# fail /{print $3}' "$tap" | tail -n1)"
    node_skip="$(awk '/^# (skipped|todo) /{s += $3} END {print s + 0}' "$tap")"
    passed=$((passed + ${node_pass:-0}))
    failed=$((failed + ${node_fail:-0}))
    ignored=$((ignored + node_skip))
  }

  for server in valkey redis; do
    step "PODIUM_TEST_SERVER=$server node --test (${#node_tests[@]} files under tests/)"
    node_tests_against "$server" "$server" "${node_tests[@]}"
  done

  step "PODIUM_TEST_SERVER=valkey node --test (once: ${once_tests[*]} and tests/reliability)"
  node_tests_against valkey once "${once_tests[@]}" "${reliability_tests[@]}"
fi

# Needs the built Worker and gateway (above) and schemathesis from bootstrap.sh --test.
step "node scripts/schemathesis.mjs (schemathesis against the Worker's OpenAPI description)"
node scripts/schemathesis.mjs

step "bash scripts/fuzz.sh (each cargo-fuzz target for ${PODIUM_FUZZ_SECONDS:-10}s)"
bash scripts/fuzz.sh

step "all steps passed in $((SECONDS - started_at))s"
summary="$passed passed, $failed failed"
if [[ $ignored -gt 0 ]]; then
  summary+=" ($ignored ignored or skipped)"
fi
echo "$summary"
