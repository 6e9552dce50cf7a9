#!/usr/bin/env bash
# Prepares a Debian or Ubuntu host (as root) to run kmodforge's local executor: npm packages plus the tools a
# module build, its verification and packaging use. Idempotent: a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
  ca-certificates curl gnupg gpgv debian-archive-keyring xz-utils zstd binutils file
  make gcc bc flex bison libelf-dev libssl-dev kmod dwarves cpio rpm2cpio
  gcc-aarch64-linux-gnu
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
