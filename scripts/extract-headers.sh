#!/bin/sh
# Extracts kernel header packages (.deb and .rpm) into one tree, without the package database, and makes the tree
# usable wherever it is unpacked.
# Usage: extract-headers.sh <dest-root> <package-file>...
set -eu

if [ "$#" -lt 2 ]; then
  echo "usage: extract-headers.sh <dest-root> <package-file>..." >&2
  exit 2
fi
dest=$1
shift
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

for pkg in "$@"; do
  [ -f "$pkg" ] || { echo "extract-headers: no such package file: $pkg" >&2; exit 2; }
  abs=$(cd "$(dirname "$pkg")" && pwd)/$(basename "$pkg")
  case "$pkg" in
    *.deb)
      work=$(mktemp -d)
      (cd "$work" && ar x "$abs")
      data=$(ls "$work"/data.tar* 2>/dev/null | head -n 1)
      [ -n "$data" ] || { echo "extract-headers: $pkg has no data member" >&2; rm -rf "$work"; exit 3; }
      # GNU tar recognises gzip, xz and zstd payloads by itself.
      tar -xf "$data" -C "$dest"
      rm -rf "$work"
      ;;
    *.rpm)
      rpm2cpio "$abs" | (cd "$dest" && cpio -idm --quiet --no-absolute-filenames)
      ;;
    *)
      echo "extract-headers: $pkg is neither .deb nor .rpm" >&2
      exit 2
      ;;
  esac
done

# Debian's arch headers Makefile includes the -common tree by absolute path, and newer ones (7.x) also name their
# own directory as KBUILD_OUTPUT=/usr/src/<dir>, which the kernel's Makefile requires to exist. Point both at this
# tree (the sibling directory; the Makefile's own directory, fixed with := before the include changes
# MAKEFILE_LIST), so the tree works wherever it was extracted.
for mk in "$dest"/usr/src/linux-headers-*/Makefile; do
  [ -f "$mk" ] || continue
  if grep -q '^KBUILD_OUTPUT *:*= */usr/src/' "$mk"; then
    sed -i 's#^KBUILD_OUTPUT *:*= */usr/src/.*$#KBUILD_OUTPUT := $(patsubst %/,%,$(dir $(realpath $(lastword $(MAKEFILE_LIST)))))#' "$mk"
  fi
  if grep -q '^include /usr/src/' "$mk"; then
    sed -i 's#^include /usr/src/\(.*\)$#include $(dir $(realpath $(lastword $(MAKEFILE_LIST))))../\1#' "$mk"
  fi
done
