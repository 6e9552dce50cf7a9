#!/usr/bin/env bash
# Prepares a Debian or Ubuntu host (as root) to run kmodforge: npm packages, the tools a module build, its
# verification and packaging use on this host, and podman + runc + debootstrap for builds in builder images
# (`--executor auto` uses them for kernels whose compiler this host lacks). Idempotent: a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
  ca-certificates curl gnupg gpgv debian-archive-keyring xz-utils zstd binutils file
  make gcc bc flex bison libelf-dev libssl-dev kmod dwarves cpio rpm2cpio
  gcc-aarch64-linux-gnu patch util-linux
  podman runc debootstrap uidmap
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node 22 LTS (package.json `engines`; content-type@3 under Octokit needs it). When the host's node is older, the
# official Linux build is taken from the npm registry, where it is published as node-linux-<arch> (the per-platform
# binaries behind the `node` package): exact version, checked by npm against the registry's integrity and here
# against the pinned SHA-512, unpacked under /usr/local/lib and linked as /usr/local/bin/node, which comes before
# /usr/bin in PATH. The distribution's node stays installed and untouched.
NODE_VERSION=22.23.5
declare -A NODE_SHA512=(
  [x64]=de3842fb07285b1299c5c46a176b144a5d1cf47117167babfe7b883f1e8ee8258a5748ce516426ec7b70e52b97aaa94c084862d1c26ac9b14f11be6185c06233
  [arm64]=7b52ce506295aee3c6b8b56eb67f3e0a09b9a48d403e6e0abe1fb36dbfea7bf6690fdb3e4d06f2e6252064e5a63e96d22a98f44ddf033f53743449d76ac1e2ce
)
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  local before
  before="$(node_major)"
  [ "$before" -ge 22 ] && return 0
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) echo "setup-host: no Node $NODE_VERSION build for $(uname -m); install Node 22 yourself" >&2; exit 1 ;;
  esac
  # npm fetches the build; a host without any node gets Debian's (older) node and npm for that one step.
  if ! command -v npm >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nodejs npm
  fi
  local dir="/usr/local/lib/nodejs-$NODE_VERSION"
  if [ ! -x "$dir/bin/node" ]; then
    echo "setup-host: node ${before} is older than 22; installing Node $NODE_VERSION from the npm registry" >&2
    local tmp tgz
    tmp="$(mktemp -d)"
    tgz="$tmp/node-linux-$arch-$NODE_VERSION.tgz"
    npm pack --silent --pack-destination "$tmp" "node-linux-$arch@$NODE_VERSION" >/dev/null
    echo "${NODE_SHA512[$arch]}  $tgz" | sha512sum --check --quiet
    rm -rf "$dir.partial"
    mkdir -p "$dir.partial"
    tar -xzf "$tgz" -C "$dir.partial" --strip-components=1 --no-same-owner
    rm -rf "$tmp"
    mv "$dir.partial" "$dir"
  fi
  mkdir -p /usr/local/bin
  ln -sfn "$dir/bin/node" /usr/local/bin/node
  hash -r
  if [ "$(node_major)" -lt 22 ]; then
    echo "setup-host: installed $dir, but \`node\` on PATH is still $(command -v node) ($(node -v));" \
      "put /usr/local/bin before $(dirname "$(command -v node)") in PATH" >&2
    exit 1
  fi
  echo "setup-host: using Node $(node -v) (/usr/local/bin/node -> $dir/bin/node)." \
    "A shell that already ran node may need \`hash -r\`." >&2
}
ensure_node

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
