#!/usr/bin/env bash
# Installs what the test suite needs on a Debian 12 machine (as root): npm packages, Debian packages, and the
# prepared roots and servers under $KMODFORGE_TEST_CACHE. Every step is idempotent, so a second run is fast.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive
export KMODFORGE_TEST_CACHE="${KMODFORGE_TEST_CACHE:-/var/cache/kmodforge-test}"
mkdir -p "$KMODFORGE_TEST_CACHE"

npm ci --no-audit --no-fund

# Each step lives in its own file, run in name order: 10-apt.sh, 20-…
for step in test/env/steps/*.sh; do
  echo "== setup: $(basename "$step")"
  bash "$step"
done
