#!/usr/bin/env bash
# Builds dockerfiles/debian.Dockerfile for real with buildah (runc runtime) from the debootstrapped bookworm root
# imported locally as debian:bookworm. Prints the image name. Storage is private, under $KMODFORGE_TEST_CACHE.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${KMODFORGE_TEST_CACHE:-/var/cache/kmodforge-test}/dagger"
root="$CACHE/bookworm-rootfs"
[ -f "$root/.complete" ] || bash test/env/steps/60-dagger.sh >&2
store=(--root "$CACHE/containers/storage" --runroot "$CACHE/containers/run")
export TMPDIR="$CACHE/containers/tmp"; mkdir -p "$TMPDIR"
if ! podman "${store[@]}" image exists debian:bookworm; then
  tar -C "$root" --exclude=./.complete -c . | podman "${store[@]}" import - debian:bookworm >&2
fi
image=localhost/kmodforge-builder-debian:bookworm-cross
buildah "${store[@]}" bud --runtime runc --pull-never --layers \
  -f dockerfiles/debian.Dockerfile \
  --build-arg BASE_IMAGE=localhost/debian:bookworm --build-arg VERSION=bookworm \
  --build-arg GCC_MAJOR=12 --build-arg CROSS=1 \
  -t "$image" dockerfiles >&2
echo "$image"
