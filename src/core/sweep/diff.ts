import { byCodeUnit } from "../hash.js";
import type { EntryState, SweepState } from "./state.js";
import type { Matrix, MatrixEntry } from "./types.js";

/**
 * Diff of a matrix against durable state. Every matrix entry lands in exactly one class; state entries missing
 * from the matrix are `removed`. `work` is what this sweep builds, chosen by the mode.
 */
export type DiffMode = "changed" | "force" | "only-failed";

export type EntryClass =
  | "added"
  | "changed"
  | "unchanged"
  | "excluded"
  | "failed-retry"
  | "failed-waiting"
  | "pending";

export interface DiffOptions {
  mode?: DiffMode;
  now: Date;
  /** Retry failures even when their backoff has not elapsed (`--force` with `--only-failed`). */
  ignoreBackoff?: boolean;
  /** A queued entry with no result after this long is retried (its job was lost). Default two days. */
  pendingTimeoutMs?: number;
}

export const DEFAULT_PENDING_TIMEOUT_MS = 48 * 3_600_000;

export interface MatrixDiff {
  added: string[];
  changed: string[];
  unchanged: string[];
  /** Left out by the package's build-exclusive rules for this cache key: built again only when the key changes. */
  excluded: string[];
  removed: string[];
  /** Failed with this cache key before and due for a retry. */
  failedRetry: string[];
  /** Failed with this cache key before; backoff not yet elapsed. */
  failedWaiting: string[];
  /** Queued earlier but no result recorded yet (a build may still be running). */
  pending: string[];
  /** Entries this sweep should build, in matrix order. */
  work: MatrixEntry[];
}

export function classifyEntry(
  entry: MatrixEntry,
  prev: EntryState | undefined,
  now: Date,
  ignoreBackoff = false,
  pendingTimeoutMs = DEFAULT_PENDING_TIMEOUT_MS,
): EntryClass {
  if (!prev) return "added";
  if (prev.cacheKey !== entry.cacheKey) return "changed";
  if (prev.status === "built") return "unchanged";
  if (prev.status === "excluded") return "excluded";
  if (prev.status === "pending")
    return Date.parse(prev.at) + pendingTimeoutMs <= now.getTime() ? "failed-retry" : "pending";
  const due = ignoreBackoff || !prev.failure || Date.parse(prev.failure.nextRetryAt) <= now.getTime();
  return due ? "failed-retry" : "failed-waiting";
}

export function diffMatrix(
  matrix: Matrix,
  state: Pick<SweepState, "entries" | "firstSeen">,
  options: DiffOptions,
): MatrixDiff {
  const mode = options.mode ?? "changed";
  const d: MatrixDiff = {
    added: [],
    changed: [],
    unchanged: [],
    excluded: [],
    removed: [],
    failedRetry: [],
    failedWaiting: [],
    pending: [],
    work: [],
  };
  const buckets: Record<EntryClass, string[]> = {
    added: d.added,
    changed: d.changed,
    unchanged: d.unchanged,
    excluded: d.excluded,
    pending: d.pending,
    "failed-retry": d.failedRetry,
    "failed-waiting": d.failedWaiting,
  };
  const inMatrix = new Set<string>();
  for (const entry of matrix.entries) {
    inMatrix.add(entry.id);
    const cls = classifyEntry(
      entry,
      state.entries[entry.id],
      options.now,
      options.ignoreBackoff,
      options.pendingTimeoutMs,
    );
    buckets[cls].push(entry.id);
    const build =
      mode === "force" ||
      (mode === "only-failed" && cls === "failed-retry") ||
      (mode === "changed" && (cls === "added" || cls === "changed" || cls === "failed-retry"));
    if (build) d.work.push(entry);
  }
  for (const id of Object.keys(state.entries)) if (!inMatrix.has(id)) d.removed.push(id);
  // A kernel seen but never built that left the matrix is removed too, so its first-seen record goes with it.
  for (const id of Object.keys(state.firstSeen ?? {}))
    if (!inMatrix.has(id) && !state.entries[id]) d.removed.push(id);
  d.removed.sort(byCodeUnit);
  return d;
}

export interface DiffSummary {
  added: number;
  changed: number;
  unchanged: number;
  excluded: number;
  removed: number;
  failed: number;
  failedRetry: number;
  pending: number;
  work: number;
}

export function summariseDiff(d: MatrixDiff): DiffSummary {
  return {
    added: d.added.length,
    changed: d.changed.length,
    unchanged: d.unchanged.length,
    excluded: d.excluded.length,
    removed: d.removed.length,
    failed: d.failedRetry.length + d.failedWaiting.length,
    failedRetry: d.failedRetry.length,
    pending: d.pending.length,
    work: d.work.length,
  };
}
