# kmodforge builder for Fedora kernels: the release's gcc (Fedora kernels are built with it), kbuild
# prerequisites, pahole for BTF and rpm2cpio/cpio to unpack kernel-devel. No cross toolchain with host-arch kbuild
# exists here, so aarch64 builds run in a linux/arm64 container.
#
# Base image pinning: pass BASE_IMAGE=fedora:<version>@sha256:<digest>. Refresh with `crane digest fedora:41`.
ARG VERSION=41
ARG BASE_IMAGE=fedora:${VERSION}
FROM ${BASE_IMAGE}
ARG GCC_MAJOR=14
ARG CROSS=0
RUN dnf -y --setopt=install_weak_deps=False install \
      gcc make bc binutils elfutils-libelf-devel openssl openssl-devel kmod xz zstd dwarves rpm cpio file \
      diffutils findutils perl-interpreter \
 && dnf clean all
WORKDIR /work
