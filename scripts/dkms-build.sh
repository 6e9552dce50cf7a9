# Sourced by compile-module.sh for a DKMS tree: builds the package the way `dkms build` does, following the plan
# kmodforge wrote from dkms.conf (single-quoted shell assignments): copy the source to the build directory
# (<dkms_tree>/<name>/<version>/build, beside a `source` link), apply PATCH entries, run PRE_BUILD (only when the
# plan carries it: allowed, in a builder container), run the make command in the build directory (a command that
# starts with `make` gets `-j<cpus> KERNELRELEASE=<kernel>`, as DKMS does), then require every declared module
# (BUILT_MODULE_LOCATION + BUILT_MODULE_NAME + .ko) and save it as DEST_MODULE_NAME.ko, and run POST_BUILD.
# The kernel's compiler (and, cross-compiling, ARCH and CROSS_COMPILE) reach every make through MAKEFLAGS, so
# command lines with several makes, or makes inside the package's own Makefile, all use it.
# Uses compile-module.sh's variables: plan src out cc cross karch is_clang.

dkms_fail() {
  echo "compile-module: $*" >&2
  if [ -s "$out/build.log" ]; then
    echo "compile-module: last lines of the build log:" >&2
    tail -n 40 "$out/build.log" >&2
  fi
  exit 7
}

dkms_prepare() {
  rm -rf "$build"
  mkdir -p "$build"
  cp -R "$src"/. "$build"/
  ln -sfn "$src" "${build%/build}/source"
  {
    echo "DKMS build of $dkms_package for kernel $dkms_kernelver"
    if [ -n "$dkms_notes" ]; then printf '%s\n' "$dkms_notes" | sed 's/^/note: /'; fi
  } > "$log"
}

dkms_patch() {
  [ -n "$dkms_patches" ] || return 0
  command -v patch >/dev/null 2>&1 \
    || dkms_fail "dkms.conf names patches (PATCH) but this builder has no patch program; install it (package patch)"
  printf '%s\n' "$dkms_patches" > "$out/.patches"
  while IFS= read -r p; do
    [ -f "patches/$p" ] || dkms_fail "patch $p (dkms.conf PATCH) is not in the package's patches/ directory"
    echo "+ patch -p1 < patches/$p" >> "$log"
    patch -p1 < "patches/$p" >> "$log" 2>&1 || dkms_fail "patch $p (dkms.conf PATCH) does not apply"
  done < "$out/.patches"
  rm -f "$out/.patches"
}

# PRE_BUILD / POST_BUILD: a command relative to the build directory, run there (DKMS: `cd build && build/<cmd>`).
dkms_script() {
  [ -n "$2" ] || return 0
  echo "+ $1: $2" >> "$log"
  (cd "$build" && eval "\"\$build\"/$2") >> "$log" 2>&1 || dkms_fail "$1 ($2) failed"
}

dkms_make() {
  cmd=$dkms_make
  if [ "$dkms_make_prefixed" = 1 ]; then
    cmd="make -j$(nproc 2>/dev/null || echo 1) KERNELRELEASE=$dkms_kernelver${dkms_make#make}"
  fi
  MAKEFLAGS="CC=$cc"
  if [ -n "$cross" ]; then MAKEFLAGS="$MAKEFLAGS ARCH=$karch CROSS_COMPILE=$cross"; fi
  if [ "$is_clang" = "y" ]; then MAKEFLAGS="$MAKEFLAGS LLVM=1"; fi
  export MAKEFLAGS
  echo "+ MAKEFLAGS='$MAKEFLAGS' $cmd" >> "$log"
  (cd "$build" && PWD="$build" bash -c "$cmd") >> "$log" 2>&1 \
    || dkms_fail "the make command of dkms.conf failed (bad return status for module build on $dkms_kernelver)"
  unset MAKEFLAGS
}

# Every declared module must exist; each is saved under its DEST name. A .ko the build made that dkms.conf does not
# declare is named in the log (DKMS would not install it either).
dkms_collect() {
  missing=""
  printf '%s\n' "$dkms_modules" > "$out/.declared"
  : > "$out/.declared-paths"
  while IFS="|" read -r loc name dest index; do
    [ -n "$name" ] || continue
    printf '%s\n' "$loc$name.ko" >> "$out/.declared-paths"
    if [ ! -f "$build/$loc$name.ko" ]; then
      echo "compile-module: dkms.conf declares module $name (BUILT_MODULE_NAME[$index]) at $loc$name.ko, but the build did not produce it" >&2
      missing="$missing $name"
      continue
    fi
    [ ! -e "$out/modules/$dest.ko" ] || dkms_fail "two modules of dkms.conf are saved as $dest.ko"
    cp "$build/$loc$name.ko" "$out/modules/$dest.ko"
    printf '%s\t%s\n' "$dest.ko" "$loc$name.ko" >> "$out/modules.list"
  done < "$out/.declared"
  [ -z "$missing" ] || dkms_fail "modules declared in dkms.conf were not built:$missing"
  (cd "$build" && find . -name '*.ko' -type f | sed 's#^\./##' | LC_ALL=C sort) | while IFS= read -r rel; do
    if ! grep -qxF "$rel" "$out/.declared-paths"; then
      echo "note: $rel was built but dkms.conf does not declare it: not packaged" | tee -a "$log" >&2
    fi
  done
  rm -f "$out/.declared" "$out/.declared-paths"
}

dkms_build() {
  # shellcheck disable=SC1090
  . "$plan"
  build=$dkms_build_dir
  log="$out/build.log"
  dkms_prepare
  cd "$build"
  dkms_patch
  dkms_script PRE_BUILD "$dkms_pre_build"
  dkms_make
  dkms_collect
  dkms_script POST_BUILD "$dkms_post_build"
}
