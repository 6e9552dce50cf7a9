#!/bin/sh
# kmodforge-loader.sh: loads the kmodforge-built module package for the kernel this machine runs.
#
# POSIX sh only (dash, busybox sh, bash --posix); needs curl (network mode), sha256sum, xz or unxz, awk, sed and
# insmod/modprobe; openssl only to verify a signed index. docs/service.md describes it. Exit codes (the same as
# LOADER_EXIT_CODES in src/core/service/loader-exit-codes.ts):
#    0 loaded (or already loaded)             7 the build failed (reason, log URL and retry-after are printed)
#    1 unexpected                             8 the kernel refused a module (insmod/modprobe failed)
#    2 usage or configuration error          10 a tool is missing or failed (curl, xz, sha256sum …)
#    3 identity unknown or refused           11 the index signature does not verify: nothing is loaded
#    5 checksum mismatch: nothing is loaded  13 the service is unreachable or answered something unexpected
#                                            14 no build finished within the time limit
set -u

# EXIT_UNEXPECTED is what a command that fails in an unforeseen way exits with on its own; named for the list.
# shellcheck disable=SC2034
EXIT_LOADED=0 EXIT_UNEXPECTED=1 EXIT_USAGE=2 EXIT_IDENTITY=3 EXIT_CHECKSUM=5 EXIT_BUILD_FAILED=7 EXIT_LOAD=8
EXIT_TOOL=10 EXIT_SIGNATURE=11 EXIT_SERVICE=13 EXIT_TIMEOUT=14

SERVICE=${KMODFORGE_SERVICE_URL:-}
TOKEN_FILE=${KMODFORGE_TOKEN_FILE:-}
DRIVER_VERSION=${KMODFORGE_DRIVER_VERSION:-}
PUBLIC_KEY=${KMODFORGE_PUBLIC_KEY:-}
CACHE_DIR=${KMODFORGE_CACHE_DIR:-/var/cache/kmodforge}
TIMEOUT=${KMODFORGE_TIMEOUT:-900}
MODE=${KMODFORGE_LOAD_MODE:-insmod}
ROOT=${KMODFORGE_ROOT:-}
KERNEL=${KMODFORGE_KERNEL:-}
DISTRO=${KMODFORGE_DISTRO:-}
DISTRO_VERSION=${KMODFORGE_DISTRO_VERSION:-}
ARCH=${KMODFORGE_ARCH:-}
# The programs that load modules: the ones on PATH unless named (busybox sh runs its own applets before PATH; a
# path with a slash is always the file).
INSMOD=${KMODFORGE_INSMOD:-insmod}
MODPROBE=${KMODFORGE_MODPROBE:-modprobe}
RMMOD=${KMODFORGE_RMMOD:-rmmod}
DEPMOD=${KMODFORGE_DEPMOD:-depmod}
FROM_DIR=
DRY_RUN=0

say() { printf 'kmodforge-loader: %s\n' "$*" >&2; }
die() { code=$1; shift; say "$*"; exit "$code"; }

usage() {
  cat <<'EOF'
Usage: kmodforge-loader.sh [options]
Loads the module package built for this kernel: asks the build service (a prebuilt artifact is answered at once,
a missing one is built), downloads it, verifies every SHA-256 (and the index signature with --public-key),
decompresses and loads each module in the order the artifact lists them.

  --service URL          build service (KMODFORGE_SERVICE_URL)
  --token-file FILE      bearer token for the service (KMODFORGE_TOKEN_FILE, or the token in KMODFORGE_TOKEN)
  --driver-version V     driver version to load (KMODFORGE_DRIVER_VERSION; default: the service's)
  --public-key PEM       ed25519 public key: refuse an index whose signature does not verify (KMODFORGE_PUBLIC_KEY)
  --from-dir DIR         load an artifact directory already on disk (no network): verify, decompress, load
  --cache-dir DIR        where verified artifacts are kept (KMODFORGE_CACHE_DIR, default /var/cache/kmodforge)
  --timeout SECONDS      longest wait for an on-demand build (KMODFORGE_TIMEOUT, default 900)
  --mode insmod|modprobe insmod the files, or install under /lib/modules/<kernel>/updates/kmodforge and modprobe
  --root DIR             host root when run in a container (KMODFORGE_ROOT): /etc/os-release, /lib/modules
  --kernel R --distro D --distro-version V --arch A   identity overrides (default: uname -r, os-release, uname -m)
  --dry-run              download and verify, do not load
Environment: KMODFORGE_INSMOD, KMODFORGE_MODPROBE, KMODFORGE_RMMOD, KMODFORGE_DEPMOD name the programs used
(default: insmod, modprobe, rmmod, depmod; under busybox sh its applets).
EOF
}

while [ $# -gt 0 ]; do
  opt=$1
  case $opt in
    -h | --help) usage; exit 0 ;;
    --dry-run) DRY_RUN=1; shift; continue ;;
  esac
  [ $# -ge 2 ] || die "$EXIT_USAGE" "$opt needs a value (--help lists the options)"
  case $opt in
    --service) SERVICE=$2 ;;
    --token-file) TOKEN_FILE=$2 ;;
    --driver-version) DRIVER_VERSION=$2 ;;
    --public-key) PUBLIC_KEY=$2 ;;
    --from-dir) FROM_DIR=$2 ;;
    --cache-dir) CACHE_DIR=$2 ;;
    --timeout) TIMEOUT=$2 ;;
    --mode) MODE=$2 ;;
    --root) ROOT=$2 ;;
    --kernel) KERNEL=$2 ;;
    --distro) DISTRO=$2 ;;
    --distro-version) DISTRO_VERSION=$2 ;;
    --arch) ARCH=$2 ;;
    *) die "$EXIT_USAGE" "unknown option $opt (--help lists the options)" ;;
  esac
  shift 2
