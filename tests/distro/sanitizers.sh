#!/usr/bin/env bash
# The sanitizer builds (issue 18), each in its own build folder and timed:
#   asan  build/asan: the whole project with AddressSanitizer + UndefinedBehaviorSanitizer at -O1
#         (optimised: layout-dependent faults may show only there), then the whole ctest suite
#         offscreen, UI tests included, except the .deb check (label packaging).
#   tsan  build/tsan: ThreadSanitizer, the core's threaded tests only (training: the inboxes and
#         exchanges, a run's lifecycle; the store's writer thread; the experiments' runner and
#         queue; with TSAN_WITH_DIST=1 also runs over several processes), with
#         tests/sanitizers/tsan.supp for LibTorch's and Qt's own internals (not instrumented, so
#         TSan cannot see their synchronisation).
#   tests/distro/sanitizers.sh [asan|tsan|all]      (default: all)
# Any report fails the test it happens in (halt_on_error), and so the script.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
what=${1:-all}
supp=$root/tests/sanitizers
jobs=${SANITIZER_JOBS:-2}

timed() {
  local name=$1 t0=$SECONDS
  shift
  "$@"
  echo "sanitizers: $name: $((SECONDS - t0)) s"
}

asan() {
  local build=build/asan flags="-O1 -g1 -DNDEBUG -fsanitize=address,undefined -fno-omit-frame-pointer"
  timed "asan configure" cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DGOSSIPLAB_WARNINGS_AS_ERRORS=ON -DGOSSIPLAB_BUILD_BENCHMARKS=ON \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$flags" \
    "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" \
    "-DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=address,undefined" >/dev/null
  timed "asan build" cmake --build "$build" -j"$jobs"
  # detect_odr_violation=2: also globals of the same name and size (the old heap corruption's suspect).
  ASAN_OPTIONS="detect_leaks=1:detect_odr_violation=2:abort_on_error=1:check_initialization_order=1" \
  LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp" \
  QT_QPA_PLATFORM=offscreen \
    timed "asan ctest (all but packaging)" ctest --test-dir "$build" -LE packaging -j"$jobs" --output-on-failure
}

# The core's threaded tests: training (inbox, exchanges, invariants, lifecycle), the store and
# the experiments. Not test_store_failures: it forks without exec and records (a writer thread)
# in the child, which TSan does not support ("dup thread with used id" in the child, exit 66); its
# ASan run covers it. The runs over several processes only with TSAN_WITH_DIST=1: under TSan's
# 5-15x slowdown their heartbeat and join timeouts fail them when the machine is busy (passed on a
# quiet machine: gosgd, easgd, lifecycle, failures, records); open (issue 18): test_dist_learning
# (rank 1 ends 0.5 s into the run, "connection reset", its report not in the test's output) and
# test_dist_netns (ranks lost after 3 s without a heartbeat).
tsan_tests='^(test_merging_inbox|test_gosgd_invariants|test_easgd_invariants|test_algorithms|test_run_lifecycle|test_store_(schema|recorder|csv|queries|experiments)|test_experiment_.*)$'
if [ "${TSAN_WITH_DIST:-0}" = 1 ]; then
  tsan_tests='^(test_merging_inbox|test_gosgd_invariants|test_easgd_invariants|test_algorithms|test_run_lifecycle|test_store_(schema|recorder|csv|queries|experiments)|test_experiment_.*|test_dist_(gosgd|easgd|lifecycle|failures|records))$'
fi

tsan() {
  local build=build/tsan flags="-O1 -g1 -DNDEBUG -fsanitize=thread"
  timed "tsan configure" cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DGOSSIPLAB_WARNINGS_AS_ERRORS=ON "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$flags" \
    "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread" "-DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread" >/dev/null
  local targets
  targets=$(ctest --test-dir "$build" -N -R "$tsan_tests" | sed -n 's/^ *Test *#[0-9]*: *//p')
  [ -n "$targets" ] || { echo "sanitizers: no test matches $tsan_tests" >&2; exit 1; }
  # shellcheck disable=SC2086
  timed "tsan build" cmake --build "$build" -j"$jobs" --target gossiplab-cli $targets
  # OMP_NUM_THREADS=1: LibTorch's OpenMP pool is not instrumented; one thread keeps its work in
  # the calling thread (the suppressions cover what remains). die_after_fork=0: the tests start
  # gossiplab-cli with QProcess (fork, then exec) from a process that has threads.
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:die_after_fork=0:suppressions=$supp/tsan.supp" \
  OMP_NUM_THREADS=1 QT_QPA_PLATFORM=offscreen \
    timed "tsan ctest (train, store, experiments)" ctest --test-dir "$build" -R "$tsan_tests" -j"$jobs" \
      --output-on-failure
}

case "$what" in
  asan) asan ;;
  tsan) tsan ;;
  all) asan; tsan ;;
  *) echo "usage: tests/distro/sanitizers.sh [asan|tsan|all]" >&2; exit 2 ;;
esac
echo "sanitizers: PASS ($what)"
