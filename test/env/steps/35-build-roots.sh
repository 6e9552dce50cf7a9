#!/usr/bin/env bash
# Toolchain roots for kernels whose compiler this host lacks: a bullseye root with gcc-10 (Debian 11's 5.10
# kernels) and a trixie root with gcc-14 (Debian 13's kernels). The local executor compiles inside them with
# chroot, exactly as a builder container of that suite would. Made once with debootstrap, cached.
set -euo pipefail
CACHE="${KMODFORGE_TEST_CACHE:-/var/cache/kmodforge-test}"
mkdir -p "$CACHE/roots"

# The mirror comes from the host's apt configuration, never from a built-in name.
source "$(dirname "$0")/../host-mirror.sh"
ensure_debootstrap
MIRROR="$(host_debian_mirror)"
[ -n "$MIRROR" ] || { echo "35-build-roots: no Debian mirror in the host apt configuration" >&2; exit 1; }

make_root() {
  local suite=$1 include=$2 root="$CACHE/roots/$1-build"
  [ -f "$root/.kmodforge-ready" ] && return 0
  rm -rf "$root"
  debootstrap --variant=minbase --include="$include" "$suite" "$root" "$MIRROR"
  touch "$root/.kmodforge-ready"
}

make_root bullseye gcc-10,make,libc6-dev,libelf1,bc,binutils
make_root trixie gcc-14,make,libc6-dev,libelf1t64,bc,binutils,dwarves
