import { KmodforgeError } from "../core/errors.js";
import type { ArtifactSummary } from "../core/report/artifact-summary.js";
import { type CoveragePoint, coveragePoint, sampleGenerations } from "../core/report/history.js";
import type { ReportInputs } from "../core/report/model.js";
import type { StateStore } from "../core/sweep/store.js";
import type { Matrix } from "../core/sweep/types.js";
import { getMatrix, listGenerations, readState } from "./sweep-state.js";

/**
 * Reads what the report is made of from a state store: the newest generation, the matrix it points to, and a
 * coverage point for up to `historyLimit` earlier generations spread over the kept history. Artifact summaries come
 * from the caller (a directory today, an artifact store's index later), so this adapter only knows the state.
 */
export interface ReportSourceOptions {
  historyLimit: number;
  artifacts?: readonly ArtifactSummary[];
  notes?: readonly string[];
  now?: Date;
  onProgress?: (line: string) => void;
}

export async function loadReportInputs(
  store: StateStore,
  options: ReportSourceOptions,
): Promise<ReportInputs> {
  const log = options.onProgress ?? (() => undefined);
  const generations = await listGenerations(store);
  const newest = generations.at(-1);
  const state = await readState(store, newest ?? 0);
  const matrices = new MatrixCache(store);
  const matrix = state.matrixKey ? await matrices.get(state.matrixKey) : undefined;
  const notes = [...(options.notes ?? [])];
  const history: CoveragePoint[] = [];
  const earlier = sampleGenerations(generations.slice(0, -1), Math.max(0, options.historyLimit - 1));
  for (const n of earlier) {
    try {
      const past = await readState(store, n);
      history.push(coveragePoint(past, past.matrixKey ? await matrices.get(past.matrixKey) : undefined));
    } catch (err) {
      // A sweep running now may prune old generations between the listing and the read.
      if (!(err instanceof KmodforgeError && err.code === "STATE_CONFLICT")) throw err;
      notes.push(`Generation ${n} was pruned while the report was read; the coverage line skips it.`);
    }
  }
  log(`state: generation ${state.generation}, ${history.length} earlier generation(s) sampled`);
  return {
    state,
    stateUrl: store.url,
    ...(matrix ? { matrix } : {}),
    history,
    ...(options.artifacts ? { artifacts: options.artifacts } : {}),
    notes,
    generatedAt: options.now ?? new Date(),
  };
}

/** Consecutive generations usually share a matrix; keep the last one read instead of parsing it again. */
class MatrixCache {
  private key?: string;
  private matrix?: Matrix;
  constructor(private readonly store: StateStore) {}
  async get(key: string): Promise<Matrix | undefined> {
    if (key !== this.key) {
      this.key = key;
      this.matrix = await getMatrix(this.store, key);
    }
    return this.matrix;
  }
}
