import { createHash } from "node:crypto";
import { readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { ArtifactStore } from "../../core/publish/store.js";
import { replaceFile } from "../state-fs.js";

/**
 * An on-disk cache of store reads, so a repeated lookup costs one conditional GET (304 when the index did not
 * change) and immutable assets (generation signatures) no request at all. A cache file is a JSON header line
 * (`{"etag","size"}`) followed by the body; it is replaced atomically and validated when read, and everything
 * read through it is verified again by the caller (signature, schema, SHA-256), so a damaged cache cannot pass.
 */

const headerSchema = z.object({ etag: z.string().optional(), size: z.number().int().nonnegative() });

interface Cached {
  etag?: string;
  body: Buffer;
}

export type CachedRead = { kind: "found"; body: Buffer; fromCache: boolean } | { kind: "absent" };

export class ReadCache {
  constructor(readonly dir: string) {}

  private file(store: ArtifactStore, folder: string, name: string): string {
    const key = createHash("sha256").update(`${store.url}\0${folder}\0${name}`).digest("hex");
    return join(this.dir, key.slice(0, 2), key);
  }

  private async load(path: string): Promise<Cached | undefined> {
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
      return { ...(header.etag ? { etag: header.etag } : {}), body };
    } catch {
      return undefined;
    }
  }

  private async save(path: string, body: Buffer, etag?: string): Promise<void> {
    const header = Buffer.from(`${JSON.stringify({ ...(etag ? { etag } : {}), size: body.length })}\n`);
    await replaceFile(path, Buffer.concat([header, body]));
  }

  /**
   * Reads an asset, revalidating the cached copy with its ETag. `immutable` assets (never rewritten under their
   * name) are answered from the cache without a request; `fresh` skips the cache (a re-read after a mismatch).
   */
  async read(
    store: ArtifactStore,
    folder: string,
    name: string,
    options: { immutable?: boolean; fresh?: boolean } = {},
  ): Promise<CachedRead> {
    const path = this.file(store, folder, name);
    const cached = options.fresh ? undefined : await this.load(path);
    if (cached && options.immutable) return { kind: "found", body: cached.body, fromCache: true };
    const r = await store.read(folder, name, cached?.etag);
    if (r.kind === "not-modified" && cached) return { kind: "found", body: cached.body, fromCache: true };
    if (r.kind === "not-modified") return this.read(store, folder, name, { ...options, fresh: true });
    if (r.kind === "absent") {
      await unlink(path).catch(() => undefined);
      return { kind: "absent" };
    }
    await this.save(path, r.body, r.etag);
    return { kind: "found", body: r.body, fromCache: false };
  }
}
