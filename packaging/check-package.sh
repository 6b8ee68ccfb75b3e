#!/usr/bin/env bash
# Builds the .deb from a configured and built tree, checks it with lintian and appstreamcli,
# installs it with apt-get, runs what it installed, removes it, and checks that nothing of it is
# left in /usr. Needs root (or password-less sudo) to install; exits 77 (skipped) otherwise.
#   packaging/check-package.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:?usage: check-package.sh BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then sudo="sudo -n"; else echo "check-package: needs root or sudo to install; skipped"; exit 77; fi
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== cpack"
(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/gossiplab_*.deb)
echo "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"
dpkg-deb --field "$deb" Package Version Depends Recommends
# The optimised BLAS is a dependency (LibTorch would use the reference one otherwise).
dpkg-deb --field "$deb" Depends | grep -q 'libopenblas0-openmp' || { echo "check-package: Depends lacks libopenblas0-openmp"; exit 1; }
dpkg-deb --contents "$deb" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$' > "$work/files"

echo "== lintian"
lintian --tag-display-limit 0 --suppress-tags-from-file "$src/packaging/lintian-overrides.txt" "$deb" | tee "$work/lintian" || true
if grep -q '^E:' "$work/lintian"; then echo "check-package: lintian reports errors"; exit 1; fi

echo "== appstreamcli validate"
metainfo=$(mktemp -d)/org.gossiplab.GossipLab.metainfo.xml
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/metainfo/org.gossiplab.GossipLab.metainfo.xml > "$metainfo"
appstreamcli validate --no-net --pedantic "$metainfo" || { echo "check-package: metainfo is not valid"; exit 1; }

echo "== install"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" >"$work/install.log" 2>&1 \
  || { cat "$work/install.log"; exit 1; }
status=0
{
  /usr/bin/gossiplab-cli --version
  XDG_DATA_HOME="$work/xdg" timeout 120 /usr/bin/gossiplab-cli run --preset quick --seconds 10 --quiet | tail -n 12
  QT_QPA_PLATFORM=offscreen timeout 60 /usr/bin/gossiplab --version
  test -f /usr/share/man/man1/gossiplab-cli.1.gz
} || status=$?

echo "== remove"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q gossiplab >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; exit 1; }
left=0
while read -r f; do
  if [ -e "$f" ]; then echo "left behind: $f"; left=1; fi
done < "$work/files"
[ "$left" -eq 0 ] && echo "nothing of the package is left in /usr"
if [ "$status" -ne 0 ]; then echo "check-package: running the installed programs failed"; exit 1; fi
exit "$left"
