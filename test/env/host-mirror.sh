#!/usr/bin/env bash
# Shared by the setup steps that make roots with debootstrap: installs debootstrap when missing, and prints the
# Debian mirror the host's apt uses (deb822 or one-line format), never a built-in name.
ensure_debootstrap() {
  command -v debootstrap >/dev/null && return 0
  flock /tmp/apt.lock apt-get install -y -qq --no-install-recommends debootstrap \
    || { flock /tmp/apt.lock apt-get update -qq && flock /tmp/apt.lock apt-get install -y -qq --no-install-recommends debootstrap; }
}

host_debian_mirror() {
  { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' || true
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' || true; } \
    | grep -v -- '-security' | head -n1
}
