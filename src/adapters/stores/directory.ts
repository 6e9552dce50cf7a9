import { open, readdir, stat, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { byCodeUnit } from "../../core/hash.js";
import {
  type ArtifactStore,
  type CreateOutcome,
  checkAssetPath,
  type ReadResult,
  type StoredAsset,
} from "../../core/publish/store.js";
import { createFileIfAbsent, replaceFile, TEMP_PREFIX } from "../state-fs.js";

/**
 * Artifact store on a local directory (the default, `.kmodforge/store`): a folder is a directory, an asset a file.
 * Create is link()-based create-if-absent, replace is rename(): both atomic, so readers never see partial files.
 */
export class DirectoryArtifactStore implements ArtifactStore {
  readonly root: string;
  readonly url: string;

  /** A directory has no asset limit, so every distribution version has one shard. */
  readonly assetCap = Number.POSITIVE_INFINITY;

  constructor(dir: string) {
    this.root = resolve(dir);
    this.url = pathToFileURL(this.root).href;
  }

  private path(folder: string, name: string): string {
    checkAssetPath(folder, name);
    return join(this.root, folder, name);
  }

  async create(folder: string, name: string, body: Uint8Array): Promise<CreateOutcome> {
    const path = this.path(folder, name);
    return (await createFileIfAbsent(path, body)) ? "created" : "exists";
  }

  async replace(
    folder: string,
    name: string,
    body: Uint8Array,
    expect: { ifMatch?: string; ifAbsent?: boolean } = {},
  ): Promise<"replaced" | "conflict"> {
    const path = this.path(folder, name);
    // A best-effort check: rename() has no precondition, so callers re-check after writing (see documents.ts).
    if (expect.ifMatch !== undefined || expect.ifAbsent) {
      const now = await this.read(folder, name, expect.ifMatch);
      if (expect.ifAbsent ? now.kind !== "absent" : now.kind !== "not-modified") return "conflict";
    }
    await replaceFile(path, body);
    return "replaced";
  }

  async read(folder: string, name: string, ifNoneMatch?: string): Promise<ReadResult> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.path(folder, name), "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { kind: "absent" };
      throw err;
    }
    try {
      // Stat and read through one descriptor: a concurrent rename() cannot pair one file's tag with another's bytes.
      const s = await handle.stat();
      const etag = `"${s.ino.toString(16)}-${s.size.toString(16)}-${Math.trunc(s.mtimeMs).toString(16)}"`;
      if (ifNoneMatch === etag) return { kind: "not-modified" };
      return { kind: "found", body: await handle.readFile(), etag };
    } finally {
      await handle.close();
    }
  }

  async list(folder: string): Promise<StoredAsset[]> {
    checkAssetPath(folder, "x");
    let names: string[];
    try {
      names = await readdir(join(this.root, folder));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const assets = await Promise.all(
      names
        .filter((n) => !n.startsWith(TEMP_PREFIX))
        .map(async (name) => ({ name, size: (await stat(join(this.root, folder, name))).size })),
    );
    return assets.sort((a, b) => byCodeUnit(a.name, b.name));
  }

  async remove(folder: string, name: string): Promise<void> {
    await unlink(this.path(folder, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
  }

  locate(folder: string, name: string): string {
    return pathToFileURL(this.path(folder, name)).href;
  }
}
