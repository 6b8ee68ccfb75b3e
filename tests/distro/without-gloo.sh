#!/usr/bin/env bash
# The configuration of a GPU server whose LibTorch has no Gloo headers (PyTorch's own builds):
# headless, runs over several processes left out. Builds it (preset headless-nogloo) and checks
# that it trains in one process and refuses a run over several processes with a clear message.
#   tests/distro/without-gloo.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake --preset headless-nogloo >/dev/null
cmake --build --preset headless-nogloo --target gossiplab-cli
cli=build/headless-nogloo/app/gossiplab-cli
fail() { echo "without-gloo: FAIL: $*" >&2; exit 1; }

# (Not `tee /dev/stderr`: where stderr is a log file, tee would reopen and truncate it.)
version=$("$cli" --version)
echo "$version"
grep -q "runs over several processes: not in this build" <<<"$version" ||
  fail "--version does not say that runs over several processes are left out"

set +e
out=$("$cli" run --world 2 --rank 0 --master 127.0.0.1:29999 --dataset synthetic --model mlp --images 640 --no-record 2>&1)
rc=$?
set -e
echo "$out"
[ $rc -eq 2 ] || fail "run --world 2 exited $rc, expected 2 (invalid settings)"
grep -q "world" <<<"$out" && grep -q "no multi-process support" <<<"$out" ||
  fail "run --world 2 does not name the field and the reason"

"$cli" run --dataset synthetic --model mlp --workers 2 --images 3200 --no-record --quiet ||
  fail "a run in one process did not finish"
echo "without-gloo: PASS"
