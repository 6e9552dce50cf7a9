#!/usr/bin/env bash
# Runs the build inside the real Debian builder image (podman + runc) the way the Dagger pipeline does: scripts at
# /kmodforge/scripts, packages at /work/pkgs, module source at /work/src, objects in /work/build, then the
# pipeline's own collect-and-package script (passed in) writing facts and .ko.xz to /work/out.
# Usage: run-in-builder.sh <image> <pkg-dir> <module-src> <out-dir> <arch> <kernel-release> <collect-script>
set -euo pipefail
cd "$(dirname "$0")/../.."
image=$1 pkgs=$2 src=$3 out=$4 arch=$5 release=$6 collect=$7
CACHE="${KMODFORGE_TEST_CACHE:-/var/cache/kmodforge-test}/dagger"
store=(--root "$CACHE/containers/storage" --runroot "$CACHE/containers/run")
mkdir -p "$out/build" "$out/out"
files=()
for f in "$pkgs"/*.deb; do files+=("/work/pkgs/$(basename "$f")"); done
podman "${store[@]}" run --rm --runtime runc --network=none \
  --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \
  -v "$PWD/scripts:/kmodforge/scripts:ro" -v "$pkgs:/work/pkgs:ro" -v "$src:/work/src:ro" \
  -v "$out/build:/work/build" -v "$out/out:/work/out" --tmpfs /work/headers:rw,size=1g \
  --env KREL="$release" --env KARCH="$arch" --env COLLECT="$collect" \
  "$image" sh -c 'set -e
    sh /kmodforge/scripts/extract-headers.sh /work/headers "$@"
    sh /kmodforge/scripts/compile-module.sh "/work/headers/usr/src/linux-headers-$KREL" /work/src /work/build "$KARCH"
    sh -c "$COLLECT" collect /work/build /work/out "/work/headers/usr/src/linux-headers-$KREL"' \
  sh "${files[@]}" 2>&1
