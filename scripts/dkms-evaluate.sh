#!/bin/bash
# Evaluates a dkms.conf the way DKMS's read_conf does, for a dkms.conf that is more than plain assignments. It runs
# in the build environment (a builder container, or on a host in the private mount namespace of dkms-env.sh) and
# never in kmodforge's own process: the file is sourced by bash in a subshell with DKMS's preset variables
# (kernelver, arch, kernel_source_dir, kernel_config, dkms_tree, source_tree, install_tree, module, module_version),
# only the keys DKMS accepts are kept, each element is printed as NAME[i]="value" and read back — so values are
# expanded twice, as DKMS expands them. The file is read first with module/module_version empty, then with the
# package's own PACKAGE_NAME/PACKAGE_VERSION, as `dkms add` and then `dkms build` read it. The working directory is
# the source tree's.
# Usage: dkms-evaluate.sh <dkms.conf> <request> <out>
#   <request>  shell assignments of the preset variables and dkms_conf_variables (written by kmodforge)
#   <out>      NUL-terminated name, index, value triples of every accepted key left set
# Exit codes: 2 usage, 4 dkms.conf or the request cannot be read.

[ "$#" -eq 3 ] || { echo "usage: dkms-evaluate.sh <dkms.conf> <request> <out>" >&2; exit 2; }
_kmf_conf=$1
_kmf_out=$3
[ -r "$_kmf_conf" ] || { echo "dkms-evaluate: $_kmf_conf cannot be read" >&2; exit 4; }
# shellcheck disable=SC1090
. "$2" || { echo "dkms-evaluate: the request $2 cannot be read" >&2; exit 4; }
shopt -s extglob
_kmf_cr=$'\r'

_kmf_read_conf() {
  local _kmf_printed
  _kmf_printed=$(mktemp) || exit 4
  # shellcheck disable=SC2086
  unset $dkms_conf_variables
  (
    exec >"$_kmf_printed"
    cd "$(dirname "$_kmf_conf")" || exit 4
    # shellcheck disable=SC1090
    . "$_kmf_conf" >/dev/null
    # An unquoted echo, as DKMS's: whitespace collapses, and the printed line is sourced (expanded) again below.
    for _kmf_key in $dkms_conf_variables; do
      declare -p "$_kmf_key" >/dev/null 2>&1 || continue
      for _kmf_i in $(eval echo "\${!$_kmf_key[@]}"); do
        eval echo "$_kmf_key[$_kmf_i]=\\\"\${$_kmf_key[$_kmf_i]%\$_kmf_cr}\\\""
      done
    done
  )
  # shellcheck disable=SC1090
  . "$_kmf_printed"
  rm -f "$_kmf_printed"
}

module="" module_version=""
_kmf_read_conf
module=${PACKAGE_NAME-} module_version=${PACKAGE_VERSION-}
_kmf_read_conf

for _kmf_key in $dkms_conf_variables; do
  eval "_kmf_indices=(\"\${!$_kmf_key[@]}\")"
  for _kmf_i in "${_kmf_indices[@]}"; do
    eval "_kmf_value=\${$_kmf_key[$_kmf_i]}"
    printf '%s\0%s\0%s\0' "$_kmf_key" "$_kmf_i" "$_kmf_value"
  done
done >"$_kmf_out"
