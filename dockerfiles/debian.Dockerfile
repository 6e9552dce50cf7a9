# kmodforge builder for Debian kernels: kbuild prerequisites plus the gcc major the kernel line was built with,
# and (CROSS=1) the aarch64 cross gcc so arm64 modules build on an x86_64 engine with host-arch kbuild tools.
#
# Base image pinning: pass BASE_IMAGE with a digest (targets/debian.yaml builderImage, e.g.
# debian:bookworm@sha256:<digest>). Refresh a digest with `crane digest debian:bookworm` or
# `docker buildx imagetools inspect debian:bookworm`. Without a digest the tag is used, which is also how the
# test suite builds this file from a locally imported debootstrap root named debian:bookworm.
ARG VERSION=bookworm
ARG BASE_IMAGE=debian:${VERSION}
FROM ${BASE_IMAGE}
ARG GCC_MAJOR=12
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
