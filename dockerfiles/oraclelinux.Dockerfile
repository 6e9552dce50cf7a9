# kmodforge builder for Oracle Linux kernels, RHCK and UEK, on Oracle's own base image (VERSION 8/9). RHCK and most
# UEK lines are built with the release's system gcc; newer UEK lines are built with a gcc-toolset (UEK 8 on OL9:
# gcc-toolset-14), so a GCC_MAJOR other than the system gcc's installs that toolset and puts it first on PATH, where
# the compile step finds it as `gcc`. Which compiler a kernel needs is read from its own CONFIG_CC_VERSION_TEXT at
# compile time; GCC_MAJOR (targets/oraclelinux.yaml compiler.lines) only decides what the image carries.
# aarch64 builds run natively (kernel-uek-devel ships target-arch host tools).
#
# Base image pinning: pass BASE_IMAGE=oraclelinux:<version>@sha256:<digest>. Refresh with
# `crane digest oraclelinux:9`.
ARG VERSION=9
ARG BASE_IMAGE=oraclelinux:${VERSION}
FROM ${BASE_IMAGE}
ARG GCC_MAJOR=11
ARG CROSS=0
RUN set -eu; \
    dnf -y --setopt=install_weak_deps=False install \
      gcc make bc binutils elfutils-libelf-devel openssl openssl-devel kmod xz zstd rpm cpio file diffutils \
      findutils perl-interpreter tar; \
    system_major=$(gcc -dumpversion | cut -d. -f1); \
    if [ "$GCC_MAJOR" != "$system_major" ]; then \
      dnf -y --setopt=install_weak_deps=False install "gcc-toolset-${GCC_MAJOR}-gcc" "gcc-toolset-${GCC_MAJOR}-binutils"; \
    fi; \
    release=$(rpm -E %rhel); \
    dnf -y install dwarves || dnf -y --enablerepo="ol${release}_codeready_builder" install dwarves || true; \
    dnf clean all
# Empty unless GCC_MAJOR named a toolset: then its gcc, as and ld come first.
ENV PATH=/opt/rh/gcc-toolset-${GCC_MAJOR}/root/usr/bin:${PATH}
WORKDIR /work
