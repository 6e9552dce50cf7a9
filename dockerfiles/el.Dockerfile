# kmodforge builder for CentOS (Linux 7/8, Stream 8/9/10), AlmaLinux and Rocky Linux (one family, VERSION 7…10 and
# the distribution image as BASE_IMAGE). EL kernels are built with the release's system gcc; aarch64 builds run
# natively. CentOS 7 and 8 are past their end of life: their mirror lists are gone, so the image's repositories are
# pointed at vault.centos.org, which keeps their trees; CentOS 7 has yum, not dnf.
#
# Base image pinning: pass BASE_IMAGE=<image>@sha256:<digest>, e.g. quay.io/centos/centos:stream9,
# almalinux:9, rockylinux:9. Refresh with `crane digest almalinux:9`.
ARG VERSION=9
ARG BASE_IMAGE=almalinux:${VERSION}
FROM ${BASE_IMAGE}
ARG GCC_MAJOR=11
ARG CROSS=0
RUN set -eu; \
    for f in /etc/yum.repos.d/CentOS-*.repo; do \
      [ -f "$f" ] && grep -q '^mirrorlist=http://mirrorlist.centos.org' "$f" || continue; \
      sed -i -e 's/^mirrorlist=/#mirrorlist=/' -e 's|^#\?baseurl=http://mirror.centos.org|baseurl=https://vault.centos.org|' "$f"; \
    done; \
    if command -v dnf >/dev/null; then pm="dnf --setopt=install_weak_deps=False"; else pm=yum; fi; \
    $pm -y install gcc make bc binutils elfutils-libelf-devel openssl openssl-devel kmod xz rpm cpio file \
      diffutils findutils; \
    $pm -y install perl-interpreter || $pm -y install perl; \
    $pm -y install zstd || true; \
    $pm -y install dwarves || $pm -y --enablerepo=powertools,crb install dwarves || true; \
    $pm clean all
WORKDIR /work
