import type { DependencyRole, HeaderPackageSpec } from "../../distros/adapter.js";
import { parseRelations } from "../deb822.js";

/**
 * The companions of a headers package as its signed metadata names them. The distribution's naming rules plan the
 * package set offline; once the headers package is found, each planned companion (common, kbuild) is replaced by
 * the package its `Depends` names for that role, pinned to the version an `(= v)` relation demands. A role the
 * Depends do not fill keeps the planned name, so nothing the build needs is dropped.
 */
export function companionsFromDepends(
  planned: readonly HeaderPackageSpec[],
  depends: string,
  roleOf: (dependency: string) => DependencyRole | undefined,
): Array<HeaderPackageSpec & { fromDepends: boolean }> {
  const named = parseRelations(depends).flat();
  return planned.map((spec) => {
    const relation = spec.role === "headers" ? undefined : named.find((r) => roleOf(r.name) === spec.role);
    if (!relation) return { ...spec, fromDepends: false };
    return {
      name: relation.name,
      role: spec.role,
      // The role fixes the architecture: arch-all common headers, host-arch kbuild tools for cross builds.
      arch: spec.arch,
      ...(relation.op === "=" && relation.version ? { version: relation.version } : {}),
      fromDepends: true,
    };
  });
}
