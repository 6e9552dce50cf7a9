#!/bin/sh
# Signs (optionally) and compresses a built module for publishing. Signing happens before compression, because the
# kernel checks the signature of the decompressed module; xz uses CRC32 checks, the only kind the in-kernel
# decompressor has always accepted.
# Usage: package-module.sh <module.ko> <dest.ko.xz> [<sign-file> <hash-algo> <key> <cert>]
set -eu

if [ "$#" -ne 2 ] && [ "$#" -ne 6 ]; then
  echo "usage: package-module.sh <module.ko> <dest.ko.xz> [<sign-file> <hash-algo> <key> <cert>]" >&2
  exit 2
fi
ko=$1 dest=$2
[ -f "$ko" ] || { echo "package-module: no module at $ko" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$ko" "$work/module.ko"
if [ "$#" -eq 6 ]; then
  signfile=$3 hash=$4 key=$5 cert=$6
  "$signfile" "$hash" "$key" "$cert" "$work/module.ko" || { echo "package-module: sign-file failed" >&2; exit 5; }
  tail -c 28 "$work/module.ko" | grep -q '~Module signature appended~' \
    || { echo "package-module: signature trailer missing after signing" >&2; exit 5; }
fi
xz --check=crc32 -6 --stdout "$work/module.ko" > "$work/module.ko.xz"
mv "$work/module.ko.xz" "$dest"
if [ "$#" -eq 6 ]; then cp "$work/module.ko" "${dest%.xz}.signed"; fi
