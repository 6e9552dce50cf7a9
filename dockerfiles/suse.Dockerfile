# kmodforge builder for openSUSE Leap and SUSE Linux Enterprise kernels (BASE_IMAGE opensuse/leap:<v> or SUSE's
# public base image registry.suse.com/suse/sle15:<v>; VERSION 15.3 … 15.6). SLE 15 kernels are built with the
# system gcc 7; a GCC_MAJOR other than the system gcc's installs the versioned gcc<N> package, whose `gcc-<N>` the
# compile step picks for a kernel whose CONFIG_CC_VERSION_TEXT names that major. aarch64 builds run natively
# (kernel-default-devel ships target-arch host tools).
#
# Base image pinning: pass BASE_IMAGE=opensuse/leap:<version>@sha256:<digest>. Refresh with
# `crane digest opensuse/leap:15.6`.
ARG VERSION=15.6
ARG BASE_IMAGE=opensuse/leap:${VERSION}
FROM ${BASE_IMAGE}
ARG GCC_MAJOR=7
ARG CROSS=0
RUN set -eu; \
    zypper --non-interactive refresh; \
    zypper --non-interactive install --no-recommends \
      gcc make bc binutils libelf-devel libopenssl-devel openssl kmod xz zstd rpm cpio file diffutils findutils \
      perl tar gzip; \
    system_major=$(gcc -dumpversion | cut -d. -f1); \
    if [ "$GCC_MAJOR" != "$system_major" ]; then zypper --non-interactive install --no-recommends "gcc${GCC_MAJOR}"; fi; \
    zypper --non-interactive install --no-recommends dwarves || true; \
    zypper clean --all
WORKDIR /work
