#!/usr/bin/env bash
# Real DKMS packages from Debian's archive, for the module-package tests: each `<name>-dkms` package is downloaded
# with apt-get download (the host's own apt sources) and its usr/src/<name>-<version>/ tree extracted under
# $KMODFORGE_TEST_CACHE/dkms/. <package>.path names the extracted tree (relative to that directory). Idempotent: a
# package is fetched again only when the archive's candidate version changed.
set -euo pipefail
export KMODFORGE_TEST_CACHE="${KMODFORGE_TEST_CACHE:-/var/cache/kmodforge-test}"
DKMS="$KMODFORGE_TEST_CACHE/dkms"
PACKAGES=(v4l2loopback-dkms acpi-call-dkms falcosecurity-scap-dkms openvpn-dco-dkms jool-dkms lttng-modules-dkms)
mkdir -p "$DKMS"
for pkg in "${PACKAGES[@]}"; do
  version=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    flock /tmp/apt.lock apt-get update -qq
    version=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
  fi
  [ -n "$version" ] && [ "$version" != "(none)" ] || { echo "45-dkms-sources: $pkg is not in the archive" >&2; exit 1; }
  if [ -f "$DKMS/$pkg.version" ] && [ "$(cat "$DKMS/$pkg.version")" = "$version" ] \
    && [ -d "$DKMS/$(cat "$DKMS/$pkg.path")" ]; then
    continue
  fi
  tmp=$(mktemp -d)
  # apt-get download as root hands the download to the _apt user, which must be able to write the directory.
  chmod 0777 "$tmp"
  (cd "$tmp" && apt-get download -q "$pkg=$version")
  dpkg-deb -x "$tmp"/*.deb "$tmp/x"
  tree=$(cd "$tmp/x/usr/src" && ls -d */ | head -n 1)
  tree=${tree%/}
  rm -rf "${DKMS:?}/$tree"
  mv "$tmp/x/usr/src/$tree" "$DKMS/$tree"
  printf '%s\n' "$tree" > "$DKMS/$pkg.path"
  printf '%s\n' "$version" > "$DKMS/$pkg.version"
  rm -rf "$tmp"
  echo "45-dkms-sources: $pkg $version -> $DKMS/$tree"
done
