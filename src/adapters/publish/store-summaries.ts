import type { ArtifactStore } from "../../core/publish/store.js";
import { type ArtifactSummary, summaryFromIndexEntry } from "../../core/report/artifact-summary.js";
import { type IndexRequest, readIndex } from "./lookup.js";

export interface StoreSummaries {
  summaries: ArtifactSummary[];
  /** What the report says about the store: which index it read, or why it read none. */
  note: string;
}

/**
 * Artifact summaries of every entry in a store's published index (the given driver version's, else the newest),
 * for the coverage report: artifact links and sha256 as lookup answers them. A store without an index is a note,
 * not an error, so a report of a sweep that has not published yet still renders.
 */
export async function readStoreSummaries(
  store: ArtifactStore,
  request: IndexRequest,
): Promise<StoreSummaries> {
  const read = await readIndex(store, request);
  if (read.kind === "no-driver-version")
    return {
      summaries: [],
      note: `Store ${store.url}: nothing published yet (no driver version in its catalog).`,
    };
  if (read.kind === "no-index")
    return { summaries: [], note: `Store ${store.url}: no index for driver version ${read.driverVersion}.` };
  const entries = Object.values(read.index.value.entries);
  return {
    summaries: entries.map((e) => summaryFromIndexEntry(e, (shard, asset) => store.locate(shard, asset))),
    note: `Store ${store.url}: driver version ${read.driverVersion}, index generation ${read.index.generation}, ${entries.length} artifact(s).`,
  };
}
