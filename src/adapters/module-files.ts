import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ChecksumMismatchError, KmodforgeError } from "../core/errors.js";
import { sha256Hex } from "../core/hash.js";
import { type BuildMetadata, parseMetadata, parseSha256sums } from "../core/verify/metadata.js";
import { runProcess } from "./run-process.js";

/**
 * Turns what a user passes as `--module` into module files: a `.ko`/`.ko.xz` file, or an artifact directory. An
 * artifact directory with metadata.json gives its modules in the metadata's order and its identity; every module
 * must match the checksum the metadata and SHA256SUMS record, so a tampered artifact is refused before it is
 * verified or booted. A directory without metadata gives every `.ko.xz` (or `.ko`) it holds.
 */
export interface ModuleSet {
  files: string[];
  /** The kernel the artifact directories were built for, when they say (all must agree). */
  identity?: BuildMetadata["identity"];
}

export async function collectModuleFiles(inputs: readonly string[]): Promise<ModuleSet> {
  const set: ModuleSet = { files: [] };
  for (const input of inputs) {
    if (!existsSync(input)) throw new KmodforgeError("INVALID_INPUT", `module path ${input} does not exist`);
    if (!(await stat(input)).isDirectory()) {
      set.files.push(input);
      continue;
    }
    const sums = await readSums(input);
    if (existsSync(join(input, "metadata.json"))) {
      const metadata = await readArtifactMetadata(input, sums);
      if (set.identity && JSON.stringify(set.identity) !== JSON.stringify(metadata.identity))
        throw new KmodforgeError(
          "INVALID_INPUT",
          `${input} was built for another kernel than the other artifacts`,
        );
      set.identity = metadata.identity;
      set.files.push(...metadata.modules.map((m) => join(input, m.file)));
      continue;
    }
    set.files.push(...(await modulesIn(input, sums)));
  }
  return set;
}

async function readSums(dir: string): Promise<Map<string, string> | undefined> {
  const path = join(dir, "SHA256SUMS");
  if (!existsSync(path)) return undefined;
  const sums = parseSha256sums(await readFile(path, "utf8"));
  if (!sums) throw new KmodforgeError("INVALID_INPUT", `${path} is not in the sha256sum format`);
  return sums;
}

async function checkFile(dir: string, name: string, expected: string | undefined): Promise<void> {
  if (!expected) return;
  const actual = sha256Hex(await readFile(join(dir, name)));
  if (actual !== expected) throw new ChecksumMismatchError(join(dir, name), expected, actual);
}

async function readArtifactMetadata(
  dir: string,
  sums: Map<string, string> | undefined,
): Promise<BuildMetadata> {
  await checkFile(dir, "metadata.json", sums?.get("metadata.json"));
  const parsed = parseMetadata(await readFile(join(dir, "metadata.json"), "utf8"));
  if (!parsed.ok) throw new KmodforgeError("INVALID_INPUT", `${dir}: ${parsed.message}`);
  for (const m of parsed.value.modules) {
    if (!existsSync(join(dir, m.file)))
      throw new KmodforgeError("INVALID_INPUT", `${dir}: module ${m.name} (${m.file}) is missing`);
    await checkFile(dir, m.file, m.sha256);
    await checkFile(dir, m.file, sums?.get(m.file));
  }
  return parsed.value;
}

async function modulesIn(dir: string, sums: Map<string, string> | undefined): Promise<string[]> {
  const names = (await readdir(dir)).sort();
  const packed = names.filter((n) => n.endsWith(".ko.xz"));
  const plain = names.filter((n) => n.endsWith(".ko") && !packed.includes(`${n}.xz`));
  const chosen = [...packed, ...plain];
  if (chosen.length === 0) throw new KmodforgeError("INVALID_INPUT", `no .ko or .ko.xz file in ${dir}`);
  for (const name of chosen) await checkFile(dir, name, sums?.get(name));
  return chosen.map((n) => join(dir, n));
}

/** A module file's uncompressed bytes: a `.ko` as it is, a `.ko.xz` decompressed. */
export async function readModuleBytes(path: string): Promise<Buffer> {
  if (!path.endsWith(".xz")) return readFile(path);
  const r = await runProcess("xz", ["-d", "-c", "--", path], {
    timeoutMs: 120_000,
    maxOutputBytes: 512 * 1024 * 1024,
  });
  if (r.code !== 0)
    throw new KmodforgeError("INVALID_INPUT", `${path}: not a valid .xz file (${r.stderr.trim()})`);
  return r.stdoutBytes;
}
