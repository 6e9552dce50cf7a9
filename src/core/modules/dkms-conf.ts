import { z } from "zod";
import { type Assignment, readAssignments, type WordPart } from "./shell-assignments.js";

/**
 * dkms.conf as DKMS reads it, without running it. DKMS sources the file in a bash subshell with a few variables
 * preset, keeps only the keys it accepts, prints each element as `NAME[i]="value"` (an unquoted echo: whitespace
 * collapses to single spaces) and sources those lines again — so every value is expanded twice. `readDkmsConf`
 * reproduces exactly that for files made of plain assignments; a file that needs a shell (conditionals, `.`,
 * command substitution …) is reported as such, and the build environment evaluates it with bash the same way
 * (scripts/dkms-evaluate.sh), returning values `parseEvaluatedConf` reads. Either way the result is one DkmsValues.
 * Pure.
 */

/** The keys DKMS accepts from dkms.conf, in the order it prints them back (dkms 3.4's `dkms_conf_variables`). */
export const DKMS_CONF_VARIABLES = [
  "PACKAGE_NAME",
  "PACKAGE_VERSION",
  "POST_ADD",
  "POST_BUILD",
  "POST_INSTALL",
  "POST_REMOVE",
  "PRE_BUILD",
  "PRE_INSTALL",
  "BUILD_DEPENDS",
  "BUILD_EXCLUSIVE_ARCH",
  "BUILD_EXCLUSIVE_CONFIG",
  "BUILD_EXCLUSIVE_KERNEL",
  "BUILD_EXCLUSIVE_KERNEL_MIN",
  "BUILD_EXCLUSIVE_KERNEL_MAX",
  "build_exclude",
  "MAKE",
  "MAKE_MATCH",
  "PATCH",
  "PATCH_MATCH",
  "patch_array",
  "BUILT_MODULE_NAME",
  "built_module_name",
  "BUILT_MODULE_LOCATION",
  "built_module_location",
  "DEST_MODULE_NAME",
  "dest_module_name",
  "DEST_MODULE_LOCATION",
  "dest_module_location",
  "STRIP",
  "strip",
  "AUTOINSTALL",
  "NO_WEAK_MODULES",
  "BUILD_DEPENDS_REBUILD",
  "OBSOLETE_BY",
  "CLEAN",
  "REMAKE_INITRD",
  "MODULES_CONF",
  "MODULES_CONF_OBSOLETES",
  "MODULES_CONF_ALIAS_TYPE",
  "MODULES_CONF_OBSOLETE_ONLY",
] as const;
export type DkmsKey = (typeof DKMS_CONF_VARIABLES)[number];
const ACCEPTED = new Set<string>(DKMS_CONF_VARIABLES);

/** The variables DKMS sets before sourcing dkms.conf (what `${kernelver}` and friends expand to). */
export const DKMS_PRESET_NAMES = [
  "kernelver",
  "arch",
  "kernel_source_dir",
  "kernel_config",
  "dkms_tree",
  "source_tree",
  "install_tree",
  "module",
  "module_version",
] as const;
export type DkmsPresets = Record<(typeof DKMS_PRESET_NAMES)[number], string>;

/** Each accepted key that the file set: element index → value (a scalar is element 0). */
export type DkmsValues = ReadonlyMap<string, ReadonlyMap<number, string>>;

export type DkmsConfRead =
  | { kind: "values"; values: DkmsValues }
  | {
      kind: "needs-shell";
      /** Why (line and construct), for the build log. */
      reason: string;
      /** PACKAGE_NAME / PACKAGE_VERSION when plain assignments before the first shell construct set them. */
      partial: { name?: string; version?: string };
    };

type Env = Map<string, Map<number, string>>;

class NeedsShell extends Error {}

function presetEnv(presets: DkmsPresets): Env {
  return new Map(Object.entries(presets).map(([k, v]) => [k, new Map([[0, v]])]));
}

function expand(parts: readonly WordPart[], env: Env, known: ReadonlySet<string>): string {
  return parts
    .map((p) => {
      if (p.kind === "text") return p.text;
      // A variable neither DKMS nor the file sets could come from DKMS's own environment: only a shell knows.
      if (!env.has(p.name) && !known.has(p.name)) throw new NeedsShell(`$${p.name} is not set by dkms.conf`);
      return env.get(p.name)?.get(0) ?? "";
    })
    .join("");
}

/** Runs the assignments in order, as bash would. */
function assign(assignments: readonly Assignment[], presets: DkmsPresets): Env {
  const env = presetEnv(presets);
  // DKMS unsets every key it accepts before sourcing: those are empty until set, never inherited.
  const known = new Set([...assignments.map((a) => a.name), ...DKMS_PRESET_NAMES, ...DKMS_CONF_VARIABLES]);
  for (const a of assignments) {
    if (a.elements) {
      env.set(a.name, new Map(a.elements.map((w, i) => [i, expand(w, env, known)])));
      continue;
    }
    const value = expand(a.value ?? [], env, known);
    const current = env.get(a.name) ?? new Map<number, string>();
    current.set(a.index ?? 0, value);
    env.set(a.name, current);
  }
  return env;
}