done

# --- checks on values that reach paths, URLs and JSON -------------------------------------------------------------

# token VALUE: letters, digits and ._+~- only, not starting with a punctuation character, no "..".
is_token() {
  case $1 in '' | *[!A-Za-z0-9._+~-]* | [!A-Za-z0-9]* | *..*) return 1 ;; esac
  return 0
}
is_file_name() {
  case $1 in '' | *[!A-Za-z0-9._-]* | [!A-Za-z0-9]* | *..*) return 1 ;; esac
  return 0
}
is_sha256() {
  case $1 in *[!0-9a-f]*) return 1 ;; esac
  [ ${#1} -eq 64 ]
}
is_url() {
  case $1 in http://* | https://*) ;; *) return 1 ;; esac
  case $1 in *[![:graph:]]* | *[\"\'\\\`]*) return 1 ;; esac
  return 0
}
is_number() {
  case $1 in '' | *[!0-9]*) return 1 ;; esac
  return 0
}

need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "$EXIT_TOOL" "$tool is not installed"
  done
}

case $MODE in insmod | modprobe) ;; *) die "$EXIT_USAGE" "--mode must be insmod or modprobe" ;; esac
is_number "$TIMEOUT" || die "$EXIT_USAGE" "--timeout must be a number of seconds"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kmodforge-loader.XXXXXX") || die "$EXIT_TOOL" "mktemp failed"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# --- verify, decompress, load: the part that also runs with --from-dir (no network) -------------------------------

# modules_of DIR: "name file" per module, in the order metadata.json lists them (its modules array).
modules_of() {
  awk '
    /^  "modules": \[/ { inside = 1; next }
    inside && /^  \]/ { inside = 0 }
    inside && /^      "name": "/ { v = $0; sub(/^      "name": "/, "", v); sub(/",?$/, "", v); name = v }
    inside && /^      "file": "/ { v = $0; sub(/^      "file": "/, "", v); sub(/",?$/, "", v); print name, v }
  ' "$1/metadata.json"
}

decompress() { # SRC DEST
  if command -v xz >/dev/null 2>&1; then xz -dc -- "$1" >"$2"
  elif command -v unxz >/dev/null 2>&1; then unxz -c -- "$1" >"$2"
  else die "$EXIT_TOOL" "xz (or unxz) is not installed"
  fi
}

listed() { # DIR FILE: SHA256SUMS has a line for FILE
  awk -v f="$2" 'length($1) == 64 && $2 == f { found = 1 } END { exit !found }' "$1/SHA256SUMS"
}

