#!/usr/bin/env bash
# Builder images for the container executor: one per Debian version the tests build for (11: gcc-10, 12: gcc-12,
# 13: gcc-14, each with the aarch64 cross compiler), made by kmodforge's own `images prepare` — on a machine that
# reaches no container registry the Debian bases come from debootstrap. Reused while Dockerfile, arguments and base
# image are unchanged.
set -euo pipefail
cd "$(dirname "$0")/../../.."
node bin/kmodforge.js images prepare --distro debian
