#!/usr/bin/env bash
# Prints the Debian mirror the host's apt uses (deb822 or one-line format), never a built-in name. Sourced by the
# setup steps that make roots with debootstrap.
host_debian_mirror() {
  { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' || true
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' || true; } \
    | grep -v -- '-security' | head -n1
}
