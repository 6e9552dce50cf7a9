import { randomBytes } from "node:crypto";
import type { z } from "zod";
import { KmodforgeError } from "../core/errors.js";
import { canonicalJson, sha256Hex } from "../core/hash.js";
import {
  type Chunk,
  type ChunkRef,
  type ChunkSet,
  chunkObjectKey,
  chunkSchema,
  chunkSetKey,
} from "../core/sweep/chunk.js";
import {
  applyOps,
  emptyState,
  type StateOp,
  type SweepState,
  sweepStateSchema,
} from "../core/sweep/state.js";
import type { StateStore } from "../core/sweep/store.js";
import { type Matrix, matrixSchema } from "../core/sweep/types.js";

/**
 * Generations, matrices and chunks on top of a StateStore. Layout (docs/sweeps.md):
 *   generations/<10-digit n>.json   immutable state snapshots; the newest is found by listing
 *   matrices/<sha256>.json          content-addressed matrices
 *   chunks/<setId>/<6-digit i>.json content-addressed chunk sets
 *   ledger/<setId>/<i>.{claim,done}.json dispatch ledger (create-if-absent)
 */
const GENERATIONS = "generations/";

/**
 * Reads and validates one JSON object of the store. Objects cross processes and machines (CI jobs read what a
 * sweep wrote), so a corrupt, foreign or other-version object fails here, naming it, not somewhere deep inside.
 */
async function readStored<T>(
  store: StateStore,
  key: string,
  schema: z.ZodType<T>,
  what: string,
): Promise<T | undefined> {
  const body = await store.get(key);
  if (!body) return undefined;
  const where = `${store.url.replace(/\/+$/, "")}/${key}`;
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new KmodforgeError(
      "STATE_CONFLICT",
      `${where} is not JSON (${(err as Error).message}); expected ${what}`,
      {
        key,
      },
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
    throw new KmodforgeError(
      "STATE_CONFLICT",
      `${where} is not ${what}${at}: ${issue?.message ?? "invalid"}`,
      {
        key,
      },
    );
  }
  return parsed.data;
}

export function generationKey(n: number): string {
  return `${GENERATIONS}${String(n).padStart(10, "0")}.json`;
}

const GENERATION_KEY = /^generations\/(\d{10})\.json$/;

/** Generation numbers of the listed keys, in key (= numeric) order. */
function generationsOf(keys: readonly string[]): number[] {
  return keys.flatMap((k) => {
    const m = GENERATION_KEY.exec(k);
    return m ? [Number(m[1])] : [];
  });
}

/** Newest generation number by listing (undefined when the store is empty). */
export async function latestGeneration(store: StateStore, after?: number): Promise<number | undefined> {
  const keys = await store.list(GENERATIONS, after !== undefined ? generationKey(after) : undefined);
  return generationsOf(keys).at(-1) ?? after;
}

/** Every generation the store keeps, oldest first. */
export async function listGenerations(store: StateStore): Promise<number[]> {
  return generationsOf(await store.list(GENERATIONS));
}

/** Reads a generation (the newest when `generation` is omitted); an empty store yields generation 0. */
export async function readState(store: StateStore, generation?: number): Promise<SweepState> {
  const n = generation ?? (await latestGeneration(store));
  if (n === undefined || n === 0) return emptyState("none", new Date(0));
  const state = await readStored(store, generationKey(n), sweepStateSchema, "a kmodforge sweep state");
  if (!state)
    throw new KmodforgeError("STATE_CONFLICT", `state generation ${n} not found in ${store.url}`, {
      generation: n,
    });
  return state;
}

export interface CommitOptions {
  writer: string;
  now?: () => Date;
  /** Give up after this many lost races (each one means another writer committed first). */
  maxAttempts?: number;
}

/**
 * Commits operations as a new generation. Optimistic concurrency: read the newest generation N, apply the ops,
 * create N+1 if absent; when another writer created N+1 first, re-read and re-apply on top of theirs. Never
 * overwrites, so no committed update can be lost.
 */
export async function commitOps(
  store: StateStore,
  ops: readonly StateOp[],
  options: CommitOptions,
): Promise<{ state: SweepState; attempts: number }> {
  const now = options.now ?? (() => new Date());
  const maxAttempts = options.maxAttempts ?? 100;
  let hint: number | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    hint = await latestGeneration(store, hint);
    const base = await readState(store, hint ?? 0);
    const next = applyOps(base, ops, options.writer, now());
    if (await store.createIfAbsent(generationKey(next.generation), `${JSON.stringify(next)}\n`))
      return { state: next, attempts: attempt };
    // Lost the race: back off a little (with jitter so racing writers spread out) and rebase.
    const jitter = randomBytes(1)[0]! / 255;
    await new Promise((r) => setTimeout(r, Math.min(20 * attempt, 500) * (0.5 + jitter)));
  }
  throw new KmodforgeError(
    "STATE_CONFLICT",
    `could not commit sweep state to ${store.url} after ${maxAttempts} attempts`,
    {},
  );
}

/**
 * Deletes all but the newest `keep` generations. Each generation holds the whole state, so old ones are only
 * history (and `--since` targets); pruning keeps listing the newest generation cheap.
 */
export async function pruneGenerations(store: StateStore, keep: number): Promise<number> {
  const generations = await listGenerations(store);
  const old = generations.slice(0, Math.max(0, generations.length - Math.max(1, keep)));
  for (const n of old) await store.delete(generationKey(n));
  return old.length;
}

/** Stores a matrix content-addressed; returns its key. */
export async function putMatrix(store: StateStore, matrix: Matrix): Promise<string> {
  const body = `${JSON.stringify(matrix)}\n`;
  const key = `matrices/${sha256Hex(canonicalJson(matrix))}.json`;
  await store.createIfAbsent(key, body);
  return key;
}

/** Reads a stored matrix back, validated; undefined when the key is absent. */
export async function getMatrix(store: StateStore, key: string): Promise<Matrix | undefined> {
  return readStored(store, key, matrixSchema, "a kmodforge matrix");
}

/** Writes every chunk of a set (already-present chunks are the same content: the set id is a content hash). */
export async function putChunkSet(
  store: StateStore,
  set: ChunkSet,
  onProgress?: (done: number, total: number) => void,
): Promise<string> {
  const key = chunkSetKey(set.setId);
  let done = 0;
  const queue = [...set.chunks];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      await store.createIfAbsent(chunkObjectKey({ key, index: c.index }), `${JSON.stringify(c)}\n`);
      onProgress?.(++done, set.chunks.length);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return key;
}

export async function getChunk(store: StateStore, ref: ChunkRef): Promise<Chunk> {
  const chunk = await readStored(store, chunkObjectKey(ref), chunkSchema, "a kmodforge chunk");
  if (!chunk)
    throw new KmodforgeError("STATE_CONFLICT", `chunk ${ref.key}#${ref.index} not found in ${store.url}`, {
      ...ref,
    });
  // A chunk stored under another slot would build someone else's entries.
  if (chunk.index !== ref.index || chunkSetKey(chunk.setId) !== ref.key)
    throw new KmodforgeError(
      "STATE_CONFLICT",
      `${store.url.replace(/\/+$/, "")}/${chunkObjectKey(ref)} holds chunk ${chunkSetKey(chunk.setId)}#${chunk.index}, not ${ref.key}#${ref.index}`,
      { ...ref },
    );
  return chunk;
}
