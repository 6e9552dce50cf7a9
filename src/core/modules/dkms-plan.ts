import { MODULE_NAME } from "../naming.js";
import { BashRegexError, bashMatches } from "./bash-regex.js";
import type { DkmsPresets, DkmsValues } from "./dkms-conf.js";
import { checkExclusions, type ExclusionKernel, ExclusionRuleError } from "./dkms-exclusion.js";
import { keyNotes } from "./dkms-notes.js";

/**
 * What a DKMS build does for one kernel, decided from dkms.conf's values the way DKMS's read_conf and do_build
 * decide it: the package, the make command (MAKE, MAKE_MATCH, or DKMS's default), the modules and where the build
 * leaves them, the patches, the build scripts, and the BUILD_EXCLUSIVE verdict. The builder step follows the plan;
 * the seal step checks against it. Pure.
 */

export interface DkmsModule {
  /** Record number in dkms.conf (`[i]`). */
  index: number;
  /** BUILT_MODULE_NAME: the `.ko` the build produces, without the suffix. */
  builtName: string;
  /** BUILT_MODULE_LOCATION relative to the build directory, "" or ending in `/`. */
  location: string;
  /** DEST_MODULE_NAME: the name the module is saved under (default: the built name). */
  destName: string;
}

export interface DkmsBuildPlan {
  package: { name: string; version: string };
  kernelRelease: string;
  /** `${dkms_tree}/${PACKAGE_NAME}/${PACKAGE_VERSION}/build`: where the source is copied and built. */
  buildDir: string;
  /**
   * The make command, evaluated by a shell in the build directory. A command starting with `make` gets DKMS's
   * `-j<jobs> KERNELRELEASE=<kernel>` after that word (`prefixed`).
   */
  make: { command: string; prefixed: boolean };
  modules: DkmsModule[];
  /** Modules a per-module BUILD_EXCLUSIVE rule leaves out for this kernel, with the rule. */
  excludedModules: Array<{ module: DkmsModule; rule: string }>;
  /** PATCH entries (under the build directory's patches/) applied with `patch -p1`, in order. */
  patches: string[];
  preBuild?: string;
  postBuild?: string;
  /** Keys read but not acted on, and why: they go into the build log. */
  notes: string[];
}

export type DkmsPlanResult =
  | { kind: "build"; plan: DkmsBuildPlan }
  | { kind: "excluded"; rule: string; package: { name: string; version: string } }
  | { kind: "invalid"; errors: string[] };

const DEST_LOCATIONS = /^\/(kernel|updates|extra)/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/;
const RELATIVE_DIR = /^([A-Za-z0-9_.+-]+\/)*$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+~-]{0,63}$/;

/** Element access with bash's `[[ $X ]]` sense: unset and empty are both absent. */
function reader(values: DkmsValues) {
  const get = (key: string, i = 0) => values.get(key)?.get(i) || undefined;
  const count = (key: string) => values.get(key)?.size ?? 0;
  const maxIndex = (key: string) => Math.max(-1, ...(values.get(key)?.keys() ?? []));
  return { get, count, maxIndex };
}

function packageOf(get: (key: string) => string | undefined, errors: string[]) {
  const name = get("PACKAGE_NAME");
  const version = get("PACKAGE_VERSION");
  if (!name) errors.push("dkms.conf: Error! No 'PACKAGE_NAME' directive specified.");
  else if (!MODULE_NAME.test(name))
    errors.push(
      `dkms.conf: PACKAGE_NAME ${JSON.stringify(name)} is not a name kmodforge can use ([A-Za-z0-9][A-Za-z0-9_-], at most 64)`,
    );
  if (!version) errors.push("dkms.conf: Error! No 'PACKAGE_VERSION' directive specified.");
  else if (!VERSION.test(version) || version.includes(".."))
    errors.push(
      `dkms.conf: PACKAGE_VERSION ${JSON.stringify(version)} is not a version kmodforge can use ([A-Za-z0-9._+~-], at most 64)`,
    );
  return name && version ? { name, version } : undefined;
}

