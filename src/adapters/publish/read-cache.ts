import { createHash } from "node:crypto";
import { readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { ArtifactStore } from "../../core/publish/store.js";
import { replaceFile } from "../state-fs.js";

/**
 * The cache of store reads every lookup goes through, in up to two layers:
 * - on disk (the CLI's `lookup`): a repeated lookup costs one conditional GET (304 when the index did not change)
 *   and immutable assets (generation signatures) no request at all. A cache file is a JSON header line
 *   (`{"etag","size"}`) followed by the body; it is replaced atomically and validated when read;
 * - in memory (a long-running service): a read younger than `ttlMs` costs no request; an older one is answered at
 *   once from memory while one background request revalidates it; past `maxStaleMs` a read waits for the store.
 *   An unchanged asset keeps the very same Buffer, so what was derived from it (a parsed, verified index) is
 *   remembered instead of recomputed (`remember`).
 * Everything read through it is verified again by the caller (signature, schema, SHA-256), so a damaged cache
 * cannot pass.
 */

const headerSchema = z.object({ etag: z.string().optional(), size: z.number().int().nonnegative() });

type Entry = { kind: "found"; body: Buffer; etag?: string } | { kind: "absent" };

export type CachedRead = { kind: "found"; body: Buffer; fromCache: boolean } | { kind: "absent" };

export interface MemoryLayer {
  /** How long a read is answered from memory without asking the store. */
  ttlMs: number;
  /** How long a stale read is still answered at once (and revalidated in the background); default 60 × ttlMs. */
  maxStaleMs?: number;
  /** A background revalidation that failed (the stale copy stays). */
  onError?: (err: unknown) => void;
}

export interface ReadOptions {
  /** Never rewritten under its name: answered from the cache without a request. */
  immutable?: boolean;
  /** Skip every layer (a re-read after a mismatch, or a caller that must see what the store holds now). */
  fresh?: boolean;
}

function answer(entry: Entry, fromCache: boolean): CachedRead {
  return entry.kind === "found" ? { kind: "found", body: entry.body, fromCache } : { kind: "absent" };
}

export class ReadCache {
  private readonly held = new Map<string, { entry: Entry; at: number }>();
  private readonly refreshing = new Map<string, Promise<CachedRead>>();
  private readonly memos = new Map<string, { inputs: readonly unknown[]; value: unknown }>();

  /** `dir`: the disk layer's directory (none: memory only); `memory`: the memory layer (none: disk only). */
  constructor(
    readonly dir: string | undefined,
    private readonly memory?: MemoryLayer,
  ) {}

  private key(store: ArtifactStore, folder: string, name: string): string {
    return `${store.url}\0${folder}\0${name}`;
  }

  /** The disk layer's file of a key: named by its hash (a store URL is no file name). */
  private file(key: string): string | undefined {
    if (!this.dir) return undefined;
    const hashed = createHash("sha256").update(key).digest("hex");
    return join(this.dir, hashed.slice(0, 2), hashed);
  }

  private async load(path: string | undefined): Promise<Extract<Entry, { kind: "found" }> | undefined> {
    if (!path) return undefined;
    let raw: Buffer;
    try {
      raw = await readFile(path);
    } catch {
      return undefined;
    }
    const newline = raw.indexOf(0x0a);
    if (newline < 0) return undefined;
    try {
      const header = headerSchema.parse(JSON.parse(raw.subarray(0, newline).toString("utf8")));
      const body = raw.subarray(newline + 1);
      if (body.length !== header.size) return undefined;
      return { kind: "found", ...(header.etag ? { etag: header.etag } : {}), body };
    } catch {
      return undefined;
    }
  }

  private async save(path: string | undefined, body: Buffer, etag?: string): Promise<void> {
    if (!path) return;
    const header = Buffer.from(`${JSON.stringify({ ...(etag ? { etag } : {}), size: body.length })}\n`);
    await replaceFile(path, Buffer.concat([header, body]));
  }

  /**
   * Reads an asset, revalidating a cached copy with its ETag (see the class comment for the layers). `immutable`
   * assets are answered from any layer without a request; `fresh` asks the store unconditionally.
   */
  async read(
    store: ArtifactStore,
    folder: string,
    name: string,
    options: ReadOptions = {},
  ): Promise<CachedRead> {
    const key = this.key(store, folder, name);
    const held = this.memory && !options.fresh ? this.held.get(key) : undefined;
    if (held && this.memory) {
      const age = Date.now() - held.at;
      if ((options.immutable && held.entry.kind === "found") || age < this.memory.ttlMs)
        return answer(held.entry, true);
      if (age < (this.memory.maxStaleMs ?? 60 * this.memory.ttlMs)) {
        this.refresh(key, store, folder, name, options).catch((err) => this.memory?.onError?.(err));
        return answer(held.entry, true);
      }
    }
    return this.refresh(key, store, folder, name, options);
  }

  /** One store read per key at a time (a thousand requests for a stale index make one request). */
  private refresh(
    key: string,
    store: ArtifactStore,
    folder: string,
    name: string,
    options: ReadOptions,
  ): Promise<CachedRead> {
    const running = this.refreshing.get(key);
    if (running && !options.fresh) return running;
    const read = this.readThrough(key, store, folder, name, options).finally(() => {
      if (this.refreshing.get(key) === read) this.refreshing.delete(key);
    });
    this.refreshing.set(key, read);
    return read;
  }

  private async readThrough(
    key: string,
    store: ArtifactStore,
    folder: string,
    name: string,
    options: ReadOptions,
  ): Promise<CachedRead> {
    const path = this.file(key);
    const inMemory = this.held.get(key)?.entry;
    const known = options.fresh ? undefined : inMemory?.kind === "found" ? inMemory : await this.load(path);
    if (known && options.immutable) return this.keep(key, known, true);
    const r = await store.read(folder, name, known?.etag);
    if (r.kind === "not-modified" && known) return this.keep(key, known, true);
    if (r.kind === "not-modified")
      return this.readThrough(key, store, folder, name, { ...options, fresh: true });
    if (r.kind === "absent") {
      if (path) await unlink(path).catch(() => undefined);
      return this.keep(key, { kind: "absent" }, false);
    }
    await this.save(path, r.body, r.etag);
    return this.keep(key, { kind: "found", body: r.body, ...(r.etag ? { etag: r.etag } : {}) }, false);
  }

  private keep(key: string, entry: Entry, fromCache: boolean): CachedRead {
    if (this.memory) this.held.set(key, { entry, at: Date.now() });
    return answer(entry, fromCache);
  }

  /**
   * A value derived from reads (a parsed index, a signature verdict), computed again only when one of `inputs`
   * is not the very object it was computed from: the memory layer hands out the same Buffer while an asset is
   * unchanged, so a service parses and verifies each index generation once.
   */
  remember<T>(key: string, inputs: readonly unknown[], compute: () => T): T {
    const memo = this.memos.get(key);
    if (memo && memo.inputs.length === inputs.length && memo.inputs.every((v, i) => v === inputs[i]))
      return memo.value as T;
    const value = compute();
    if (this.memory) this.memos.set(key, { inputs, value });
    return value;
  }
}
