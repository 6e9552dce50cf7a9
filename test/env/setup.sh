#!/usr/bin/env bash
# Installs what the test suite needs on a Debian 12 machine (as root): the host setup for local builds, then each
# test step (Debian packages, prepared roots, cached downloads) under $KMODFORGE_TEST_CACHE. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive
export KMODFORGE_TEST_CACHE="${KMODFORGE_TEST_CACHE:-/var/cache/kmodforge-test}"
mkdir -p "$KMODFORGE_TEST_CACHE"

bash scripts/setup-host.sh

# Each step lives in its own file, run in name order.
for step in test/env/steps/*.sh; do
  echo "== setup: $(basename "$step")"
  bash "$step"
done
