import type { SweepState } from "../sweep/state.js";
import type { Matrix } from "../sweep/types.js";
import { CELL_STATUSES, type CellStatus, cellStatus } from "./cells.js";

/** Coverage of one state generation: how many kernels of its matrix were in each status. */
export interface CoveragePoint {
  generation: number;
  /** When the generation was created (ISO). */
  at: string;
  total: number;
  counts: Record<CellStatus, number>;
}

export function emptyCounts(): Record<CellStatus, number> {
  return Object.fromEntries(CELL_STATUSES.map((s) => [s, 0])) as Record<CellStatus, number>;
}

/**
 * Counts one generation against the matrix it points to; without that matrix, against its own entries (a state
 * written before matrices were recorded, or whose matrix object is gone).
 */
export function coveragePoint(state: SweepState, matrix: Matrix | undefined): CoveragePoint {
  const counts = emptyCounts();
  if (matrix) {
    for (const e of matrix.entries) counts[cellStatus(e, state.entries[e.id]).status]++;
  } else {
    for (const s of Object.values(state.entries)) counts[cellStatus(undefined, s).status]++;
  }
  const total = matrix ? matrix.entries.length : Object.keys(state.entries).length;
  return { generation: state.generation, at: state.createdAt, total, counts };
}

/**
 * At most `limit` generations spread evenly over the sorted list, always keeping the first and the newest, so the
 * coverage line spans the whole kept history without reading every generation.
 */
export function sampleGenerations(generations: readonly number[], limit: number): number[] {
  const n = generations.length;
  if (n <= limit) return [...generations];
  if (limit <= 1) return generations.slice(-1);
  const picked = new Set<number>();
  for (let i = 0; i < limit; i++) picked.add(generations[Math.round((i * (n - 1)) / (limit - 1))]!);
  return [...picked];
}

/** Coverage as a percentage (0 when nothing is in the matrix). */
export function coveragePercent(built: number, total: number): number {
  return total === 0 ? 0 : (100 * built) / total;
}
