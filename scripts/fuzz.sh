#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ (libFuzzer) and prints, per target, the inputs run and the
# executions per second.
#
#   bash scripts/fuzz.sh               short run, as in `npm test`: each target for
#                                      PODIUM_FUZZ_SECONDS (default 10) without a sanitizer
#   bash scripts/fuzz.sh --long        each target for PODIUM_FUZZ_SECONDS (default 600) with
#                                      AddressSanitizer (npm run fuzz)
#   bash scripts/fuzz.sh [--long] T…   only the named targets
#
# Both replay fuzz/regressions/<target> (crashes found before, each fixed and kept) and
# fuzz/seeds/<target> first, then mutate from there, growing fuzz/corpus/<target> (not committed).
# Builds always keep debug assertions and overflow checks on. The short run skips AddressSanitizer:
# Podium's crates forbid unsafe code, and without ASan the instrumented build is about a quarter
# cheaper on 2 cores; the long run has it. A crash stops the script with the input saved under
# fuzz/artifacts/<target>/; reproduce with `RUSTC_BOOTSTRAP=1 cargo fuzz run <target> <file>` in fuzz/.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root/fuzz"

if [[ -d "${CARGO_HOME:-$HOME/.cargo}/bin" ]]; then
  PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

long=false
targets=()
for arg in "$@"; do
  case "$arg" in
    --long) long=true ;;
    -h | --help)
      sed -n '2,17p' "$repo_root/scripts/fuzz.sh" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*)
      echo "fuzz.sh: unknown option $arg" >&2
      exit 2
      ;;
    *) targets+=("$arg") ;;
  esac
done

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: cargo-fuzz is missing: run bash scripts/bootstrap.sh --test" >&2
  exit 1
fi

# cargo-fuzz passes nightly-only flags (-Zsanitizer, sanitizer coverage); stable rustc accepts
# them with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1
if [[ "$long" == true ]]; then
  seconds="${PODIUM_FUZZ_SECONDS:-600}"
  build_flags=(--sanitizer address)
else
  seconds="${PODIUM_FUZZ_SECONDS:-10}"
  build_flags=(--sanitizer none)
fi
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(cargo fuzz list)
fi

started=$SECONDS
echo "==> cargo fuzz build ${build_flags[*]} (${targets[*]})"
for target in "${targets[@]}"; do
  cargo fuzz build "${build_flags[@]}" "$target"
done
echo "built in $((SECONDS - started))s"

summary=()
for target in "${targets[@]}"; do
  corpus="corpus/$target"
  mkdir -p "$corpus"
  dirs=("$corpus")
  for extra in "regressions/$target" "seeds/$target"; do
    [[ -d "$extra" ]] && dirs+=("$extra")
  done
  log="$(mktemp)"
  echo "==> $target: ${seconds}s from ${dirs[*]}"
  if ! cargo fuzz run "${build_flags[@]}" "$target" "${dirs[@]}" -- \
    -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    rm -f "$log"
    echo "fuzz.sh: $target failed; the input is under fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs="$(awk '/stat::number_of_executed_units:/ {print $2}' "$log" | tail -n1)"
  rate="$(awk '/stat::average_exec_per_sec:/ {print $2}' "$log" | tail -n1)"
  units="$(find "$corpus" -type f | wc -l)"
  rm -f "$log"
  summary+=("$(printf '%-16s %12s runs %8s exec/s %6s corpus inputs' "$target" "${runs:-?}" "${rate:-?}" "$units")")
done

echo "==> fuzzing summary (${seconds}s per target, ${build_flags[*]}, $((SECONDS - started))s in all)"
printf '%s\n' "${summary[@]}"
