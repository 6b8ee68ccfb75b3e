# Helpers of the soak scripts (bench/soak.sh, bench/soak_dist.sh); sourced, not run.

# The rows a history holds (run_points + worker_points), read while a run writes it; 0 before the
# file exists, "?" when it cannot be read.
soak_rows() {
  [ -n "$1" ] && [ -f "$1" ] || { echo 0; return; }
  sqlite3 -readonly "$1" "select (select count(*) from run_points) + (select count(*) from worker_points)" 2>/dev/null || echo "?"
}

# A process's resident memory in kB (0 once it is gone).
soak_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
