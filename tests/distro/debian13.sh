#!/usr/bin/env bash
# The whole suite on Debian 13 (trixie: LibTorch 2.6, Qt 6.8), from this machine (root).
#
#   tests/distro/debian13.sh            make (once) a trixie root with debootstrap, clone this
#                                       repository's HEAD into it, run the README's test command
#                                       (./lab test) inside, report
#
# The root is kept between runs (GOSSIPLAB_TRIXIE_ROOT, default /var/cache/gossiplab/trixie): the
# packages and the compiler cache inside it make the second run much quicker. Delete the folder
# to start from nothing. Only Debian's archive is needed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
root=${GOSSIPLAB_TRIXIE_ROOT:-/var/cache/gossiplab/trixie}
mirror=${GOSSIPLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ "$(id -u)" -ne 0 ]; then
  echo "debian13: needs root (debootstrap, chroot, mounts); skipped" >&2
  exit 77
fi
step() { printf '\n== debian13: %s (%s)\n' "$1" "$(date +%T)"; }
t0=$SECONDS

if ! command -v debootstrap >/dev/null; then
  step "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
fi

if [ ! -x "$root/usr/bin/apt-get" ] || [ ! -f "$root/.gossiplab-complete" ]; then
  step "debootstrap trixie into $root"
  rm -rf "$root"
  mkdir -p "$root"
  debootstrap --variant=minbase --include=git,ca-certificates trixie "$root" "$mirror"
  touch "$root/.gossiplab-complete"
fi

mounted=()
cleanup() {
  local m
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
bind() {  # bind SRC DEST-INSIDE-ROOT
  mkdir -p "$root$2"
  mount --bind "$1" "$root$2"
  mounted+=("$root$2")
}
mkdir -p "$root/proc" "$root/sys"
mount -t proc proc "$root/proc"; mounted+=("$root/proc")
bind /sys /sys
bind /dev /dev
bind /dev/pts /dev/pts
mkdir -p "$root/dev/shm"
mount -t tmpfs shm "$root/dev/shm"; mounted+=("$root/dev/shm")
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

step "cloning $(git -C "$repo" rev-parse --short HEAD) into the root"
rm -rf "$root/src/gossiplab"
mkdir -p "$root/src"
git clone -q --no-hardlinks "$repo" "$root/src/gossiplab"

step "./lab test inside trixie"
set +e
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb \
  bash -c 'cd /src/gossiplab && apt-get update -q >/dev/null && ./lab test'
rc=$?
set -e
versions=$(chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' libtorch-dev qt6-base-dev libqcustomplot-dev 2>/dev/null | tr '\n' ';')
step "done in $((SECONDS - t0)) s: ${versions}"
if [ $rc -eq 0 ]; then echo "debian13: PASS"; else echo "debian13: FAIL (./lab test exited $rc)"; fi
exit $rc
