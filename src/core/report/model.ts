import { byCodeUnit } from "../hash.js";
import type { SweepState } from "../sweep/state.js";
import type { Matrix } from "../sweep/types.js";
import { type ArtifactSummary, newestById } from "./artifact-summary.js";
import { buildCell, type CellStatus, type ReportCell } from "./cells.js";
import { type CoveragePoint, coveragePercent, coveragePoint, emptyCounts } from "./history.js";
import { type ReportStats, reportStats } from "./stats.js";

/**
 * The report's data model. Its inputs are the sweep state (newest generation plus a coverage point per sampled
 * generation), the matrix the newest generation points to, and optionally what is known about published artifacts.
 * Pure: the same inputs give the same report, byte for byte once serialised.
 */
export const REPORT_SCHEMA_VERSION = 1 as const;

export interface ReportInputs {
  state: SweepState;
  /** The state store the report was made from (shown, never fetched). */
  stateUrl: string;
  /** The matrix `state.matrixKey` names; without it the report shows the state's own entries. */
  matrix?: Matrix;
  /** Coverage of earlier generations, oldest first (the newest generation's point is computed here). */
  history: readonly CoveragePoint[];
  artifacts?: readonly ArtifactSummary[];
  /** Problems found while reading the inputs (unreadable metadata …), shown on the page. */
  notes?: readonly string[];
  generatedAt: Date;
}

export interface ReportTotals extends Record<CellStatus, number> {
  total: number;
  coveragePercent: number;
}

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  kind: "kmodforge-report";
  generatedAt: string;
  state: { url: string; generation: number; createdAt: string; matrixKey?: string };
  totals: ReportTotals;
  stats: ReportStats;
  history: CoveragePoint[];
  /** Matrix order (sorted by id). */
  cells: ReportCell[];
  notes: string[];
}

export function buildReport(inputs: ReportInputs): Report {
  const { state, matrix } = inputs;
  const artifacts = newestById(inputs.artifacts ?? []);
  const firstSeen = state.firstSeen ?? {};
  const notes = [...(inputs.notes ?? [])];
  const cells: ReportCell[] = matrix
    ? matrix.entries.map((e) => buildCell(e.id, e, state.entries[e.id], artifacts.get(e.id), firstSeen[e.id]))
    : Object.keys(state.entries)
        .sort(byCodeUnit)
        .map((id) => buildCell(id, undefined, state.entries[id], artifacts.get(id), firstSeen[id]));
  if (state.generation === 0)
    notes.push(`The state store ${inputs.stateUrl} holds no sweep yet: run a sweep first, or check --state.`);
  if (!matrix && state.generation > 0)
    notes.push(
      state.matrixKey
        ? `The matrix ${state.matrixKey} is missing from the state store: showing the state's own entries, so kernels never built are not listed.`
        : "This state names no matrix: showing the state's own entries, so kernels never built are not listed.",
    );
  const ids = new Set(cells.map((c) => c.id));
  const outside = [...artifacts.keys()].filter((id) => !ids.has(id)).length;
  if (outside > 0)
    notes.push(`${outside} artifact(s) are for kernels outside the current matrix (not shown).`);
  const totals = totalsOf(cells);
  const newest = coveragePoint(state, matrix);
  const history = inputs.history.filter((p) => p.generation < state.generation);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind: "kmodforge-report",
    generatedAt: inputs.generatedAt.toISOString(),
    state: {
      url: inputs.stateUrl,
      generation: state.generation,
      createdAt: state.createdAt,
      ...(state.matrixKey ? { matrixKey: state.matrixKey } : {}),
    },
    totals,
    stats: reportStats(cells),
    history: state.generation > 0 ? [...history, newest] : [...history],
    cells,
    notes,
  };
}

function totalsOf(cells: readonly ReportCell[]): ReportTotals {
  const counts = emptyCounts();
  for (const c of cells) counts[c.status]++;
  return { ...counts, total: cells.length, coveragePercent: coveragePercent(counts.built, cells.length) };
}