# verify_dir DIR: every module the metadata lists, and metadata.json, match SHA256SUMS; SHA256SUMS matches itself.
verify_dir() {
  [ -f "$1/metadata.json" ] && [ -f "$1/SHA256SUMS" ] ||
    die "$EXIT_USAGE" "$1 is not an artifact directory (metadata.json and SHA256SUMS expected)"
  modules_of "$1" >"$WORK/modules" || die "$EXIT_TOOL" "awk failed"
  [ -s "$WORK/modules" ] || die "$EXIT_USAGE" "$1/metadata.json lists no modules"
  while read -r name file; do
    case $name in '' | *[!A-Za-z0-9_-]*) die "$EXIT_CHECKSUM" "metadata.json names a module '$name'" ;; esac
    is_file_name "$file" || die "$EXIT_CHECKSUM" "metadata.json names a module file '$file'"
    listed "$1" "$file" || die "$EXIT_CHECKSUM" "SHA256SUMS does not list $file"
  done <"$WORK/modules"
  listed "$1" metadata.json || die "$EXIT_CHECKSUM" "SHA256SUMS does not list metadata.json"
  (cd "$1" && sha256sum -c SHA256SUMS >"$WORK/sums.out" 2>&1) ||
    die "$EXIT_CHECKSUM" "checksum mismatch in $1: $(grep -v ': OK$' "$WORK/sums.out" | tr '\n' ' ')"
}

loaded_now=
unload_loaded() {
  for m in $loaded_now; do "$RMMOD" "$m" >/dev/null 2>&1 || say "could not unload $m"; done
}

load_module() { # NAME KO
  if [ "$MODE" = modprobe ] && [ -n "$ROOT" ]; then
    out=$("$MODPROBE" -d "$ROOT" "$1" 2>&1)
  elif [ "$MODE" = modprobe ]; then
    out=$("$MODPROBE" "$1" 2>&1)
  else
    out=$("$INSMOD" "$2" 2>&1)
  fi
  rc=$?
  if [ $rc -eq 0 ]; then
    loaded_now="$1 $loaded_now"
    say "loaded $1"
    return 0
  fi
  case $out in *"File exists"* | *"already"*) say "$1 is already loaded"; return 0 ;; esac
  say "the kernel refused $1 (rc $rc): $out"
  unload_loaded
  exit "$EXIT_LOAD"
}

install_for_modprobe() { # NAME KO
  dest="$ROOT/lib/modules/$KERNEL/updates/kmodforge"
  mkdir -p "$dest" && cp "$2" "$dest/$1.ko" || die "$EXIT_TOOL" "could not install $1 into $dest"
}

# load_dir DIR: verify, decompress each module beside the artifact, then load them in order.
load_dir() {
  verify_dir "$1"
  while read -r name file; do
    case $file in
      *.ko.xz) decompress "$1/$file" "$WORK/$name.ko" || die "$EXIT_TOOL" "could not decompress $file" ;;
      *.ko) cp "$1/$file" "$WORK/$name.ko" ;;
      *) die "$EXIT_USAGE" "$file is neither .ko nor .ko.xz" ;;
    esac
  done <"$WORK/modules"
  if [ "$DRY_RUN" = 1 ]; then
    say "verified $1 (dry run: nothing loaded)"
    return 0
  fi
  if [ "$MODE" = modprobe ]; then
    [ -n "$KERNEL" ] || KERNEL=$(uname -r)
    while read -r name file; do install_for_modprobe "$name" "$WORK/$name.ko"; done <"$WORK/modules"
    if [ -n "$ROOT" ]; then "$DEPMOD" -b "$ROOT" "$KERNEL"; else "$DEPMOD" "$KERNEL"; fi ||
      die "$EXIT_TOOL" "depmod failed"
  fi
  while read -r name file; do load_module "$name" "$WORK/$name.ko"; done <"$WORK/modules"
}

if [ -n "$FROM_DIR" ]; then
  need sha256sum awk
  load_dir "$FROM_DIR"
  exit "$EXIT_LOADED"
fi

# --- identity ------------------------------------------------------------------------------------------------------

os_release_field() { # FIELD: its value from os-release, unquoted (the file is read, never sourced)
  for f in "$ROOT/etc/os-release" "$ROOT/usr/lib/os-release"; do
    if [ -r "$f" ]; then
      sed -n "s/^$1=//p" "$f" | head -n 1 | sed "s/^[\"']//; s/[\"']\$//"
      return 0
    fi
  done
}

[ -n "$KERNEL" ] || KERNEL=$(uname -r)
[ -n "$ARCH" ] || ARCH=$(uname -m)
[ -n "$DISTRO" ] || DISTRO=$(os_release_field ID)
[ -n "$DISTRO_VERSION" ] || DISTRO_VERSION=$(os_release_field VERSION_ID)
for pair in "kernel:$KERNEL" "distro:$DISTRO" "distro-version:$DISTRO_VERSION" "arch:$ARCH"; do
  is_token "${pair#*:}" || die "$EXIT_IDENTITY" "${pair%%:*} '${pair#*:}' is missing or has characters outside [A-Za-z0-9._+~-]"
