# kmodforge builder for Amazon Linux. AL2 ships gcc 7 by default but its 5.10 and 5.15 kernels are built with
# gcc10 (package gcc10, binary gcc10-gcc), so GCC_MAJOR=10 installs it and makes it `gcc`. AL2023 uses its
# default gcc (11). aarch64 builds run natively.
#
# Base image pinning: pass BASE_IMAGE=amazonlinux:<version>@sha256:<digest>. Refresh with
# `crane digest amazonlinux:2`.
ARG VERSION=2023
ARG BASE_IMAGE=amazonlinux:${VERSION}
FROM ${BASE_IMAGE}
ARG GCC_MAJOR=11
ARG CROSS=0
RUN set -eu; \
    if command -v dnf >/dev/null; then pm=dnf; else pm=yum; fi; \
    pkgs="gcc make bc binutils elfutils-libelf-devel openssl openssl-devel kmod xz rpm cpio file diffutils findutils tar"; \
    if [ "$GCC_MAJOR" = 10 ]; then pkgs="$pkgs gcc10 gcc10-binutils"; fi; \
    $pm -y install $pkgs; \
    $pm -y install dwarves || true; \
    if [ "$GCC_MAJOR" = 10 ]; then ln -sf /usr/bin/gcc10-gcc /usr/local/bin/gcc; fi; \
    $pm clean all
WORKDIR /work
