import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository (or installed package) root: holds scripts/, dockerfiles/, targets/ and kernel-module/. */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
}

/** Where the build step scripts live (the same scripts builder containers run). */
export function scriptsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "scripts");
}

export const script = (name: "extract-headers.sh" | "compile-module.sh" | "package-modules.sh") =>
  join(scriptsDir(), name);

/** The sample module shipped with kmodforge, the default module source. */
export function defaultModuleDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "kernel-module");
}
