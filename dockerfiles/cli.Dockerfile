# The kmodforge CLI image: Node plus what the TypeScript steps call out to — apt and gpgv for signed Debian/Ubuntu
# metadata, binutils (ar) / tar / xz / zstd / rpm2cpio / cpio to extract header packages, openssl to check module
# signatures. The Dagger functions run `kmodforge headers`, `seal`, `resolve` and the sweep commands in it; builds on a
# laptop or CI host run the same commands in the host's own Node.
#
# Base image pinning: pass BASE_IMAGE=node:22-bookworm-slim@sha256:<digest>. Refresh with
# `crane digest node:22-bookworm-slim`.
ARG BASE_IMAGE=node:22-bookworm-slim
FROM ${BASE_IMAGE}
ENV DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
RUN set -eu; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates gpgv debian-archive-keyring binutils xz-utils zstd \
      rpm2cpio cpio openssl file; \
    rm -rf /var/lib/apt/lists/*
WORKDIR /kmodforge
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin bin
COPY src src
COPY scripts scripts
COPY targets targets
COPY kernel-module kernel-module
COPY tsconfig.json ./
ENTRYPOINT ["node", "/kmodforge/bin/kmodforge.js"]
