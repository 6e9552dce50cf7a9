#!/usr/bin/env bash
# Headless Chromium for the report's page tests (test/report/browser.test.ts): Debian's own package, driven by
# playwright-core with this executable; no browser download. Fonts so screenshots show text.
set -euo pipefail
PACKAGES=(chromium fonts-dejavu-core)
missing=()
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
/usr/bin/chromium --version >/dev/null 2>&1 || { echo "70-browser: /usr/bin/chromium does not start" >&2; exit 1; }
