# Helpers of the soak scripts (bench/soak.sh, bench/soak_dist.sh); sourced, not run.

# The rows a history holds (run_points + worker_points), read while a run writes it; 0 before the
# file exists, "?" when it cannot be read.
soak_rows() {
  [ -n "$1" ] && [ -f "$1" ] || { echo 0; return; }
  sqlite3 -readonly "$1" "select (select count(*) from run_points) + (select count(*) from worker_points)" 2>/dev/null || echo "?"
}

# A process's resident memory in kB (0 once it is gone).
soak_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# Major page faults of process $1 so far (/proc/PID/stat field 12): code or data read back from
# disk. A GUI stall longer than any event the app handled, in a minute with major faults, is the
# machine's paging (e.g. a DAMON pageout scheme dropping idle library pages), not the app's work.
soak_majflt() { awk '{print $12}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Steal time of the whole machine so far, in ms (/proc/stat's cpu line, 8th value, in USER_HZ
# ticks): time a virtual machine's CPUs were runnable but run by the host for someone else.
soak_steal_ms() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / {print int($9 * 1000 / hz)}' /proc/stat; }
