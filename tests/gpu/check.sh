#!/usr/bin/env bash
# GPU check: on a machine with a CUDA GPU and a PyTorch installation (no Qt, no SQLite or Gloo
# development files needed), build the headless configuration against PyTorch's CUDA-enabled
# LibTorch, run the core's self-test on the GPU(s) and the benchmark, and print a summary.
# Each step has a time limit (seconds: CHECK_BUILD_S, CHECK_SELFTEST_S, CHECK_BENCH_S); the
# whole is meant to finish within ten minutes on a 16-core machine.
#
#   tests/gpu/check.sh [BUILD_DIR]        (default build/gpu)
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/gpu}
start=$(date +%s)
results=()
failed=0

# step NAME LIMIT_S COMMAND...: runs the command under `timeout`, prints PASS/FAIL with its time.
step() {
  local name=$1 limit=$2 t0 rc
  shift 2
  t0=$(date +%s)
  echo "== check.sh: $name (limit ${limit} s)"
  timeout --signal=TERM --kill-after=10 "$limit" "$@"
  rc=$?
  local took=$(( $(date +%s) - t0 ))
  if [ $rc -eq 0 ]; then results+=("PASS  $name (${took} s)")
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then results+=("FAIL  $name: over its ${limit} s limit"); failed=1
  else results+=("FAIL  $name: exit $rc after ${took} s"); failed=1; fi
  echo "${results[-1]}"
  return $rc
}
summary() {
  echo
  echo "== check.sh summary ($(( $(date +%s) - start )) s in all)"
  printf '%s\n' "${results[@]}"
  [ $failed -eq 0 ] && echo "check.sh: PASS" || echo "check.sh: FAIL"
}
trap summary EXIT

python=${PYTHON:-python3}
torch_prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)') || { results+=("FAIL  no PyTorch for $python"); failed=1; exit 1; }
"$python" - <<'PY'
import torch
print(f"PyTorch {torch.__version__}, CUDA {torch.version.cuda}, available: {torch.cuda.is_available()}")
for i in range(torch.cuda.device_count()):
    p = torch.cuda.get_device_properties(i)
    print(f"  cuda:{i}: {p.name}, {p.total_memory / 2**30:.0f} GiB")
PY
gpus=$("$python" -c 'import torch; print(torch.cuda.device_count())')
if [ "$gpus" -lt 1 ]; then
  results+=("FAIL  PyTorch sees no CUDA device; nothing to check"); failed=1
  exit 1
fi

# A CUDA LibTorch's CMake config looks for the CUDA toolkit: point it at nvcc.
if [ -z "${CUDACXX:-}" ]; then
  for candidate in "$(command -v nvcc || true)" /usr/local/cuda/bin/nvcc /usr/local/cuda-*/bin/nvcc; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then export CUDACXX=$candidate; break; fi
  done
fi
echo "check.sh: nvcc: ${CUDACXX:-not found (CMake may fail to find CUDA: set CUDACXX)}"
cuda_args=()
[ -n "${CUDACXX:-}" ] && cuda_args=(-DCMAKE_CUDA_COMPILER="$CUDACXX" -DCUDAToolkit_ROOT="$(dirname "$(dirname "$CUDACXX")")")

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# SQLite's and zlib's development files may be missing: CMake then uses their libraries alone.
# Gloo's headers usually are (PyTorch does not install them): runs over several processes are
# then left out, which the configure step says.
step "configure" "${CHECK_CONFIGURE_S:-180}" cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DGOSSIPLAB_WITH_QT=OFF -DGOSSIPLAB_BUILD_TESTS=OFF -DGOSSIPLAB_BUILD_BENCHMARKS=ON -DCMAKE_PREFIX_PATH="$torch_prefix" "${cuda_args[@]}" || exit 1
step "build" "${CHECK_BUILD_S:-420}" cmake --build "$build" -j"$(nproc)" --target gossiplab-cli gossiplab-bench || exit 1
"$build"/app/gossiplab-cli --version

# One GPU: several workers share it. Several GPUs: workers round-robin across them.
if [ "$gpus" -eq 1 ]; then devices=cuda:0; workers=4; else devices=cuda; workers=$(( 2 * gpus )); fi
step "selftest on $devices, $workers workers" "${CHECK_SELFTEST_S:-180}" \
  "$build"/app/gossiplab-cli selftest --devices "$devices" --workers "$workers"
step "benchmark on cuda:0" "${CHECK_BENCH_S:-300}" \
  "$build"/app/gossiplab-bench --devices cuda:0 --seconds 2 --max-workers 8 --no-memory --no-recording
exit $failed
