#!/bin/sh
# Compiles an out-of-tree module package against a kernel headers tree with the compiler the kernel was built with.
# Usage: compile-module.sh <headers-tree> <module-source-dir> <out-dir> <x86_64|aarch64>
#        compile-module.sh --probe <headers-tree> <x86_64|aarch64>   (prints the compiler it would use; builds nothing)
# Output in <out-dir>: build/ (the module tree as built), modules/<name>.ko (every module the build produced),
# modules.list (each module's path relative to build/), compiler.txt, kernel-compiler.txt, build.log.
# Environment: KMODFORGE_CC (force a compiler), KMODFORGE_ALLOW_CC_MISMATCH=1 (accept another major version).
# Exit codes: 2 usage, 3 bad tree, 6 no matching compiler, 7 compile failed.
set -eu

probe=0
if [ "${1:-}" = "--probe" ]; then
  probe=1
  shift
  [ "$#" -eq 2 ] || { echo "usage: compile-module.sh --probe <headers-tree> <x86_64|aarch64>" >&2; exit 2; }
  tree=$1 src="" out="" arch=$2
elif [ "$#" -eq 4 ]; then
  tree=$1 src=$2 out=$3 arch=$4
else
  echo "usage: compile-module.sh <headers-tree> <module-source-dir> <out-dir> <x86_64|aarch64>" >&2
  exit 2
fi
conf="$tree/include/config/auto.conf"
[ -f "$conf" ] || { echo "compile-module: $conf is missing: $tree is not a prepared kernel headers tree" >&2; exit 3; }
[ "$probe" = 1 ] || [ -d "$src" ] || { echo "compile-module: module source $src is not a directory" >&2; exit 2; }

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
gcc_version=$(conf_value CONFIG_GCC_VERSION)
if [ "$is_clang" = "y" ]; then
  want_major=$(( $(conf_value CONFIG_CLANG_VERSION) / 10000 ))
elif [ -n "$gcc_version" ]; then
  want_major=$(( gcc_version / 10000 ))
else
  # Kernels before 4.18 (CentOS 7, Ubuntu 18.04 GA, UEK R5) record no compiler in Kconfig; the generated compile.h
  # names the one that built them: "gcc version 7.5.0 (Ubuntu 7.5.0-3ubuntu1~18.04)".
  cc_text=$(sed -n 's/^#define LINUX_COMPILER "\(.*\)"$/\1/p' "$tree/include/generated/compile.h" 2>/dev/null | head -n 1)
  want_major=$(printf '%s\n' "$cc_text" | sed -n 's/^gcc version \([0-9][0-9]*\)\..*/\1/p')
  [ -n "$want_major" ] || { echo "compile-module: $tree records no compiler (no CONFIG_GCC_VERSION, no gcc in include/generated/compile.h)" >&2; exit 3; }
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
  echo "compile-module: no compiler found for this kernel: it was built with \"$cc_text\" (major $want_major); install ${cross}gcc-$want_major or build in that distribution's builder (--executor container)" >&2
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
if [ "$probe" = 1 ]; then
  printf '%s\t%s\n' "$cc" "$("$cc" --version 2>/dev/null | head -n 1)"
  exit 0
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
  echo "compile-module: make failed; last lines of the build log:" >&2
  tail -n 40 "$out/build.log" >&2
  exit 7
fi
# Every module the build produced, wherever in the tree Kbuild put it.
mkdir -p "$out/modules"
: > "$out/modules.list"
(cd "$build" && find . -name '*.ko' -type f | sed 's#^\./##' | LC_ALL=C sort) > "$out/.modules"
while IFS= read -r rel; do
  name=$(basename "$rel")
  if [ -e "$out/modules/$name" ]; then
    echo "compile-module: two modules are named $name (one of them is $rel); module names must be unique" >&2
    exit 7
  fi
  cp "$build/$rel" "$out/modules/$name"
  printf '%s\n' "$rel" >> "$out/modules.list"
done < "$out/.modules"
rm -f "$out/.modules"
[ -s "$out/modules.list" ] || { echo "compile-module: make succeeded but produced no .ko; see the build log" >&2; exit 7; }
