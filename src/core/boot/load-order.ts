/**
 * The order a load test inserts modules in: every module after the modules its `depends=` modinfo names, as
 * modprobe would; modules that depend on nothing keep the order they were given. Dependencies outside the given set
 * are the kernel's own modules, which the caller must supply (Debian: out of the kernel's image package, through
 * its modules.dep). Pure.
 */

export interface ModuleDeps {
  /** The module's name as the kernel knows it (`-` folded to `_`). */
  name: string;
  /** Its `depends=` modinfo, as names. */
  depends: readonly string[];
}

export class LoadOrderError extends Error {}

/** Module names as the kernel compares them: `-` and `_` are the same. */
export const kernelModuleName = (name: string) => name.replace(/-/g, "_");

/** `depends=` modinfo text (comma-separated, possibly empty) as names. */
export function parseDepends(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((d) => kernelModuleName(d.trim()))
    .filter(Boolean);
}

/**
 * Orders `modules` so each comes after its dependencies; returns the order (indices into `modules`) and the names
 * depended on that are not among them. Throws LoadOrderError on a dependency cycle.
 */
export function loadOrder(modules: readonly ModuleDeps[]): { order: number[]; missing: string[] } {
  const byName = new Map(modules.map((m, i) => [kernelModuleName(m.name), i]));
  const missing = new Set<string>();
  const order: number[] = [];
  const state = new Map<number, "visiting" | "done">();
  const visit = (i: number, path: string[]): void => {
    const s = state.get(i);
    if (s === "done") return;
    const name = kernelModuleName(modules[i]!.name);
    if (s === "visiting")
      throw new LoadOrderError(`modules depend on each other in a cycle: ${[...path, name].join(" → ")}`);
    state.set(i, "visiting");
    for (const dep of modules[i]!.depends) {
      const j = byName.get(kernelModuleName(dep));
      if (j === undefined) missing.add(kernelModuleName(dep));
      else visit(j, [...path, name]);
    }
    state.set(i, "done");
    order.push(i);
  };
  for (let i = 0; i < modules.length; i++) visit(i, []);
  return { order, missing: [...missing].sort() };
}

/**
 * The kernel's own modules in its image package, by name, from the package's file list (`tar -t`): paths under
 * `lib/modules/<release>/` ending in `.ko` (or a compressed `.ko.xz`/`.ko.zst`/`.ko.gz`). Debian ships no modules.dep
 * (depmod writes it on installation), so dependencies are read from the modules themselves.
 */
export function kernelModulePaths(listing: string, release: string): Map<string, string> {
  const prefix = `lib/modules/${release}/`;
  const paths = new Map<string, string>();
  for (const raw of listing.split("\n")) {
    const line = raw.trim().replace(/^\.\//, "");
    if (!line.startsWith(prefix) || !/\.ko(\.(xz|zst|gz))?$/.test(line)) continue;
    const rel = line.slice(prefix.length);
    paths.set(kernelModuleName(rel.replace(/^.*\//, "").replace(/\.ko(\.(xz|zst|gz))?$/, "")), rel);
  }
  return paths;
}
