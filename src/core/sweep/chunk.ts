import { z } from "zod";
import { canonicalJson, sha256Hex } from "../hash.js";
import { type MatrixEntry, matrixEntrySchema } from "./types.js";

/**
 * Splits the work into chunks of at most `size` entries and pages of at most 256 chunks (one CI run's job limit).
 * Chunks are stored once in the state store and passed to jobs by reference (`<set key>#<index>`), so job outputs
 * carry only references and stay tiny whatever the matrix size.
 */
export const DEFAULT_CHUNK_SIZE = 50;
export const MAX_CHUNK_SIZE = 256;
export const MAX_CHUNKS_PER_PAGE = 256;
export const CHUNK_SCHEMA_VERSION = 1 as const;

/** One chunk as stored in the state store; read back by CI jobs in other processes, so validated on read. */
export const chunkSchema = z.object({
  schemaVersion: z.literal(CHUNK_SCHEMA_VERSION),
  kind: z.literal("kmodforge-chunk"),
  /** Content hash of the whole chunk set: the same work splits into the same set id. */
  setId: z.string().regex(/^[0-9a-f]{32}$/),
  index: z.number().int().nonnegative(),
  total: z.number().int().positive(),
  entries: z.array(matrixEntrySchema).max(MAX_CHUNK_SIZE),
});
export type Chunk = z.infer<typeof chunkSchema>;

export interface ChunkRef {
  /** State-store key of the chunk set, e.g. `chunks/<setId>`. */
  key: string;
  index: number;
}

export interface ChunkSet {
  setId: string;
  chunks: Chunk[];
  /** Chunk indexes grouped into pages of ≤ MAX_CHUNKS_PER_PAGE. */
  pages: number[][];
}

export function checkChunkSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunk size must be an integer from 1 to ${MAX_CHUNK_SIZE}, got ${size}`);
  }
  return size;
}

/** Identity of a chunk set: the ordered (id, cacheKey) pairs and the size they were cut with. */
export function chunkSetId(entries: readonly MatrixEntry[], size: number): string {
  const h = sha256Hex(
    canonicalJson({ v: CHUNK_SCHEMA_VERSION, size, e: entries.map((e) => [e.id, e.cacheKey]) }),
  );
  return h.slice(0, 32);
}

export function chunkEntries(entries: readonly MatrixEntry[], size = DEFAULT_CHUNK_SIZE): ChunkSet {
  checkChunkSize(size);
  const setId = chunkSetId(entries, size);
  const total = Math.ceil(entries.length / size);
  const chunks: Chunk[] = [];
  for (let i = 0; i < total; i++) {
    chunks.push({
      schemaVersion: CHUNK_SCHEMA_VERSION,
      kind: "kmodforge-chunk",
      setId,
      index: i,
      total,
      entries: entries.slice(i * size, (i + 1) * size),
    });
  }
  const pages: number[][] = [];
  for (let p = 0; p * MAX_CHUNKS_PER_PAGE < total; p++) {
    pages.push(
      Array.from(
        { length: Math.min(MAX_CHUNKS_PER_PAGE, total - p * MAX_CHUNKS_PER_PAGE) },
        (_, i) => p * MAX_CHUNKS_PER_PAGE + i,
      ),
    );
  }
  return { setId, chunks, pages };
}

export function chunkSetKey(setId: string): string {
  return `chunks/${setId}`;
}

export function chunkObjectKey(ref: ChunkRef): string {
  return `${ref.key}/${String(ref.index).padStart(6, "0")}.json`;
}

/** `chunks/<setId>#<index>`: how a chunk travels through CI outputs and workflow inputs. */
export function formatChunkRef(ref: ChunkRef): string {
  return `${ref.key}#${ref.index}`;
}

export function parseChunkRef(text: string): ChunkRef | undefined {
  const m = /^(chunks\/[0-9a-f]{32})#(\d{1,6})$/.exec(text);
  return m ? { key: m[1]!, index: Number(m[2]) } : undefined;
}
