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
mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
[ -n "$mirror" ] || mirror="$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null)"

root="$CACHE/bookworm-rootfs"
if [ ! -f "$root/.complete" ]; then
  rm -rf "$root"
  debootstrap --variant=minbase bookworm "$root" "$mirror"
  touch "$root/.complete"
fi
echo "bookworm root: $root (mirror $mirror)"
