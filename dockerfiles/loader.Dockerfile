# The node loader image (docs/examples/kmodforge-loader-daemonset.yaml): POSIX sh plus what the loader calls — curl,
# sha256sum, xz, awk/sed, kmod (insmod, modprobe, depmod) and openssl for signed indexes. No Node.
#
# Base image pinning: pass BASE_IMAGE=debian:12-slim@sha256:<digest>.
ARG BASE_IMAGE=debian:12-slim
FROM ${BASE_IMAGE}
ENV DEBIAN_FRONTEND=noninteractive
RUN set -eu; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl xz-utils kmod openssl; \
    rm -rf /var/lib/apt/lists/*
COPY scripts/kmodforge-loader.sh /usr/local/bin/kmodforge-loader
ENTRYPOINT ["kmodforge-loader"]
