import { bashMatches } from "./bash-regex.js";
import type { DkmsValues } from "./dkms-conf.js";

/**
 * DKMS's BUILD_EXCLUSIVE rules for one kernel: `_KERNEL` and `_ARCH` are regexes on the release and the arch,
 * `_KERNEL_MIN`/`_MAX` compare padded versions, `_CONFIG` lists options that must be (or, with `!`, must not be)
 * `y` or `m`. Each key has a package-wide form (element 0, or no index) and per-module forms (`[i]`, DKMS ≥ 3.3);
 * a package whose every module is excluded is excluded as a whole — a classified skip, never a failure. Pure.
 */

export interface ExclusionKernel {
  release: string;
  /** DKMS's `arch` (the `uname -m` style: x86_64, aarch64). */
  arch: string;
  /** The text of the kernel's include/config/auto.conf. */
  configText: string;
}

/** DKMS's VER(): every run of digits padded to three, so versions compare as strings. */
export function dkmsVersionKey(version: string): string {
  return version.replace(/[0-9]+/g, (d) => (d.length >= 3 ? d : d.padStart(3, "0")));
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class ExclusionRuleError extends Error {}

function configSet(configText: string, option: string): boolean {
  if (!/^[A-Za-z0-9_]+$/.test(option))
    throw new ExclusionRuleError(
      `BUILD_EXCLUSIVE_CONFIG names ${JSON.stringify(option)}, not a config option`,
    );
  return new RegExp(`^${option}=[ym]`, "m").test(configText);
}

function regexRule(key: string, value: string, subject: string, what: string): string | undefined {
  try {
    return bashMatches(subject, value) ? undefined : `${key}="${value}" does not match ${what} ${subject}`;
  } catch (err) {
    throw new ExclusionRuleError(`${key}: ${(err as Error).message}`);
  }
}

/** The first rule of one key set (package-wide when `index` is 0 and `suffix` empty) the kernel fails, if any. */
function failedRule(
  get: (key: string) => string | undefined,
  suffix: string,
  kernel: ExclusionKernel,
): string | undefined {
  const k = (key: string) => `BUILD_EXCLUSIVE_${key}${suffix}`;
  const kernelRe = get("BUILD_EXCLUSIVE_KERNEL");
  if (kernelRe) {
    const r = regexRule(k("KERNEL"), kernelRe, kernel.release, "kernel");
    if (r) return r;
  }
  const min = get("BUILD_EXCLUSIVE_KERNEL_MIN");
  if (min && byteOrder(dkmsVersionKey(kernel.release), dkmsVersionKey(min)) < 0)
    return `${k("KERNEL_MIN")}="${min}": kernel ${kernel.release} is older`;
  const max = get("BUILD_EXCLUSIVE_KERNEL_MAX");
  if (max && byteOrder(dkmsVersionKey(kernel.release), dkmsVersionKey(max)) > 0)
    return `${k("KERNEL_MAX")}="${max}": kernel ${kernel.release} is newer`;
  const archRe = get("BUILD_EXCLUSIVE_ARCH");
  if (archRe) {
    const r = regexRule(k("ARCH"), archRe, kernel.arch, "arch");
    if (r) return r;
  }
  const config = get("BUILD_EXCLUSIVE_CONFIG");
  for (const word of (config ?? "").split(/[ \t\n]+/).filter(Boolean)) {
    const negated = word.startsWith("!");
    const option = negated ? word.slice(1) : word;
    const set = configSet(kernel.configText, option);
    if (negated && set) return `${k("CONFIG")}="${config}": ${option} is set in this kernel`;
    if (!negated && !set) return `${k("CONFIG")}="${config}": ${option} is not set in this kernel`;
  }
  return undefined;
}

const KEYS = [
  "BUILD_EXCLUSIVE_KERNEL",
  "BUILD_EXCLUSIVE_KERNEL_MIN",
  "BUILD_EXCLUSIVE_KERNEL_MAX",
  "BUILD_EXCLUSIVE_ARCH",
  "BUILD_EXCLUSIVE_CONFIG",
];

export interface ExclusionVerdict {
  /** Per module index: the rule that excludes it, when one does. */
  modules: Map<number, string>;
  /** Set when no module can be built and some rule is why: the package is excluded for this kernel. */
  packageRule?: string;
  /** OBSOLETE_BY acted as BUILD_EXCLUSIVE_KERNEL_MAX. */
  obsoleteByAsMax: boolean;
}

/** Applies the rules to every module (DKMS's check_build_exclusive_for_module, once per module). */
export function checkExclusions(
  values: DkmsValues,
  moduleCount: number,
  kernel: ExclusionKernel,
): ExclusionVerdict {
  const element = (key: string, i: number) => values.get(key)?.get(i) || undefined;
  const obsoleteBy = element("OBSOLETE_BY", 0);
  const perModuleMax = [...Array(moduleCount).keys()].some((i) => element("BUILD_EXCLUSIVE_KERNEL_MAX", i));
  const obsoleteByAsMax = Boolean(obsoleteBy) && !perModuleMax;
  const global = (key: string) =>
    key === "BUILD_EXCLUSIVE_KERNEL_MAX" && obsoleteByAsMax ? obsoleteBy : element(key, 0);
  const anyGlobal = KEYS.some((key) => global(key));
  const modules = new Map<number, string>();
  let hasDirectives = false;
  for (let i = 0; i < moduleCount; i++) {
    if (anyGlobal || KEYS.some((key) => element(key, i))) hasDirectives = true;
    const rule = failedRule(global, "", kernel) ?? failedRule((key) => element(key, i), `[${i}]`, kernel);
    if (rule) modules.set(i, rule);
  }
  const verdict: ExclusionVerdict = { modules, obsoleteByAsMax };
  if (moduleCount > 0 && modules.size === moduleCount && hasDirectives) {
    const rules = [...new Set(modules.values())];
    verdict.packageRule = rules.length === 1 ? rules[0]! : `every module is excluded: ${rules.join("; ")}`;
  }
  return verdict;
}
