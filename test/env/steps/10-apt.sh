#!/usr/bin/env bash
# Debian packages only the tests use (the build tools come from scripts/setup-host.sh). dash and busybox run the node
# loader (POSIX sh only), shellcheck checks it; curl and openssl are what the loader needs on a node.
set -euo pipefail
PACKAGES=(gnupg dash busybox shellcheck curl openssl)
missing=()
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
