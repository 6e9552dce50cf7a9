import { readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseTargetsFile, TargetsError, type TargetsFile, type TargetsPolicy } from "../core/targets.js";

/**
 * Loads the supported-target policy from a directory of `*.yaml` files (the repository's targets/ by default).
 * Every file is validated; the first problem is reported with its file and line.
 */

/** The repository's targets/ directory, found relative to this file (src/adapters → ../../targets). */
export function defaultTargetsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "targets");
}

export async function loadTargets(dir: string = defaultTargetsDir()): Promise<TargetsPolicy> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (err) {
    throw new TargetsError(dir, 0, "", `cannot read targets directory: ${(err as Error).message}`);
  }
  const files: TargetsFile[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const path = join(dir, name);
    const file = parseTargetsFile(path, await readFile(path, "utf8"));
    const other = seen.get(file.distro);
    if (other) throw new TargetsError(path, 1, "distro", `${file.distro} is already defined in ${other}`);
    seen.set(file.distro, path);
    files.push(file);
  }
  return { files };
}
