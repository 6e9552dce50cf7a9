import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { InvalidInputError } from "../../core/errors.js";
import { type KernelIdentity, parseIdentity } from "../../core/identity.js";
import type { FileRole } from "../../core/publish/index-doc.js";
import { type BuildMetadata, parseMetadata, parseSha256sums } from "../../core/verify/metadata.js";

/**
 * Reads an artifact directory as a build writes it (`<artifact name>/` with one `.ko.xz` per module,
 * metadata.json, SHA256SUMS and build.log) and checks it is whole before anything is published: the metadata
 * validates, the identity parses, SHA256SUMS lists every module and metadata.json, and every byte matches both.
 */

export interface ArtifactFile {
  role: FileRole;
  /** The file's name in the artifact directory. */
  file: string;
  bytes: Buffer;
  sha256: string;
}

export interface PreparedArtifact {
  dir: string;
  metadata: BuildMetadata;
  identity: KernelIdentity;
  /** First 16 hex digits of the SHA-256 of metadata.json: names this build's assets. */
  buildId: string;
  files: ArtifactFile[];
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function refuse(dir: string, message: string): InvalidInputError {
  return new InvalidInputError([
    {
      field: "artifact",
      given: dir,
      expected: "an artifact directory as kmodforge build writes it",
      message: `artifact ${dir}: ${message}`,
    },
  ]);
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export async function readArtifactDir(dir: string): Promise<PreparedArtifact> {
  const metaBytes = await readOptional(join(dir, "metadata.json"));
  if (!metaBytes) throw refuse(dir, "no metadata.json");
  const parsed = parseMetadata(metaBytes.toString("utf8"));
  if (!parsed.ok) throw refuse(dir, parsed.message);
  const metadata = parsed.value;
  if (basename(resolve(dir)) !== metadata.artifactName)
    throw refuse(dir, `the directory is not named after its artifact ${metadata.artifactName}`);
  const id = parseIdentity({ ...metadata.identity, driverVersion: metadata.driverVersion });
  if (!id.ok) throw refuse(dir, id.error.message);
  const identity = id.value;
  for (const field of ["distro", "distroVersion", "arch", "kernelRelease"] as const) {
    if (identity[field] !== metadata.identity[field])
      throw refuse(
        dir,
        `identity ${field} ${metadata.identity[field]} is not in normal form (${identity[field]})`,
      );
  }

  const sumsBytes = await readOptional(join(dir, "SHA256SUMS"));
  const sums = sumsBytes ? parseSha256sums(sumsBytes.toString("utf8")) : undefined;
  if (!sums) throw refuse(dir, "SHA256SUMS is missing or not in `<sha256>  <file>` form");
  const files: ArtifactFile[] = [];
  const add = (role: FileRole, file: string, bytes: Buffer) => {
    const digest = sha256(bytes);
    if (role !== "sums" && role !== "log" && sums.get(file) !== digest)
      throw refuse(dir, `${file} does not match SHA256SUMS`);
    files.push({ role, file, bytes, sha256: digest });
  };
  for (const m of metadata.modules) {
    const bytes = await readOptional(join(dir, m.file));
    if (!bytes) throw refuse(dir, `module file ${m.file} is missing`);
    if (sha256(bytes) !== m.sha256 || bytes.length !== m.size)
      throw refuse(dir, `module file ${m.file} does not match metadata.json`);
    add("module", m.file, bytes);
  }
  add("metadata", "metadata.json", metaBytes);
  add("sums", "SHA256SUMS", sumsBytes!);
  const log = await readOptional(join(dir, "build.log"));
  if (log) add("log", "build.log", log);
  return { dir, metadata, identity, buildId: sha256(metaBytes).slice(0, 16), files };
}

/**
 * The artifact directories under `from`: `from` itself when it holds a metadata.json, else every directory below
 * it that does (as `build --out`, a sweep's artifacts directory or a Dagger build-many output lay them out).
 */
export async function findArtifactDirs(from: string, depth = 6): Promise<string[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(from, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR")
      throw refuse(from, "not a directory");
    throw err;
  }
  if (entries.some((e) => e.isFile() && e.name === "metadata.json")) return [from];
  if (depth === 0) return [];
  const nested = await Promise.all(
    entries.filter((e) => e.isDirectory()).map((e) => findArtifactDirs(join(from, e.name), depth - 1)),
  );
  return nested.flat().sort();
}