/**
 * The lines DKMS prints from its subshell: `NAME[i]="value"` for every accepted key, whitespace collapsed by the
 * unquoted echo. A word that is a file pattern would be globbed by that echo in DKMS's working directory: a shell's
 * business.
 */
function echoAccepted(env: Env): string {
  const lines: string[] = [];
  for (const name of DKMS_CONF_VARIABLES) {
    const elements = env.get(name);
    if (!elements) continue;
    for (const index of [...elements.keys()].sort((a, b) => a - b)) {
      const value = elements.get(index)!;
      const words = value.split(/[ \t\n]+/).filter(Boolean);
      if (words.some((w) => /[*?[]/.test(w)))
        throw new NeedsShell(`${name}[${index}] holds a file pattern, which DKMS's echo would glob`);
      // Whitespace at either end of the value splits the quote around it into a word of its own: one space each.
      const lead = /^[ \t\n]/.test(value) ? " " : "";
      const trail = words.length > 0 && /[ \t\n]$/.test(value) ? " " : "";
      lines.push(`${name}[${index}]="${lead}${words.join(" ")}${trail}"`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function acceptedOf(env: Env): DkmsValues {
  const values = new Map<string, ReadonlyMap<number, string>>();
  for (const name of DKMS_CONF_VARIABLES) {
    const elements = env.get(name);
    if (elements) values.set(name, elements);
  }
  return values;
}

/** PACKAGE_NAME and PACKAGE_VERSION from the plain assignments before the first shell construct. */
function partialOf(before: readonly Assignment[]): { name?: string; version?: string } {
  try {
    const env = assign(before, emptyPresets());
    const name = env.get("PACKAGE_NAME")?.get(0);
    const version = env.get("PACKAGE_VERSION")?.get(0);
    return { ...(name ? { name } : {}), ...(version ? { version } : {}) };
  } catch (err) {
    if (err instanceof NeedsShell) return {};
    throw err;
  }
}

export function emptyPresets(): DkmsPresets {
  return Object.fromEntries(DKMS_PRESET_NAMES.map((n) => [n, ""])) as DkmsPresets;
}

/** Reads dkms.conf the way DKMS's read_conf does, for the given preset variables; never runs anything. */
export function readDkmsConf(text: string, presets: DkmsPresets): DkmsConfRead {
  const first = readAssignments(text);
  if (!first.ok)
    return {
      kind: "needs-shell",
      reason: `line ${first.line}: ${first.reason}`,
      partial: partialOf(first.before),
    };
  try {
    const echoed = echoAccepted(assign(first.assignments, presets));
    const second = readAssignments(echoed);
    if (!second.ok)
      throw new NeedsShell(
        `a value is expanded again when DKMS re-reads it and then needs a shell (${second.reason})`,
      );
    return { kind: "values", values: acceptedOf(assign(second.assignments, presets)) };
  } catch (err) {
    if (!(err instanceof NeedsShell)) throw err;
    return { kind: "needs-shell", reason: err.message, partial: partialOf(first.assignments) };
  }
}

/** DKMS's `add` reads the file before the package is known; its build then reads it as `module`/`module_version`. */
export function readDkmsConfForBuild(text: string, presets: Omit<DkmsPresets, "module" | "module_version">) {
  const added = readDkmsConf(text, { ...presets, module: "", module_version: "" });
  if (added.kind === "needs-shell") return added;
  return readDkmsConf(text, {
    ...presets,
    module: added.values.get("PACKAGE_NAME")?.get(0) ?? "",
    module_version: added.values.get("PACKAGE_VERSION")?.get(0) ?? "",
  });
}

const evaluatedRecord = z.tuple([
  z.enum(DKMS_CONF_VARIABLES),
  z.string().regex(/^(0|[1-9][0-9]{0,5})$/, "an array index"),
  z.string(),
]);

/**
 * Reads what scripts/dkms-evaluate.sh printed in the build environment: NUL-terminated `name`, `index`, `value`
 * triples for every accepted key the shell left set.
 */
export function parseEvaluatedConf(
  text: string,
): { ok: true; values: DkmsValues } | { ok: false; message: string } {
  if (text !== "" && !text.endsWith("\0"))
    return { ok: false, message: "the evaluated dkms.conf is truncated (no final NUL)" };
  const fields = text === "" ? [] : text.slice(0, -1).split("\0");
  if (fields.length % 3 !== 0)
    return { ok: false, message: `the evaluated dkms.conf has ${fields.length} fields, not triples` };
  const values = new Map<string, Map<number, string>>();
  for (let i = 0; i < fields.length; i += 3) {
    const r = evaluatedRecord.safeParse(fields.slice(i, i + 3));
    if (!r.success)
      return {
        ok: false,
        message: `the evaluated dkms.conf, record ${i / 3}: ${r.error.issues[0]?.message}`,
      };
    const [name, index, value] = r.data;
    const elements = values.get(name) ?? new Map<number, string>();
    elements.set(Number(index), value);
    values.set(name, elements);
  }
  return { ok: true, values };
}

/** Whether the text assigns a build script key at all (decided before evaluation, to pick a runner). */
export function mentionsBuildScripts(text: string): boolean {
  return /(^|[\s;])(PRE|POST)_BUILD(\[[^\]]*\])?=/m.test(text);
}

export function isAcceptedKey(name: string): name is DkmsKey {
  return ACCEPTED.has(name);
}
