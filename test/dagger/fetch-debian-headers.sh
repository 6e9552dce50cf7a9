#!/usr/bin/env bash
# Downloads the real bookworm header packages for one kernel ABI into $KMODFORGE_TEST_CACHE/dagger/headers-<arch>:
# the arch's linux-headers, the arch-independent -common and the HOST (amd64) kbuild, as a cross build needs.
# Usage: fetch-debian-headers.sh <abi e.g. 6.1.0-56> <amd64|arm64>. Prints the directory.
set -euo pipefail
abi=$1 darch=$2
case "$abi" in *[!0-9.-]*) echo "bad abi $abi" >&2; exit 2 ;; esac
case "$darch" in amd64|arm64) ;; *) echo "bad arch $darch" >&2; exit 2 ;; esac
C="${KMODFORGE_TEST_CACHE:-/var/cache/kmodforge-test}/dagger"
out="$C/headers-$abi-$darch"
line=${abi%%-*}; line=${line%.*}
mkdir -p "$out"
if ! ls "$out"/linux-headers-"$abi"-"$darch"_*.deb >/dev/null 2>&1; then
  A="$C/apt-$darch"; mkdir -p "$A/lists/partial" "$A/cache/archives/partial"; touch "$A/status"
  O=(-o "APT::Architecture=$darch" -o "APT::Architectures=$darch" -o "Dir::State::Lists=$A/lists"
     -o "Dir::Cache=$A/cache" -o "Dir::State::Status=$A/status")
  apt-get "${O[@]}" update >/dev/null
  (cd "$out" && apt-get "${O[@]}" download "linux-headers-$abi-$darch" "linux-headers-$abi-common" >&2)
  (cd "$out" && apt-get download "linux-kbuild-$line" >&2)
fi
echo "$out"
