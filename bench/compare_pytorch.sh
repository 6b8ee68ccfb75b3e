#!/usr/bin/env bash
# GossipLab against the same training loop in plain PyTorch (Python), side by side in one run:
# LeNet on Fashion-MNIST, batch 64, lr 0.01, max(1, cores/M) threads per worker, naive and GoSGD
# p = 0.02 for M = 1, 2 and 4. Each cell alternates the two programs over two rounds and keeps
# the best of each. Needs python3-torch (./lab bench installs it).
#   bench/compare_pytorch.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build/release}
seconds=${2:-6}
py=${PYTHON:-/usr/bin/python3}  # Debian's, with python3-torch
cli=$build/app/gossiplab-cli
[ -x "$cli" ] || { echo "compare_pytorch: $cli not built (./lab build release)" >&2; exit 2; }
"$py" -c 'import torch' 2>/dev/null || { echo "compare_pytorch: python3-torch is missing (apt-get install python3-torch)" >&2; exit 2; }

gossiplab_rate() {  # M ALGORITHM P
  "$cli" run --workers "$1" --algorithm "$2" --p "$3" --batch-size 64 --lr 0.01 --seconds "$seconds" \
    --eval-max-images 256 --no-record --quiet 2>/dev/null |
    sed -n 's/.*images .*(\([0-9,.]*\) img\/s.*/\1/p' | tr -d ,
}
python_rate() {  # M P
  "$py" "$here/pytorch_loop.py" --workers "$1" --p "$2" --batch-size 64 --lr 0.01 --seconds "$seconds"
}
best() { printf '%s\n' "$@" | sort -g | tail -1; }

echo "GossipLab vs plain PyTorch (Python $("$py" -c 'import torch; print(torch.__version__)')), $(nproc) cores, ${seconds} s per run, best of 2"
printf '%-3s %-14s %14s %14s %8s\n' M algorithm "GossipLab" "PyTorch-Py" ratio
for m in 1 2 4; do
  for cell in "naive 0" "gosgd 0.02"; do
    set -- $cell
    algorithm=$1 p=$2
    [ "$m" = 1 ] && [ "$algorithm" = gosgd ] && continue
    g1=$(gossiplab_rate "$m" "$algorithm" "$p"); y1=$(python_rate "$m" "$p")
    y2=$(python_rate "$m" "$p"); g2=$(gossiplab_rate "$m" "$algorithm" "$p")
    g=$(best "$g1" "$g2"); y=$(best "$y1" "$y2")
    label=$algorithm; [ "$algorithm" = gosgd ] && label="gosgd p=$p"
    printf '%-3s %-14s %14.0f %14.0f %7.2fx\n' "$m" "$label" "$g" "$y" "$(echo "$g / $y" | bc -l)"
  done
done