done
if [ -n "$DRIVER_VERSION" ]; then
  is_token "$DRIVER_VERSION" || die "$EXIT_USAGE" "--driver-version has characters outside [A-Za-z0-9._+~-]"
fi

# --- the service ---------------------------------------------------------------------------------------------------

[ -n "$SERVICE" ] || die "$EXIT_USAGE" "no service: pass --service URL or set KMODFORGE_SERVICE_URL (or use --from-dir)"
is_url "$SERVICE" || die "$EXIT_USAGE" "--service must be an http:// or https:// URL"
SERVICE=${SERVICE%/}
need curl sha256sum awk sed
: >"$WORK/auth"
chmod 600 "$WORK/auth"
if [ -n "$TOKEN_FILE" ]; then
  [ -r "$TOKEN_FILE" ] || die "$EXIT_USAGE" "cannot read the token file $TOKEN_FILE"
  printf 'Authorization: Bearer %s\n' "$(head -n 1 "$TOKEN_FILE" | tr -d '\r\n')" >"$WORK/auth"
elif [ -n "${KMODFORGE_TOKEN:-}" ]; then
  printf 'Authorization: Bearer %s\n' "$KMODFORGE_TOKEN" >"$WORK/auth"
fi

# call METHOD URL: the answer's body in $WORK/answer, its status in $HTTP_CODE (000: no answer). The token goes in a
# header file, never on a command line other processes can read.
call() {
  set -- -sS --proto =http,https --max-time 60 --retry 3 --retry-delay 2 -o "$WORK/answer" -w '%{http_code}' \
    -H 'Accept: text/plain' -H "@$WORK/auth" -X "$1" "$2"
  [ -s "$WORK/request" ] && set -- "$@" -H 'Content-Type: application/json' --data-binary "@$WORK/request"
  HTTP_CODE=$(curl "$@" 2>"$WORK/curl.err") || HTTP_CODE=000
}

answer_field() { # KEY: its value in the text answer
  sed -n "s/^$1 //p" "$WORK/answer" | head -n 1
}

# The copy of the last artifact loaded for this kernel and driver version, loaded when the service cannot be reached.
KEPT="$CACHE_DIR/$KERNEL${DRIVER_VERSION:+_$DRIVER_VERSION}"

# check_answer: returns on a build answer; otherwise loads the kept copy (service unreachable) or dies.
check_answer() {
  case $HTTP_CODE in
    200 | 202) return 0 ;;
    000)
      if [ -d "$KEPT" ]; then
        say "the service at $SERVICE does not answer; loading the copy kept in $KEPT"
        load_dir "$KEPT"
        exit "$EXIT_LOADED"
      fi
      die "$EXIT_SERVICE" "the service at $SERVICE does not answer: $(tr '\n' ' ' <"$WORK/curl.err")" ;;
    400 | 422)
      die "$EXIT_IDENTITY" "the service refused this identity ($DISTRO $DISTRO_VERSION $ARCH $KERNEL): $(grep -v '^error ' "$WORK/answer" | tr '\n' ' ')" ;;
    *) die "$EXIT_SERVICE" "the service answered HTTP $HTTP_CODE: $(tr '\n' ' ' <"$WORK/answer" | cut -c1-300)" ;;
  esac
}

failed() {
  reason=$(answer_field reason)
  msg="the build of $KERNEL failed (${reason:-unknown}): $(answer_field detail)"
  [ -n "$(answer_field log_url)" ] && msg="$msg; log: $(answer_field log_url)"
  [ -n "$(answer_field retry_after)" ] && msg="$msg; the service builds it again after $(answer_field retry_after)"
  [ "$(answer_field status)" = timed_out ] && die "$EXIT_TIMEOUT" "$msg"
  die "$EXIT_BUILD_FAILED" "$msg"
}

printf '{"kernel_version":"%s","architecture":"%s","distribution":"%s","distro_version":"%s"%s}' \
  "$KERNEL" "$ARCH" "$DISTRO" "$DISTRO_VERSION" \
  "$([ -n "$DRIVER_VERSION" ] && printf ',"driver_version":"%s"' "$DRIVER_VERSION")" >"$WORK/request"
