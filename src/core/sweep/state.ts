import { z } from "zod";
import { byCodeUnit } from "../hash.js";
import { FAILURE_REASONS, nextRetryAt } from "./backoff.js";

/**
 * Durable sweep state. Each generation is an immutable object; a writer reads the newest generation, applies its
 * update operations, and creates generation N+1 only if nobody else has (create-if-absent). On a lost race it
 * re-reads and re-applies the same operations on the winner's state, so no update is ever lost. Operations are
 * therefore written to commute: per-entry last-writer-wins by observation time, ledger records first-writer-wins.
 */
export const STATE_SCHEMA_VERSION = 1 as const;

export const entryStateSchema = z.object({
  cacheKey: z.string(),
  /**
   * `excluded`: the package's build-exclusive rules (dkms.conf BUILD_EXCLUSIVE_*) leave this kernel out — a
   * classified outcome, not a failure, never retried for the same cache key. States written before it existed
   * still parse.
   */
  status: z.enum(["built", "failed", "pending", "excluded"]),
  /** When the result was observed (ISO); decides between concurrent writers of the same entry. */
  at: z.string(),
  /** Generation that last changed this record. */
  generation: z.number().int().nonnegative(),
  failure: z
    .object({
      reason: z.enum(FAILURE_REASONS),
      detail: z.string().max(2000),
      attempts: z.number().int().positive(),
      nextRetryAt: z.string(),
    })
    .optional(),
  artifact: z.string().optional(),
  /** The rule that excluded the kernel (status `excluded`). */
  exclusion: z.object({ rule: z.string().max(2000) }).optional(),
});
export type EntryState = z.infer<typeof entryStateSchema>;

export const sweepStateSchema = z.object({
  schemaVersion: z.literal(STATE_SCHEMA_VERSION),
  generation: z.number().int().nonnegative(),
  parent: z.number().int().nonnegative().nullable(),
  createdAt: z.string(),
  /** Writer that created this generation, for humans reading the history. */
  writer: z.string(),
  /** Matrix object the last sweep diffed against (state-store key). */
  matrixKey: z.string().optional(),
  entries: z.record(z.string(), entryStateSchema),
  /**
   * When a sweep first saw each matrix entry (ISO), whether or not it was built since: the start of the report's
   * freshness (first seen → built). Optional, so states written before it existed still parse; absent ids are
   * "first seen unknown".
   */
  firstSeen: z.record(z.string(), z.string()).optional(),
});
export type SweepState = z.infer<typeof sweepStateSchema>;

export type StateOp =
  /** A build finished (or a matrix entry was queued): record its outcome. */
  | { op: "result"; id: string; cacheKey: string; at: string; outcome: "built"; artifact?: string }
  | {
      op: "result";
      id: string;
      cacheKey: string;
      at: string;
      outcome: "failed";
      reason: EntryStateFailureReason;
      detail: string;
    }
  | { op: "result"; id: string; cacheKey: string; at: string; outcome: "excluded"; rule: string }
  | { op: "queued"; id: string; cacheKey: string; at: string }
  /** A sweep saw these matrix entries (built or not): records the first time each one was seen. */
  | { op: "seen"; ids: readonly string[]; at: string }
  /** An entry left the matrix. */
  | { op: "removed"; id: string; at: string }
  | { op: "matrix"; key: string };
type EntryStateFailureReason = NonNullable<EntryState["failure"]>["reason"];

export function emptyState(writer: string, now: Date): SweepState {
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    generation: 0,
    parent: null,
    createdAt: now.toISOString(),
    writer,
    entries: {},
  };
}

function newer(at: string, than: EntryState | undefined): boolean {
  return !than || at >= than.at;
}

/**
 * Applies operations to a state and returns the next generation. Pure; the input is not modified. Applying the
 * same operations to a state that already contains them changes nothing but the generation number.
 */
export function applyOps(base: SweepState, ops: readonly StateOp[], writer: string, now: Date): SweepState {
  const generation = base.generation + 1;
  const entries: Record<string, EntryState> = { ...base.entries };
  const firstSeen: Record<string, string> = { ...base.firstSeen };
  let matrixKey = base.matrixKey;
  for (const op of ops) {
    if (op.op === "matrix") {
      matrixKey = op.key;
      continue;
    }
    if (op.op === "seen") {
      // The earliest sighting wins, so racing sweeps agree whatever order their commits land in.
      for (const id of op.ids) {
        const seen = firstSeen[id];
        if (seen === undefined || op.at < seen) firstSeen[id] = op.at;
      }
      continue;
    }
    const cur = entries[op.id];
    if (op.op === "removed") {
      if (cur && newer(op.at, cur)) delete entries[op.id];
      // A kernel that comes back later is new again. (If a removal races a re-sighting of the same kernel, the
      // sighting can be lost; the next sweep records it again.)
      const seen = firstSeen[op.id];
      if (seen !== undefined && seen <= op.at) delete firstSeen[op.id];
      continue;
    }
    if (!newer(op.at, cur)) continue;
    if (op.op === "queued") {
      // Queuing never hides a result already recorded for the same cache key.
      if (cur && cur.cacheKey === op.cacheKey) continue;
      entries[op.id] = { cacheKey: op.cacheKey, status: "pending", at: op.at, generation };
    } else if (op.outcome === "built") {
      entries[op.id] = {
        cacheKey: op.cacheKey,
        status: "built",
        at: op.at,
        generation,
        ...(op.artifact ? { artifact: op.artifact } : {}),
      };
    } else if (op.outcome === "excluded") {
      entries[op.id] = {
        cacheKey: op.cacheKey,
        status: "excluded",
        at: op.at,
        generation,
        exclusion: { rule: op.rule.slice(0, 2000) },
      };
    } else {
      const attempts = cur?.failure && cur.cacheKey === op.cacheKey ? cur.failure.attempts + 1 : 1;
      entries[op.id] = {
        cacheKey: op.cacheKey,
        status: "failed",
        at: op.at,
        generation,
        failure: {
          reason: op.reason,
          detail: op.detail.slice(0, 2000),
          attempts,
          nextRetryAt: nextRetryAt(op.reason, attempts, new Date(op.at)),
        },
      };
    }
  }
  const seenIds = Object.keys(firstSeen);
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    generation,
    parent: base.generation,
    createdAt: now.toISOString(),
    writer,
    ...(matrixKey ? { matrixKey } : {}),
    entries: sortedById(entries),
    ...(seenIds.length ? { firstSeen: sortedById(firstSeen) } : {}),
  };
}

function sortedById<T>(record: Record<string, T>): Record<string, T> {
  const sorted: Record<string, T> = {};
  for (const id of Object.keys(record).sort(byCodeUnit)) sorted[id] = record[id]!;
  return sorted;
}
