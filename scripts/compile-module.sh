#!/bin/sh
# Compiles an out-of-tree module against a kernel headers tree with the compiler the kernel was built with.
# Usage: compile-module.sh <headers-tree> <module-source-dir> <out-dir> <x86_64|aarch64>
# Environment: KMODFORGE_CC (force a compiler), KMODFORGE_ALLOW_CC_MISMATCH=1 (accept another major version).
# Exit codes: 2 usage, 3 bad tree, 6 no matching compiler, 7 compile failed.
set -eu

if [ "$#" -ne 4 ]; then
  echo "usage: compile-module.sh <headers-tree> <module-source-dir> <out-dir> <x86_64|aarch64>" >&2
  exit 2
fi
tree=$1 src=$2 out=$3 arch=$4
conf="$tree/include/config/auto.conf"
[ -f "$conf" ] || { echo "compile-module: $conf is missing: $tree is not a prepared kernel headers tree" >&2; exit 3; }
[ -d "$src" ] || { echo "compile-module: module source $src is not a directory" >&2; exit 2; }

case "$arch" in
  x86_64) karch=x86 triplet=x86_64-linux-gnu- ;;
  aarch64) karch=arm64 triplet=aarch64-linux-gnu- ;;
  *) echo "compile-module: unknown arch $arch" >&2; exit 2 ;;
esac
case "$(uname -m)" in
  "$arch") cross="" ;;
  *) cross=$triplet ;;
esac

conf_value() { sed -n "s/^$1=\"\{0,1\}\([^\"]*\)\"\{0,1\}$/\1/p" "$conf" | head -n 1; }
cc_text=$(conf_value CONFIG_CC_VERSION_TEXT)
is_clang=$(conf_value CONFIG_CC_IS_CLANG)
if [ "$is_clang" = "y" ]; then
  want_major=$(( $(conf_value CONFIG_CLANG_VERSION) / 10000 ))
else
  want_major=$(( $(conf_value CONFIG_GCC_VERSION) / 10000 ))
fi

major_of() { "$1" -dumpversion 2>/dev/null | cut -d. -f1; }

# Candidates in order: an explicit choice, the binary the kernel names (with the cross prefix swapped in), the
# versioned name, then the plain one.
pick_compiler() {
  if [ -n "${KMODFORGE_CC:-}" ]; then echo "$KMODFORGE_CC"; return; fi
  if [ "$is_clang" = "y" ]; then echo clang; return; fi
  named=${cc_text%% *}
  base=${named#x86_64-linux-gnu-}
  base=${base#aarch64-linux-gnu-}
  for c in "$cross$base" "${cross}gcc-$want_major" "$named" "gcc-$want_major" "${cross}gcc"; do
    if command -v "$c" >/dev/null 2>&1 && [ "$(major_of "$c")" = "$want_major" ]; then echo "$c"; return; fi
  done
  for c in "$cross$base" "${cross}gcc-$want_major" "${cross}gcc"; do
    if command -v "$c" >/dev/null 2>&1; then echo "$c"; return; fi
  done
  echo ""
}
cc=$(pick_compiler)
if [ -z "$cc" ]; then
  echo "compile-module: no compiler found for this kernel: it was built with \"$cc_text\" (major $want_major); install it or run in that distribution's builder" >&2
  exit 6
fi
have_major=$(major_of "$cc")
if [ "$have_major" != "$want_major" ] && [ "${KMODFORGE_ALLOW_CC_MISMATCH:-0}" != "1" ]; then
  echo "compile-module: compiler mismatch: the kernel was built with \"$cc_text\" (major $want_major) but the best available is $cc (major ${have_major:-unknown}); refusing (set KMODFORGE_ALLOW_CC_MISMATCH=1 to override)" >&2
  exit 6
fi

if [ -f "$tree/vmlinux" ] && grep -q '^CONFIG_DEBUG_INFO_BTF_MODULES=y' "$conf" && ! command -v pahole >/dev/null 2>&1; then
  echo "compile-module: this kernel generates module BTF (the tree ships vmlinux) but pahole is not installed (package dwarves)" >&2
  exit 6
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
build="$out/build"
rm -rf "$build"
mkdir -p "$build"
cp -R "$src"/. "$build"/
"$cc" --version 2>/dev/null | head -n 1 > "$out/compiler.txt"
printf '%s\n' "$cc_text" > "$out/kernel-compiler.txt"

set -- -C "$tree" M="$build" ARCH="$karch" CC="$cc"
[ -n "$cross" ] && set -- "$@" CROSS_COMPILE="$cross"
[ "$is_clang" = "y" ] && set -- "$@" LLVM=1
echo "+ make $* modules" > "$out/build.log"
if ! make "$@" modules >> "$out/build.log" 2>&1; then
  echo "compile-module: make failed; last lines of $out/build.log:" >&2
  tail -n 40 "$out/build.log" >&2
  exit 7
fi
found=0
for ko in "$build"/*.ko; do
  [ -f "$ko" ] || continue
  cp "$ko" "$out/"
  found=1
done
[ "$found" = 1 ] || { echo "compile-module: make succeeded but produced no .ko; see $out/build.log" >&2; exit 7; }
