# kmodforge builder for CentOS Stream, AlmaLinux and Rocky Linux (one family, VERSION 8/9/10 and the distribution
# image as BASE_IMAGE). EL kernels are built with the release's system gcc; aarch64 builds run natively.
#
# Base image pinning: pass BASE_IMAGE=<image>@sha256:<digest>, e.g. quay.io/centos/centos:stream9,
# almalinux:9, rockylinux:9. Refresh with `crane digest almalinux:9`.
ARG VERSION=9
ARG BASE_IMAGE=almalinux:${VERSION}
FROM ${BASE_IMAGE}
ARG GCC_MAJOR=11
ARG CROSS=0
RUN dnf -y --setopt=install_weak_deps=False install \
      gcc make bc binutils elfutils-libelf-devel openssl openssl-devel kmod xz zstd rpm cpio file \
      diffutils findutils perl-interpreter \
 && (dnf -y install dwarves || dnf -y --enablerepo=powertools,crb install dwarves || true) \
 && dnf clean all
WORKDIR /work
