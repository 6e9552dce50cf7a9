import { z } from "zod";
import { byCodeUnit, canonicalJson } from "../hash.js";
import { entryId } from "../sweep/matrix.js";
import { type BuildMetadata, headerProvenanceSchema, metadataSchema } from "../verify/metadata.js";
import type { DocumentSpec } from "./generations.js";
import { assetName, BUILD_ID, indexFolder } from "./layout.js";

/**
 * index.json: one per driver version, the answer to "is there a verified artifact for this identity, and where?".
 * Keyed by `<distro>/<distroVersion>/<arch>/<kernelRelease>`; each entry names its build, its shard and every
 * stored file with its SHA-256 and size, plus a summary of the metadata (package, modules, compiler, header
 * provenance, cache key, built-at). Serialised as canonical JSON, so equal indexes are equal bytes.
 */

export const INDEX_SCHEMA_VERSION = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const storeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/);
const datetime = z.string().datetime();

/** A stored file's SHA-256 and size; its asset is `<build>.<file>` in the entry's shard (layout.ts assetName). */
const checksumSchema = z.object({ sha256, size: z.number().int().nonnegative() });

const moduleShape = metadataSchema.shape.modules.element;

export const indexEntrySchema = z.object({
  artifactName: storeName,
  /** First 16 hex digits of the SHA-256 of the build's metadata.json. */
  build: z.string().regex(BUILD_ID),
  /** Folder holding every file of the build. */
  shard: storeName,
  publishedAt: datetime,
  identity: metadataSchema.shape.identity,
  package: metadataSchema.shape.package,
  modules: z.array(
    checksumSchema.extend({
      name: moduleShape.shape.name,
      /** The module's file name as the build wrote it (what a download writes). */
      file: moduleShape.shape.file,
      version: moduleShape.shape.version,
      signed: z.boolean(),
    }),
  ),
  metadata: checksumSchema,
  sums: checksumSchema,
  log: checksumSchema.optional(),
  compiler: metadataSchema.shape.compiler,
  headerPackages: z.array(
    headerProvenanceSchema.pick({ name: true, version: true, sha256: true, source: true }),
  ),
  builder: metadataSchema.shape.builder,
  cacheKey: sha256,
  signed: z.boolean(),
  builtAt: datetime,
});
export type IndexEntry = z.infer<typeof indexEntrySchema>;

export const indexSchema = z
  .object({
    schemaVersion: z.literal(INDEX_SCHEMA_VERSION),
    kind: z.literal("kmodforge-index"),
    driverVersion: z.string().min(1),
    /** The module package every entry of this driver version builds. */
    package: z.string().min(1),
    generation: z.number().int().positive(),
    updatedAt: datetime,
    entries: z.record(z.string(), indexEntrySchema),
  })
  .superRefine((index, ctx) => {
    for (const [key, entry] of Object.entries(index.entries)) {
      if (key !== entryId(entry.identity))
        ctx.addIssue({ code: "custom", path: ["entries", key], message: "key does not match the identity" });
    }
  });
export type ArtifactIndex = z.infer<typeof indexSchema>;

/** The index of a driver version as a versioned document. */
export function indexSpec(driverVersion: string): DocumentSpec<ArtifactIndex> {
  return { name: "index", folder: indexFolder(driverVersion), schema: indexSchema };
}

export type FileRole = "module" | "metadata" | "sums" | "log";

/** One file of a build: its name in the artifact directory, its asset in the shard, SHA-256 and size. */
export interface EntryFile {
  role: FileRole;
  file: string;
  asset: string;
  sha256: string;
  size: number;
  /** Module name, for module files. */
  module?: string;
}

/** Where a build's files were stored: its shard and every file. */
export interface StoredBuild {
  build: string;
  shard: string;
  files: EntryFile[];
}

const FIXED_FILES: Record<Exclude<FileRole, "module">, string> = {
  metadata: "metadata.json",
  sums: "SHA256SUMS",
  log: "build.log",
};

/** Every file an index entry names, with its asset name. */
export function entryFiles(entry: IndexEntry): EntryFile[] {
  const at = (role: FileRole, file: string, sum: { sha256: string; size: number }, module?: string) => ({
    role,
    file,
    asset: assetName(entry.build, file),
    sha256: sum.sha256,
    size: sum.size,
    ...(module ? { module } : {}),
  });
  return [
    ...entry.modules.map((m) => at("module", m.file, m, m.name)),
    at("metadata", FIXED_FILES.metadata, entry.metadata),
    at("sums", FIXED_FILES.sums, entry.sums),
    ...(entry.log ? [at("log", FIXED_FILES.log, entry.log)] : []),
  ];
}