call POST "$SERVICE/build"
check_answer
rm -f "$WORK/request"
waited=0
delay=2
while :; do
  status=$(answer_field status)
  case $status in
    succeeded) break ;;
    failed | timed_out) failed ;;
    queued | building) ;;
    *) die "$EXIT_SERVICE" "the service answered an unknown status '$status'" ;;
  esac
  build_id=$(answer_field build_id)
  case $build_id in '' | *[!0-9a-f]*) die "$EXIT_SERVICE" "the service answered no build id" ;; esac
  [ "$waited" -lt "$TIMEOUT" ] ||
    die "$EXIT_TIMEOUT" "build $build_id of $KERNEL did not finish within $TIMEOUT s (status $status)"
  say "build $build_id of $KERNEL is $status; asking again in $delay s"
  sleep "$delay"
  waited=$((waited + delay))
  [ "$delay" -lt 30 ] && delay=$((delay * 2))
  call GET "$SERVICE/status/$build_id"
  check_answer
done

# --- download and verify --------------------------------------------------------------------------------------------

artifact=$(answer_field artifact)
is_file_name "$artifact" || die "$EXIT_SERVICE" "the service named no valid artifact"
grep '^file ' "$WORK/answer" >"$WORK/files"
dir="$WORK/$artifact"
mkdir -p "$dir"
while read -r _ role module sha size file url; do
  [ "$role" = log ] && continue
  is_sha256 "$sha" && is_file_name "$file" && is_url "$url" && is_number "$size" ||
    die "$EXIT_SERVICE" "the service answered a malformed file line for '$file'"
  curl -fsS --proto =http,https --max-time 300 --retry 3 -o "$dir/$file" "$url" 2>"$WORK/curl.err" ||
    die "$EXIT_SERVICE" "could not download $url: $(tr '\n' ' ' <"$WORK/curl.err")"
  got=$(sha256sum "$dir/$file" | cut -d' ' -f1)
  [ "$got" = "$sha" ] || die "$EXIT_CHECKSUM" "checksum mismatch for $file: expected $sha, got $got; nothing is loaded"
done <"$WORK/files"

if [ -n "$PUBLIC_KEY" ]; then
  need openssl
  [ -r "$PUBLIC_KEY" ] || die "$EXIT_USAGE" "cannot read the public key $PUBLIC_KEY"
  index=$(answer_field index)
  is_url "$index" || die "$EXIT_SERVICE" "the service named no index URL"
  curl -fsS --proto =http,https --max-time 120 --retry 3 -o "$WORK/index.json" "$index" 2>"$WORK/curl.err" ||
    die "$EXIT_SERVICE" "could not download $index: $(tr '\n' ' ' <"$WORK/curl.err")"
  generation=$(sed -n 's/.*"generation":\([0-9]\{1,\}\).*/\1/p' "$WORK/index.json" | head -n 1)
  is_number "$generation" || die "$EXIT_SIGNATURE" "the index names no generation, so no signature applies"
  sig_url="${index%index.json}index.$(printf %010d "$generation").json.sig"
  curl -fsS --proto =http,https --max-time 60 --retry 3 -o "$WORK/index.sig" "$sig_url" 2>/dev/null ||
    die "$EXIT_SIGNATURE" "generation $generation of the index has no signature ($sig_url)"
  openssl pkeyutl -verify -pubin -inkey "$PUBLIC_KEY" -rawin -in "$WORK/index.json" -sigfile "$WORK/index.sig" \
    >/dev/null 2>&1 || die "$EXIT_SIGNATURE" "the index signature does not verify with $PUBLIC_KEY; nothing is loaded"
  # The signed index must name every module with the checksum just verified (canonical JSON: keys sorted).
  while read -r _ role module sha size file url; do
    case $role in
      module) needle="\"file\":\"$file\",\"name\":\"$module\",\"sha256\":\"$sha\"" ;;
      metadata | sums) needle="\"$role\":{\"sha256\":\"$sha\"" ;;
      *) continue ;;
    esac
    grep -qF "$needle" "$WORK/index.json" || die "$EXIT_SIGNATURE" "the signed index does not name $file with sha256 $sha"
  done <"$WORK/files"
  say "index generation $generation signature verified"
fi

load_dir "$dir"
if [ "$DRY_RUN" = 0 ]; then
  { mkdir -p "$CACHE_DIR" && rm -rf "$KEPT.new" && cp -R "$dir" "$KEPT.new" && rm -rf "$KEPT" && mv "$KEPT.new" "$KEPT"; } \
    2>/dev/null || say "could not keep a copy in $KEPT"
fi
exit "$EXIT_LOADED"
