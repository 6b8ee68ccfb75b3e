#!/usr/bin/env bash
# The fuzz targets of fuzz/ (clang's libFuzzer, with ASan and UBSan): builds them in build/fuzz,
# replays every corpus (the seeds and the regression-* inputs that once broke a target: ctest -L
# fuzz), then runs each target for a while on a copy of its corpus. A crash, a sanitizer report,
# a leak, an input slower than 25 s or a process over 2 GB fails the script; the input that did it
# is kept under build/fuzz/findings/ (copy it into fuzz/corpus/<target>/regression-<what> once fixed).
#   tests/distro/fuzz.sh                        each target 30 s (what .ci/run does)
#   FUZZ_SECONDS=600 FUZZ_TARGETS="json idx" FUZZ_JOBS=2 tests/distro/fuzz.sh
# Prints each target's executions, for the record.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-1}
targets=${FUZZ_TARGETS:-"json schedule idx cifar10 dist_records dist_events dist_messages history"}
build=build/fuzz
# clang (libFuzzer) is not needed to build or test GossipLab itself, so ./lab does not install it.
if ! command -v clang++ >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "fuzz: clang++ is missing (Debian: apt-get install clang)" >&2; exit 1; }
  echo "fuzz: installing clang"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends clang >/dev/null
fi

CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DGOSSIPLAB_FUZZ=ON -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" >/dev/null
built=()
for t in $targets; do built+=("fuzz_$t" "test_fuzz_replay_$t"); done
cmake --build "$build" --target "${built[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd "$build" && ctest -L fuzz --output-on-failure)

# Scratch files (the history target's SQLite files) in memory where possible: fsyncs on disk cost
# more than the rest of an execution.
scratch_base=/dev/shm
[ -d "$scratch_base" ] && [ -w "$scratch_base" ] || scratch_base=${TMPDIR:-/tmp}
work=$(mktemp -d)
scratch=$(mktemp -d "$scratch_base/gossiplab-fuzz.XXXXXX")
trap 'rm -rf "$work" "$scratch"' EXIT
mkdir -p "$build/findings"
# Inputs up to the size of the largest seed and a little more (history files are 25-34 KB).
max_len() { case $1 in history) echo 40000 ;; cifar10) echo 8192 ;; *) echo 4096 ;; esac; }

run_one() {
  local t=$1 corpus="$work/$1"
  mkdir -p "$corpus" "$scratch/$1"
  cp fuzz/corpus/"$t"/* "$corpus"/
  local log="$build/findings/$t.log" rc=0
  GOSSIPLAB_FUZZ_SCRATCH="$scratch/$t" "$build/fuzz/fuzz_$t" "$corpus" -max_total_time="$seconds" \
    -max_len="$(max_len "$t")" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/findings/$t-" >"$log" 2>&1 || rc=$?
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$rc" -ne 0 ]; then
    echo "fuzz: $t FAILED after ${execs:-?} executions (log: $log)"
    grep -E "ERROR|invariant|SUMMARY|runtime error" "$log" | head -5
    return 1
  fi
  echo "fuzz: $t clean: ${execs:-?} executions in $seconds s"
}

failed=0
pids=()
names=()
for t in $targets; do
  run_one "$t" &
  pids+=($!)
  names+=("$t")
  if [ "${#pids[@]}" -ge "$jobs" ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
[ "$failed" -eq 0 ] && echo "fuzz: PASS" || { echo "fuzz: FAIL"; exit 1; }