/** The index entry for a build from its (validated) metadata and where its files were stored. */
export function indexEntry(metadata: BuildMetadata, stored: StoredBuild, publishedAt: Date): IndexEntry {
  const sum = (role: Exclude<FileRole, "module">) => {
    const f = stored.files.find((x) => x.role === role);
    return f ? { sha256: f.sha256, size: f.size } : undefined;
  };
  const [metadataSum, sums, log] = [sum("metadata"), sum("sums"), sum("log")];
  if (!metadataSum || !sums)
    throw new RangeError(`build ${stored.build} stored no metadata.json or SHA256SUMS`);
  return {
    artifactName: metadata.artifactName,
    build: stored.build,
    shard: stored.shard,
    publishedAt: publishedAt.toISOString(),
    identity: metadata.identity,
    package: metadata.package,
    modules: metadata.modules.map((m) => {
      const file = stored.files.find((f) => f.role === "module" && f.file === m.file);
      if (!file) throw new RangeError(`module file ${m.file} was not stored`);
      return {
        name: m.name,
        file: m.file,
        version: m.version,
        signed: m.signed,
        sha256: file.sha256,
        size: file.size,
      };
    }),
    metadata: metadataSum,
    sums,
    ...(log ? { log } : {}),
    compiler: metadata.compiler,
    headerPackages: metadata.headerPackages.map(({ name, version, sha256, source }) => ({
      name,
      version,
      sha256,
      source,
    })),
    builder: metadata.builder,
    cacheKey: metadata.cacheKey,
    signed: metadata.signed,
    builtAt: metadata.finishedAt,
  };
}

export interface Refusal {
  id: string;
  artifactName: string;
  /** The build already published, or the package name the index belongs to. */
  published: string;
  offered: string;
  reason: "different-build" | "different-package";
}

export interface MergeResult {
  /** The merged index without a generation number yet; undefined when nothing changed. */
  next?: Omit<ArtifactIndex, "generation">;
  added: string[];
  replaced: string[];
  unchanged: string[];
  refused: Refusal[];
}

export type Verdict =
  | { kind: "add" | "replace" | "unchanged" }
  | { kind: "refuse"; reason: Refusal["reason"]; published: string };

/**
 * What publishing a build under an identity does to an index. Publishing is idempotent and published artifacts
 * are immutable: the same build again is unchanged, a different build under a published identity is refused
 * unless `force`, and an index holds one package.
 */
export function classifyBuild(
  current: Pick<ArtifactIndex, "package" | "entries"> | undefined,
  offered: { id: string; build: string; packageName: string },
  force: boolean,
): Verdict {
  if (current && current.package !== offered.packageName)
    return { kind: "refuse", reason: "different-package", published: current.package };
  const published = current?.entries[offered.id];
  if (!published) return { kind: "add" };
  if (published.build === offered.build) return { kind: "unchanged" };
  if (force) return { kind: "replace" };
  return { kind: "refuse", reason: "different-build", published: published.build };
}

/** Merges new entries into the current index by classifyBuild. */
export function mergeIndex(
  current: ArtifactIndex | undefined,
  offered: readonly IndexEntry[],
  options: { driverVersion: string; force: boolean; now: Date },
): MergeResult {
  const packageName = current?.package ?? offered[0]?.package.name ?? "";
  const merged = { package: packageName, entries: { ...(current?.entries ?? {}) } };
  const result: MergeResult = { added: [], replaced: [], unchanged: [], refused: [] };
  for (const entry of offered) {
    const id = entryId(entry.identity);
    const verdict = classifyBuild(
      merged,
      { id, build: entry.build, packageName: entry.package.name },
      options.force,
    );
    if (verdict.kind === "refuse") {
      result.refused.push({
        id,
        artifactName: entry.artifactName,
        published: verdict.published,
        offered: verdict.reason === "different-package" ? entry.package.name : entry.build,
        reason: verdict.reason,
      });
      continue;
    }
    if (verdict.kind !== "unchanged") merged.entries[id] = entry;
    result[verdict.kind === "add" ? "added" : verdict.kind === "replace" ? "replaced" : "unchanged"].push(id);
  }
  if (result.added.length + result.replaced.length === 0) return result;
  const sorted = Object.fromEntries(Object.entries(merged.entries).sort(([a], [b]) => byCodeUnit(a, b)));
  result.next = {
    schemaVersion: INDEX_SCHEMA_VERSION,
    kind: "kmodforge-index",
    driverVersion: options.driverVersion,
    package: packageName,
    updatedAt: options.now.toISOString(),
    entries: sorted,
  };
  return result;
}

/** The bytes of a document: canonical JSON and a newline. What is signed is exactly these bytes. */
export function serialiseDocument(value: unknown): Buffer {
  return Buffer.from(`${canonicalJson(value)}\n`, "utf8");
}
