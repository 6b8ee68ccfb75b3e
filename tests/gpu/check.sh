#!/usr/bin/env bash
# GPU check: on a machine with a CUDA GPU and a PyTorch installation (no Qt needed, and no SQLite
# development files needed), build the headless configuration against PyTorch's CUDA-enabled
# LibTorch, run the core's self-test on the GPU(s) and the benchmark, and print the table.
# Meant to finish within eight minutes on a 16-core machine.
#
#   tests/gpu/check.sh [BUILD_DIR]        (default build/gpu)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/gpu}
start=$(date +%s)

python=${PYTHON:-python3}
torch_prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')
"$python" - <<'PY'
import torch
print(f"PyTorch {torch.__version__}, CUDA {torch.version.cuda}, available: {torch.cuda.is_available()}")
for i in range(torch.cuda.device_count()):
    print(f"  cuda:{i}: {torch.cuda.get_device_name(i)}")
PY
gpus=$("$python" -c 'import torch; print(torch.cuda.device_count())')
if [ "$gpus" -lt 1 ]; then
  echo "check.sh: PyTorch sees no CUDA device; nothing to check" >&2
  exit 1
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# SQLite's development files may be missing on a GPU server: CMake then builds the run history
# against SQLite's library alone (see GOSSIPLAB_SQLITE_DECLARATIONS in CMakeLists.txt).
cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DGOSSIPLAB_WITH_QT=OFF \
  -DGOSSIPLAB_BUILD_TESTS=OFF -DCMAKE_PREFIX_PATH="$torch_prefix"
cmake --build "$build" -j"$(nproc)" --target gossiplab-cli gossiplab-bench
echo "check.sh: built in $(( $(date +%s) - start )) s"

# One GPU: several workers share it. Several GPUs: workers round-robin across them.
if [ "$gpus" -eq 1 ]; then devices=cuda:0; workers=4; else devices=cuda; workers=$(( 2 * gpus )); fi
"$build"/app/gossiplab-cli selftest --devices "$devices" --workers "$workers"
"$build"/app/gossiplab-bench --devices cuda:0 --seconds 2 --max-workers 8 --no-memory
echo "check.sh: done in $(( $(date +%s) - start )) s"
