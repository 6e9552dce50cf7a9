import { stringify } from "yaml";
import { type ChunkSet, chunkSetKey, formatChunkRef } from "./chunk.js";

/**
 * CI-neutral fan-out outputs. Every format carries chunk references only, never entries, so the output of a
 * generator job stays a few kilobytes per page.
 */
export const FAN_OUT_FORMATS = ["github-matrix", "gitlab", "json"] as const;
export type FanOutFormat = (typeof FAN_OUT_FORMATS)[number];

export interface FanOutOptions {
  /** State-store URL the jobs read chunks from (file://… or s3://…). */
  state: string;
  /** Page to emit (github-matrix and gitlab): one CI run holds at most 256 jobs. */
  page?: number;
  /** Extra `kmodforge sweep --build-chunk` arguments for GitLab jobs (e.g. `--s3-endpoint …`). */
  extraArgs?: string[];
}

function pageIndexes(set: ChunkSet, page: number): number[] {
  const indexes = set.pages[page];
  if (!indexes && set.chunks.length > 0)
    throw new RangeError(`page ${page} does not exist (pages: ${set.pages.length})`);
  return indexes ?? [];
}

/** `{"include":[{"chunk":"chunks/<set>#0"},…]}` for `strategy.matrix: ${{ fromJSON(…) }}`. */
export function githubMatrix(set: ChunkSet, page = 0): { include: Array<{ chunk: string }> } {
  const key = chunkSetKey(set.setId);
  return { include: pageIndexes(set, page).map((index) => ({ chunk: formatChunkRef({ key, index }) })) };
}

/** A GitLab child-pipeline YAML: one job per chunk of the page. */
export function gitlabChildPipeline(set: ChunkSet, options: FanOutOptions): string {
  const key = chunkSetKey(set.setId);
  const doc: Record<string, unknown> = { stages: ["build"] };
  const indexes = pageIndexes(set, options.page ?? 0);
  if (indexes.length === 0) {
    // GitLab rejects a pipeline without jobs; an empty sweep still yields a valid child pipeline.
    doc["sweep-nothing-to-build"] = { stage: "build", script: ["echo nothing to build"] };
  }
  for (const index of indexes) {
    const ref = formatChunkRef({ key, index });
    doc[`build-chunk-${String(index).padStart(6, "0")}`] = {
      stage: "build",
      variables: { KMODFORGE_CHUNK: ref, KMODFORGE_STATE: options.state },
      script: [
        [
          "npx kmodforge sweep --build-chunk",
          '"$KMODFORGE_CHUNK"',
          '--state "$KMODFORGE_STATE"',
          ...(options.extraArgs ?? []),
        ].join(" "),
      ],
    };
  }
  return stringify(doc, { lineWidth: 0 });
}

export function jsonFanOut(set: ChunkSet, options: FanOutOptions): unknown {
  const key = chunkSetKey(set.setId);
  return {
    schemaVersion: 1,
    state: options.state,
    setId: set.setId,
    chunkCount: set.chunks.length,
    pages: set.pages.map((indexes) => indexes.map((index) => formatChunkRef({ key, index }))),
  };
}

export function renderFanOut(set: ChunkSet, format: FanOutFormat, options: FanOutOptions): string {
  if (format === "github-matrix") return `${JSON.stringify(githubMatrix(set, options.page ?? 0))}\n`;
  if (format === "gitlab") return gitlabChildPipeline(set, options);
  return `${JSON.stringify(jsonFanOut(set, options))}\n`;
}
