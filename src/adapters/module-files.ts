import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ChecksumMismatchError, KmodforgeError } from "../core/errors.js";

/**
 * Turns what a user passes as `--module` into module files: a `.ko`/`.ko.xz` file, or an artifact directory whose
 * modules are taken (the packaged `.ko.xz` preferred over a `.ko` of the same name). When the directory carries a
 * `SHA256SUMS`, every module it lists must still match it, so a tampered artifact is refused before it is booted.
 */
export async function collectModuleFiles(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new KmodforgeError("INVALID_INPUT", `module path ${input} does not exist`);
    if (!(await stat(input)).isDirectory()) {
      files.push(input);
      continue;
    }
    const names = (await readdir(input)).sort();
    const packed = names.filter((n) => n.endsWith(".ko.xz"));
    const plain = names.filter((n) => n.endsWith(".ko") && !packed.includes(`${n}.xz`));
    const chosen = [...packed, ...plain];
    if (chosen.length === 0) throw new KmodforgeError("INVALID_INPUT", `no .ko or .ko.xz file in ${input}`);
    await checkSums(input, chosen);
    files.push(...chosen.map((n) => join(input, n)));
  }
  return files;
}

async function checkSums(dir: string, names: readonly string[]): Promise<void> {
  const sumsPath = join(dir, "SHA256SUMS");
  if (!existsSync(sumsPath)) return;
  const listed = new Map<string, string>();
  for (const line of (await readFile(sumsPath, "utf8")).split("\n")) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (m) listed.set(m[2]!.replace(/^\.\//, ""), m[1]!);
  }
  for (const name of names) {
    const expected = listed.get(name);
    if (!expected) continue;
    const actual = createHash("sha256")
      .update(await readFile(join(dir, name)))
      .digest("hex");
    if (actual !== expected) throw new ChecksumMismatchError(join(dir, name), expected, actual);
  }
}
