#!/usr/bin/env bash
# Load tests in a real kernel: QEMU (software emulation, both arches), static busybox for the initramfs, and the
# toolchain to build the sample module natively and for arm64. Kernel images and header packages are fetched by
# the tests themselves into $KMODFORGE_TEST_CACHE/boot (private apt state, never the system's), so this step
# only pre-warms that cache; a second run is fast.
set -euo pipefail
cd "$(dirname "$0")/../../.."
export KMODFORGE_TEST_CACHE="${KMODFORGE_TEST_CACHE:-/var/cache/kmodforge-test}"
PACKAGES=(
  qemu-system-x86 qemu-system-arm busybox-static cpio
  make gcc bc libelf-dev libssl-dev kmod dwarves xz-utils gcc-aarch64-linux-gnu
)
missing=()
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  flock /tmp/apt.lock apt-get update -qq
  flock /tmp/apt.lock apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
mkdir -p "$KMODFORGE_TEST_CACHE/boot"
# Pre-fetch the kernel images, busybox builds and header packages the boot tests use (≈ 70 MB per image, cached).
npx tsx test/boot/support/prefetch.ts
