import type { Dirent } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { InvalidInputError } from "../core/errors.js";
import { type ArtifactSummary, summaryFromMetadata } from "../core/report/artifact-summary.js";
import { parseMetadata } from "../core/verify/metadata.js";

/**
 * Artifact summaries from a directory of artifact directories (what a sweep that builds here and `build` write:
 * `<dir>/<artifact>/metadata.json` beside the module files). Sub-directories without metadata.json are not artifacts
 * (e.g. `failed/`, which keeps logs of failed builds) and are passed over; a metadata.json that does not validate is
 * reported, never dropped silently.
 */
export interface ArtifactDirectoryRead {
  summaries: ArtifactSummary[];
  problems: string[];
}

export interface ArtifactLinkOptions {
  /** Public base URL the artifact directories are served under; links are `<base>/<artifact>/…`. */
  baseUrl?: string;
  /** Otherwise links are relative to this directory (where the report is written). */
  from: string;
}

export async function readArtifactDirectory(
  dir: string,
  link: ArtifactLinkOptions,
): Promise<ArtifactDirectoryRead> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new InvalidInputError([
      {
        field: "artifacts",
        given: dir,
        expected: "a directory of artifact directories",
        message: `artifacts: cannot read ${dir}: ${(err as Error).message}`,
      },
    ]);
  }
  const dirs = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const out: ArtifactDirectoryRead = { summaries: [], problems: [] };
  // Bounded batches: a sweep's artifact directory may hold tens of thousands of builds.
  for (let i = 0; i < dirs.length; i += 64) {
    const batch = dirs.slice(i, i + 64);
    const read = await Promise.all(batch.map((name) => readMetadata(join(dir, name, "metadata.json"))));
    read.forEach((text, j) => {
      const name = batch[j]!;
      if (text === undefined) return;
      const parsed = parseMetadata(text);
      if (parsed.ok) out.summaries.push(summaryFromMetadata(parsed.value, artifactLink(dir, name, link)));
      else out.problems.push(`${join(dir, name)}: ${parsed.message}`);
    });
  }
  return out;
}

async function readMetadata(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** The link to one artifact directory: under the public base URL, else relative to where the report is written. */
export function artifactLink(dir: string, name: string, link: ArtifactLinkOptions): string {
  if (link.baseUrl) return `${link.baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(name)}`;
  return relative(link.from, join(dir, name)).split(sep).map(encodeURIComponent).join("/");
}
