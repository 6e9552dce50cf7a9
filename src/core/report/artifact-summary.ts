import { z } from "zod";
import { entryFiles, type IndexEntry } from "../publish/index-doc.js";
import { entryId } from "../sweep/matrix.js";
import { type BuildMetadata, headerProvenanceSchema } from "../verify/metadata.js";

/**
 * What the report knows about one published artifact, whatever published it. Kept small on purpose: a directory
 * of artifact directories (their metadata.json) and an artifact store's index both reduce to this, so the report
 * never depends on how artifacts are stored. Validated, because it crosses a process (and maybe a machine).
 */
export const artifactSummarySchema = z.object({
  /** The matrix entry it was built for: `<distro>/<distroVersion>/<arch>/<kernelRelease>`. */
  id: z.string().min(1),
  /** Where a user downloads it: an absolute URL, or a path relative to the report's directory. */
  url: z.string().min(1),
  /** SHA-256 of the file at `url`, when `url` names one file. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** First line of `--version` of the compiler the build ran. */
  compiler: z.string().optional(),
  /** Header packages the module was built against, with where each came from (a store's index keeps no URL). */
  headerPackages: z.array(headerProvenanceSchema.partial({ url: true })),
  /** Wall-clock seconds the build took. */
  buildSeconds: z.number().nonnegative().optional(),
  /** When the build finished (ISO 8601). */
  builtAt: z.string().datetime(),
});
export type ArtifactSummary = z.infer<typeof artifactSummarySchema>;

/**
 * The summary of an artifact directory's metadata.json. `url` locates the artifact; a directory holding one module
 * links that module's file (and its sha256), a directory of several links the directory itself.
 */
export function summaryFromMetadata(meta: BuildMetadata, directoryUrl: string): ArtifactSummary {
  const base = directoryUrl.replace(/\/+$/, "");
  const only = meta.modules.length === 1 ? meta.modules[0] : undefined;
  const seconds = (Date.parse(meta.finishedAt) - Date.parse(meta.startedAt)) / 1000;
  return {
    id: entryId(meta.identity),
    url: only ? `${base}/${only.file}` : `${base}/`,
    ...(only ? { sha256: only.sha256 } : {}),
    compiler: meta.compiler.text,
    headerPackages: meta.headerPackages,
    ...(seconds >= 0 ? { buildSeconds: seconds } : {}),
    builtAt: meta.finishedAt,
  };
}

/**
 * The summary of a store index entry; `locate` gives a stored file's URL. One module links its file (and sha256),
 * several link the build's metadata.json, which lists them all.
 */
export function summaryFromIndexEntry(
  entry: IndexEntry,
  locate: (shard: string, asset: string) => string,
): ArtifactSummary {
  const files = entryFiles(entry);
  const modules = files.filter((f) => f.role === "module");
  const linked = modules.length === 1 ? modules[0] : files.find((f) => f.role === "metadata");
  return {
    id: entryId(entry.identity),
    url: locate(entry.shard, linked?.asset ?? ""),
    ...(modules.length === 1 && linked ? { sha256: linked.sha256 } : {}),
    compiler: entry.compiler.text,
    headerPackages: entry.headerPackages,
    builtAt: entry.builtAt,
  };
}

/** One summary per entry id: the newest build wins when a kernel was built more than once. */
export function newestById(summaries: readonly ArtifactSummary[]): Map<string, ArtifactSummary> {
  const byId = new Map<string, ArtifactSummary>();
  for (const s of summaries) {
    const seen = byId.get(s.id);
    if (!seen || Date.parse(s.builtAt) > Date.parse(seen.builtAt)) byId.set(s.id, s);
  }
  return byId;
}