/** The module records, with DKMS's defaults and its checks. */
function modulesOf(values: DkmsValues, packageName: string | undefined, errors: string[]): DkmsModule[] {
  const { get, maxIndex } = reader(values);
  const count =
    1 +
    Math.max(
      ...["BUILT_MODULE_NAME", "BUILT_MODULE_LOCATION", "DEST_MODULE_NAME", "DEST_MODULE_LOCATION"].map(
        maxIndex,
      ),
    );
  if (count === 0) errors.push("dkms.conf declares no module (BUILT_MODULE_NAME, DEST_MODULE_LOCATION)");
  const modules: DkmsModule[] = [];
  for (let i = 0; i < count; i++) {
    const builtName = get("BUILT_MODULE_NAME", i) ?? (count === 1 ? (packageName ?? "") : "");
    const destName = get("DEST_MODULE_NAME", i) ?? builtName;
    let location = get("BUILT_MODULE_LOCATION", i) ?? "";
    if (location && !location.endsWith("/")) location += "/";
    if (!builtName)
      errors.push(`dkms.conf: Error! No 'BUILT_MODULE_NAME' directive specified for record #${i}.`);
    for (const [key, name] of [
      ["BUILT_MODULE_NAME", builtName],
      ["DEST_MODULE_NAME", destName],
    ] as const) {
      if (/\.(o|ko)$/.test(name))
        errors.push(`dkms.conf: Error! '${key}' directive ends in '.o' or '.ko' in record #${i}.`);
      else if (name && !FILE_NAME.test(name))
        errors.push(
          `dkms.conf: ${key}[${i}] ${JSON.stringify(name)} is not a module file name kmodforge can use`,
        );
    }
    if (!RELATIVE_DIR.test(location) || location.split("/").includes(".."))
      errors.push(
        `dkms.conf: BUILT_MODULE_LOCATION[${i}] ${JSON.stringify(location)} is not a relative directory`,
      );
    const dest = get("DEST_MODULE_LOCATION", i);
    if (!dest)
      errors.push(`dkms.conf: Error! No 'DEST_MODULE_LOCATION' directive specified for record #${i}.`);
    else if (!DEST_LOCATIONS.test(dest))
      errors.push(
        `dkms.conf: Error! Directive 'DEST_MODULE_LOCATION' does not begin with '/kernel', '/updates', or '/extra' in record #${i}.`,
      );
    modules.push({ index: i, builtName, location, destName });
  }
  return modules;
}

/** MAKE[0], or the last MAKE[i] whose MAKE_MATCH[i] matches the kernel, else DKMS's default kbuild call. */
function makeCommandOf(values: DkmsValues, presets: DkmsPresets, release: string): DkmsBuildPlan["make"] {
  const { get, count } = reader(values);
  let command = get("MAKE_MATCH", 0) ? undefined : get("MAKE", 0);
  for (let i = 0; i < count("MAKE"); i++) {
    const make = get("MAKE", i);
    const match = get("MAKE_MATCH", i);
    if (make && match && bashMatches(release, match)) command = make;
  }
  command ||= `make -C ${presets.kernel_source_dir} M=${presets.dkms_tree}/${presets.module}/${presets.module_version}/build`;
  // DKMS's `${make_command/#make/make -j$jobs KERNELRELEASE=$kernelver}`: a plain prefix test, on purpose.
  return { command, prefixed: command.startsWith("make") };
}

function patchesOf(values: DkmsValues, release: string, errors: string[]): string[] {
  const { get, count } = reader(values);
  const patches: string[] = [];
  for (let i = 0; i < count("PATCH"); i++) {
    const patch = get("PATCH", i);
    const match = get("PATCH_MATCH", i);
    if (!patch || (match && !bashMatches(release, match))) continue;
    if (/[\n\t]/.test(patch) || `patches/${patch}`.includes("/../"))
      errors.push(`dkms.conf: Patch ${JSON.stringify(patch)} contains '..' or control characters.`);
    else patches.push(patch);
  }
  return patches;
}

/**
 * Plans one build. `presets` are the variables the values were read with (module/module_version being the
 * package's own name and version, as on a DKMS build); `kernel` is the target.
 */
export function planDkmsBuild(
  values: DkmsValues,
  presets: DkmsPresets,
  kernel: ExclusionKernel,
): DkmsPlanResult {
  const { get } = reader(values);
  const errors: string[] = [];
  const pkg = packageOf(get, errors);
  const modules = modulesOf(values, pkg?.name, errors);
  try {
    const patches = patchesOf(values, kernel.release, errors);
    const make = makeCommandOf(values, presets, kernel.release);
    if (errors.length || !pkg) return { kind: "invalid", errors };
    const verdict = checkExclusions(values, modules.length, kernel);
    if (verdict.packageRule) return { kind: "excluded", rule: verdict.packageRule, package: pkg };
    const preBuild = get("PRE_BUILD");
    const postBuild = get("POST_BUILD");
    return {
      kind: "build",
      plan: {
        package: pkg,
        kernelRelease: kernel.release,
        buildDir: `${presets.dkms_tree}/${pkg.name}/${pkg.version}/build`,
        make,
        modules: modules.filter((m) => !verdict.modules.has(m.index)),
        excludedModules: modules
          .filter((m) => verdict.modules.has(m.index))
          .map((module) => ({ module, rule: verdict.modules.get(module.index)! })),
        patches,
        ...(preBuild ? { preBuild } : {}),
        ...(postBuild ? { postBuild } : {}),
        notes: keyNotes(values, verdict.obsoleteByAsMax),
      },
    };
  } catch (err) {
    if (err instanceof BashRegexError || err instanceof ExclusionRuleError)
      return { kind: "invalid", errors: [...errors, `dkms.conf: ${err.message}`] };
    throw err;
  }
}
