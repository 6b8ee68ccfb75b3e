#!/usr/bin/env bash
# Soak of a run over several processes: 2 processes of gossiplab-cli on loopback (rank 0
# recording into a history in a temporary folder, rank 1 beside it), each with WORKERS GoSGD
# workers at p = P, for a budget in seconds, with a run token. Every INTERVAL seconds it samples
# both processes' resident memory (VmRSS) and the history's row count (run_points +
# worker_points, read with sqlite3 -readonly while rank 0 writes), and at the end checks:
#   - both processes end with the run finished (exit 0) and the history passes integrity_check;
#   - resident memory flat within 5% after the first five minutes, for each process;
#   - every sample recorded: the row count grows between consecutive samples while the run goes.
#   bench/soak_dist.sh [SECONDS] [BUILD_DIR]     defaults: 1800, build/ci
#   INTERVAL=60 WORKERS=2 P=0.2 bench/soak_dist.sh 300 build/ci
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/soak_common.sh
seconds=${1:-1800}
build=${2:-build/ci}
interval=${INTERVAL:-60}
workers=${WORKERS:-2}
p=${P:-0.2}
cli=$build/app/gossiplab-cli
[ -x "$cli" ] || { echo "soak_dist: $cli is missing (cmake --build $build --target gossiplab-cli)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "soak_dist: sqlite3 is missing (Debian: sqlite3)" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
db=$work/history.sqlite3
common=(--world 2 --master "127.0.0.1:$port" --bind 127.0.0.1 --token "soak-$RANDOM$RANDOM" --workers "$workers"
        --dataset synthetic --model mlp --quiet)
"$cli" run "${common[@]}" --rank 0 --algorithm gosgd --p "$p" --seconds "$seconds" --metrics-every 20 --db "$db" \
  >"$work/rank0.log" 2>&1 &
pids+=($!)
"$cli" run "${common[@]}" --rank 1 --no-record >"$work/rank1.log" 2>&1 &
pids+=($!)


echo "soak_dist: 2 processes x $workers GoSGD workers (p = $p) on loopback for $seconds s, a sample every $interval s"
printf '%8s %14s %14s %10s\n' "t (s)" "rank 0 RSS MB" "rank 1 RSS MB" "rows"
samples=()
start=$SECONDS
while kill -0 "${pids[0]}" 2>/dev/null && [ $((SECONDS - start)) -lt $((seconds + 120)) ]; do
  sleep "$interval"
  kill -0 "${pids[0]}" 2>/dev/null || break
  t=$((SECONDS - start)); r0=$(soak_rss_kb "${pids[0]}"); r1=$(soak_rss_kb "${pids[1]}"); n=$(soak_rows "$db")
  printf '%8d %14d %14d %10s\n' "$t" $((r0 / 1024)) $((r1 / 1024)) "$n"
  samples+=("$t $r0 $r1 $n")
done
rc0=0; rc1=0
wait "${pids[0]}" || rc0=$?
wait "${pids[1]}" || rc1=$?
pids=()
tail -3 "$work/rank0.log"
echo "soak_dist: exit codes rank 0 $rc0, rank 1 $rc1; history integrity: $(sqlite3 -readonly "$db" 'pragma integrity_check' 2>&1)"
echo "soak_dist: rows at the end: $(soak_rows "$db"); run status: $(sqlite3 -readonly "$db" 'select status from runs' 2>&1 | tr '\n' ' ')"
printf '%s\n' "${samples[@]}" | awk -v budget="$seconds" '
  { t[NR] = $1; a[NR] = $2; b[NR] = $3; rows[NR] = $4 }
  function flat(name, lo, hi) {
    if (lo > 0) printf "soak_dist: %s RSS after 5 min: %.0f to %.0f MB (%.1f%%): %s\n", name, lo / 1024, hi / 1024,
                       100 * (hi - lo) / lo, (hi - lo) <= 0.05 * lo ? "flat" : "NOT flat"
  }
  END {
    lo0 = lo1 = -1; hi0 = hi1 = 0; grew = 1
    for (i = 1; i <= NR; i++) {
      if (t[i] >= 300) {
        if (lo0 < 0 || a[i] < lo0) lo0 = a[i]; if (a[i] > hi0) hi0 = a[i]
        if (lo1 < 0 || b[i] < lo1) lo1 = b[i]; if (b[i] > hi1) hi1 = b[i]
      }
      if (i > 1 && t[i] <= budget && rows[i] + 0 <= rows[i - 1] + 0) grew = 0
    }
    if (lo0 < 0) print "soak_dist: shorter than 5 minutes: no memory figure after the first five minutes"
    flat("rank 0", lo0, hi0); flat("rank 1", lo1, hi1)
    print "soak_dist: rows grew at every sample during the run: " (grew ? "yes" : "NO")
  }'
[ "$rc0" -eq 0 ] && [ "$rc1" -eq 0 ]
