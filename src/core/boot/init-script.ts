/**
 * The `/init` of the load-test initramfs: a busybox shell script that loads the modules, runs an exercise script
 * against them, unloads them and reports every step on the serial console as marker lines that
 * `parseBootOutput` reads back. Module names and paths are validated here, because they end up in shell text.
 */

/** Prefix of every line the init script prints for the host to read. */
export const MARKER = "@@kmodforge";
/** Written into the kernel log just before the first insmod, so the kernel's own lines can be attributed. */
export const KMSG_MARK = "kmodforge: load test begins";

export interface InitModule {
  /** Module name as the kernel knows it (`.modinfo` name, `-` folded to `_`). */
  name: string;
  /** Absolute path of the module file inside the initramfs. */
  path: string;
}

const SAFE_NAME = /^[A-Za-z0-9_]{1,56}$/;
const SAFE_PATH = /^\/[A-Za-z0-9_./-]{1,200}$/;

/**
 * Where a module source tree ships its own exercise script: run in the guest after its modules are loaded. It gets
 * `$KMODFORGE_MODULES` (names, load order), `$KMODFORGE_NEW_DEVICES` (entries of /dev that appeared after loading)
 * and the shell function `kmf_op LABEL TARGET COMMAND…`, which runs the command, reports its exit status and first
 * output line, and returns the status. The script's own exit status is the verdict: non-zero means the module did
 * not behave. Without one, the load test loads, checks and unloads.
 */
export const EXERCISE_IN_SOURCE = "kmodforge/exercise.sh";

function exerciseBlock(names: string, timeoutSec: number, path: string): string {
  return `  ls /dev > /tmp/dev.after
  export KMODFORGE_MODULES="${names}"
  export KMODFORGE_NEW_DEVICES="$(grep -vxF -f /tmp/dev.before /tmp/dev.after | tr '\\n' ' ')"
  mark exercise-begin devices="$KMODFORGE_NEW_DEVICES"
  timeout ${timeoutSec} sh -c '. ${HELPERS_PATH}; . ${path}'
  mark exercise-end rc=$?
`;
}

function checkModules(modules: readonly InitModule[]): void {
  if (modules.length === 0) throw new RangeError("at least one module is needed");
  for (const m of modules) {
    if (!SAFE_NAME.test(m.name)) throw new RangeError(`unsafe module name ${JSON.stringify(m.name)}`);
    if (!SAFE_PATH.test(m.path) || m.path.includes(".."))
      throw new RangeError(`unsafe module path ${JSON.stringify(m.path)}`);
  }
}

/** Shell functions shared by `/init` and the exercise script (installed as `/lib/kmodforge.sh`). */
export const HELPERS_PATH = "/lib/kmodforge.sh";
export const HELPERS_SCRIPT = `mark() { echo "${MARKER} $*"; }
oneline() { printf '%s' "$1" | tr '\\n\\r' '  ' | cut -c1-300; }
kmf_op() {
  label="$1"; target="$2"; shift 2
  out="$("$@" 2>&1)"; rc=$?
  mark op label="$label" rc=$rc target="$target" out="$(oneline "$out")"
  return $rc
}
`;

/** Where the node loader and the artifact directory it loads are placed when the guest loads through the loader. */
export const LOADER_PATH = "/bin/kmodforge-loader";
export const ARTIFACT_PATH = "/artifact";

/** One insmod per module, in order; the first refusal stops the rest. */
function insmodEach(modules: readonly InitModule[]): string {
  return modules
    .map(
      (m) => `if [ "$loaded_all" = 1 ]; then
  out="$(insmod ${m.path} 2>&1)"; rc=$?
  mark insmod module=${m.name} rc=$rc out="$(oneline "$out")"
  if [ "$rc" = 0 ]; then loaded="${m.name} $loaded"; mark proc-modules module=${m.name} line="$(grep "^${m.name} " /proc/modules)"; else loaded_all=0; fi
fi`,
    )
    .join("\n");
}

/**
 * The node loader loads the artifact directory (verify, decompress, insmod, as on a node) and each module is then
 * reported like an insmod: loaded when /proc/modules lists it, else with the loader's exit status and output.
 */
function loaderLoads(modules: readonly InitModule[]): string {
  const report = modules
    .map(
      (m) => `if grep -q "^${m.name} " /proc/modules; then mrc=0; else mrc=$lrc; [ "$mrc" = 0 ] && mrc=1; fi
mark insmod module=${m.name} rc=$mrc out="$(oneline "$lout")"
if [ "$mrc" = 0 ]; then loaded="${m.name} $loaded"; mark proc-modules module=${m.name} line="$(grep "^${m.name} " /proc/modules)"; else loaded_all=0; fi`,
    )
    .join("\n");
  return `lout="$(sh ${LOADER_PATH} --from-dir ${ARTIFACT_PATH} 2>&1)"; lrc=$?
mark loader rc=$lrc out="$(oneline "$lout")"
${report}`;
}

export interface InitScriptOptions {
  exerciseTimeoutSec?: number;
  exercisePath?: string;
  /** Load through the node loader (LOADER_PATH, from ARTIFACT_PATH) instead of insmod-ing each module. */
  viaLoader?: boolean;
}

/**
 * Builds `/init`. An exercise script, when there is one, is stored separately (at `exercisePath`) so it is never
 * re-quoted, and runs in its own shell under `timeout`, so a hanging device read still leaves time to unload and
 * report.
 */
export function renderInitScript(modules: readonly InitModule[], options: InitScriptOptions = {}): string {
  const { exerciseTimeoutSec = 30, exercisePath } = options;
  checkModules(modules);
  if (exercisePath !== undefined && !SAFE_PATH.test(exercisePath))
    throw new RangeError(`unsafe exercise path ${JSON.stringify(exercisePath)}`);
  if (!Number.isInteger(exerciseTimeoutSec) || exerciseTimeoutSec < 1)
    throw new RangeError("exercise timeout must be a positive integer");
  const names = modules.map((m) => m.name).join(" ");
  const load = options.viaLoader ? loaderLoads(modules) : insmodEach(modules);
  return `#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
. ${HELPERS_PATH}
mark begin release="$(uname -r)" machine="$(uname -m)"
mark taint-before value="$(cat /proc/sys/kernel/tainted)"
ls /dev > /tmp/dev.before
echo "${KMSG_MARK}" > /dev/kmsg
loaded=""; loaded_all=1
${load}
if [ "$loaded_all" = 1 ]; then
  sleep 1
${exercisePath === undefined ? "" : exerciseBlock(names, exerciseTimeoutSec, exercisePath)}fi
for m in $loaded; do
  out="$(rmmod "$m" 2>&1)"; rc=$?
  gone=1; [ -d "/sys/module/$m" ] && gone=0
  mark rmmod module=$m rc=$rc gone=$gone out="$(oneline "$out")"
done
mark taint-after value="$(cat /proc/sys/kernel/tainted)"
mark dmesg-begin
dmesg
mark dmesg-end
mark end
sync
# Power off only once the console has sent everything: re-applying the current settings is a TCSADRAIN, which
# waits until the UART's queue is empty. Without it, output still queued in the kernel is discarded at power-off.
stty -F /dev/console "$(stty -F /dev/console -g)"
poweroff -f
`;
}
