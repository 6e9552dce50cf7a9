#!/bin/sh
# Runs a command in the build environment DKMS gives a package: /lib/modules/<kernel>/build and .../source lead to
# the kernel headers tree and `uname -r` answers the target kernel, so a Makefile that finds the kernel through
# KVER, KERNELRELEASE, KERNEL_SRC ?= /lib/modules/$(uname -r)/build and the like finds the one being built for.
# Usage: dkms-env.sh <disposable-root|private-mounts> <kernel release> <kernel build dir> <work> -- <command> [arg…]
#   disposable-root  the root file system belongs to this build (a builder container): /lib/modules is written
#   private-mounts   this host: the command runs in a private mount namespace (unshare) whose /lib/modules is a
#                    fresh tmpfs — or, where the host has no /lib/modules, an overlay of its parent directory whose
#                    writable layer is a tmpfs — so nothing is ever written into the host's own /lib or /lib/modules
# Exit codes: 2 usage, 3 the environment cannot be set up; otherwise the command's own.
set -eu

usage() {
  echo "usage: dkms-env.sh <disposable-root|private-mounts> <kernel release> <kernel build dir> <work> -- <command> [arg…]" >&2
  exit 2
}
[ "$#" -ge 6 ] && [ "$5" = "--" ] || usage
mode=$1 kver=$2 kdir=$3 work=$4
shift 5
case "$kver" in
  "" | *[!A-Za-z0-9._+~-]* | *..*) echo "dkms-env: unsafe kernel release $kver" >&2; exit 2 ;;
esac
[ -d "$kdir" ] || { echo "dkms-env: kernel build directory $kdir does not exist" >&2; exit 3; }
mkdir -p "$work"
work=$(cd "$work" && pwd)
script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

case "$mode" in
  private-mounts)
    # Enter a mount namespace of our own, then continue below as its root.
    if [ "$(id -u)" = 0 ]; then
      set -- unshare --mount --propagation private -- sh "$script" in-private-mounts "$kver" "$kdir" "$work" -- "$@"
    else
      set -- unshare --user --map-root-user --mount --propagation private -- sh "$script" in-private-mounts "$kver" "$kdir" "$work" -- "$@"
    fi
    exec "$@"
    ;;
  in-private-mounts)
    if [ -d /lib/modules ]; then
      mount -t tmpfs -o mode=0755 kmodforge-modules /lib/modules \
        || { echo "dkms-env: cannot mount a private /lib/modules" >&2; exit 3; }
    else
      parent=$(readlink -f /lib)
      layer="$work/.dkms-root"
      mkdir -p "$layer"
      mount -t tmpfs -o mode=0755 kmodforge-layer "$layer" \
        && mkdir -p "$layer/upper" "$layer/work" \
        && mount -t overlay kmodforge-lib -o "lowerdir=$parent,upperdir=$layer/upper,workdir=$layer/work" "$parent" \
        || { echo "dkms-env: cannot overlay $parent to give the build a /lib/modules" >&2; exit 3; }
    fi
    ;;
  disposable-root) ;;
  *) usage ;;
esac

mkdir -p "/lib/modules/$kver"
for link in build source; do
  rm -rf "/lib/modules/$kver/$link"
  ln -s "$kdir" "/lib/modules/$kver/$link"
done

# `uname -r` answers the kernel being built for; every other question goes to the real uname (kbuild asks -m).
real_uname=$(command -v uname)
shim="$work/.dkms-env/bin"
mkdir -p "$shim"
cat > "$shim/uname" <<EOF
#!/bin/sh
if [ "\$#" = 1 ] && [ "\$1" = "-r" ]; then echo '$kver'; exit 0; fi
exec '$real_uname' "\$@"
EOF
chmod 0755 "$shim/uname"
PATH="$shim:$PATH"
export PATH
exec "$@"
