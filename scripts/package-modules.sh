#!/bin/sh
# Signs (optionally) and compresses every module a compile step left in <work>/modules/ into <work>/packaged/.
# Signing happens before compression, because the kernel checks the signature of the decompressed module; xz uses
# CRC32 checks, the only kind the in-kernel decompressor has always accepted.
# Usage: package-modules.sh <work> [<sign-file> <hash-algo> <key> <cert>]
# Exit codes: 2 usage, 5 signing failed.
set -eu

if [ "$#" -ne 1 ] && [ "$#" -ne 5 ]; then
  echo "usage: package-modules.sh <work> [<sign-file> <hash-algo> <key> <cert>]" >&2
  exit 2
fi
work=$1
[ -d "$work/modules" ] || { echo "package-modules: $work/modules does not exist; run the compile step first" >&2; exit 2; }
rm -rf "$work/packaged"
mkdir -p "$work/packaged"
for ko in "$work"/modules/*.ko; do
  [ -f "$ko" ] || continue
  name=$(basename "$ko")
  tmp="$work/packaged/.$name"
  cp "$ko" "$tmp"
  if [ "$#" -eq 5 ]; then
    "$2" "$3" "$4" "$5" "$tmp" || { echo "package-modules: sign-file failed for $name" >&2; exit 5; }
    tail -c 28 "$tmp" | grep -q '~Module signature appended~' \
      || { echo "package-modules: signature trailer missing after signing $name" >&2; exit 5; }
    cp "$tmp" "$work/packaged/$name.signed"
  fi
  xz --check=crc32 -6 --stdout "$tmp" > "$work/packaged/$name.xz.part"
  mv "$work/packaged/$name.xz.part" "$work/packaged/$name.xz"
  rm -f "$tmp"
done
