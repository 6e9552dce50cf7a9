#!/usr/bin/env bash
# Debian packages the tests use. Other steps append their own needs in their own files.
set -euo pipefail
PACKAGES=(
  ca-certificates curl gnupg gpgv debian-archive-keyring xz-utils zstd binutils file
  make gcc bc libelf-dev libssl-dev kmod dwarves cpio rpm2cpio
  gcc-aarch64-linux-gnu
)
missing=()
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
