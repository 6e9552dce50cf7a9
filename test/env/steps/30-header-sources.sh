#!/usr/bin/env bash
# Header source links: decompressors for RPM repository indexes (primary.xml.zst / .xz / .bz2; gzip is zlib) and
# sqlite3 for repositories that publish only primary.sqlite; rpm (rpmbuild) to make a real kernel-devel package for the
# .rpm extraction test.
set -euo pipefail
PACKAGES=(zstd xz-utils bzip2 sqlite3 rpm)
missing=()
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  flock /tmp/apt.lock apt-get update -qq
  flock /tmp/apt.lock apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
