#!/usr/bin/env bash
# An S3-compatible server for the state-store tests: moto_server from Debian trixie's python3-moto, inside a trixie
# root made once with debootstrap and cached under $KMODFORGE_TEST_CACHE/trixie-moto. The tests start and stop
# moto themselves (chroot <root> moto_server -H 127.0.0.1 -p <port>); this step only prepares the root.
set -euo pipefail
CACHE="${KMODFORGE_TEST_CACHE:-/var/cache/kmodforge-test}"
ROOT="$CACHE/trixie-moto"
STAMP="$ROOT/.kmodforge-ready"
[ -f "$STAMP" ] && exit 0


# The mirror comes from the host's apt configuration (deb822 or one-line format), never from a hard-coded name.
source "$(dirname "$0")/../host-mirror.sh"
ensure_debootstrap
MIRROR="$(host_debian_mirror)"
[ -n "$MIRROR" ] || { echo "50-moto: no Debian mirror found in the host apt configuration" >&2; exit 1; }

rm -rf "$ROOT"
mkdir -p "$ROOT"
# debootstrap cannot resolve virtual packages (python3-cffi-backend-api-min), so it may exit non-zero here;
# `apt-get -f install` inside the root finishes the job.
debootstrap --variant=minbase \
  --include=python3-moto,python3-flask,python3-flask-cors,python3-multipart,python3-yaml \
  trixie "$ROOT" "$MIRROR" || true
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
trap 'umount "$ROOT/proc" 2>/dev/null || true' EXIT
DEBIAN_FRONTEND=noninteractive chroot "$ROOT" apt-get -f install -y -qq
chroot "$ROOT" sh -c 'command -v moto_server' >/dev/null
touch "$STAMP"
