# kmodforge builder for Ubuntu kernels. GA kernels use the release's default gcc; HWE kernels were built with a
# newer gcc from the same archive (e.g. 22.04 HWE 6.5+ with gcc-12), chosen by GCC_MAJOR from targets/ubuntu.yaml.
#
# Base image pinning: pass BASE_IMAGE=ubuntu:<version>@sha256:<digest> (targets builderImage). Refresh with
# `crane digest ubuntu:22.04` or `docker buildx imagetools inspect ubuntu:22.04`.
ARG VERSION=22.04
ARG BASE_IMAGE=ubuntu:${VERSION}
FROM ${BASE_IMAGE}
ARG GCC_MAJOR=11
ARG CROSS=0
ENV DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
RUN set -eu; \
    pkgs="gcc-${GCC_MAJOR} make bc binutils libelf1 libssl-dev kmod xz-utils zstd dwarves file cpio ca-certificates"; \
    if [ "$CROSS" = 1 ]; then pkgs="$pkgs gcc-${GCC_MAJOR}-aarch64-linux-gnu binutils-aarch64-linux-gnu"; fi; \
    apt-get update; \
    apt-get install -y --no-install-recommends $pkgs; \
    ln -sf "gcc-${GCC_MAJOR}" /usr/bin/gcc; \
    if [ "$CROSS" = 1 ]; then ln -sf "aarch64-linux-gnu-gcc-${GCC_MAJOR}" /usr/bin/aarch64-linux-gnu-gcc; fi; \
    rm -rf /var/lib/apt/lists/*
WORKDIR /work
