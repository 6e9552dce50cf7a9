import { link, mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { checkStoreKey, type StateStore } from "../core/sweep/store.js";
import { uniqueTag } from "./temp-name.js";

/** Temporary files of unfinished writes start with this; listings skip them. */
export const TEMP_PREFIX = ".tmp-";

/** Writes the body to a flushed temporary file beside `final`; returns its path. */
async function writeTemp(final: string, body: string | Uint8Array): Promise<string> {
  await mkdir(dirname(final), { recursive: true });
  const tmp = join(dirname(final), `${TEMP_PREFIX}${uniqueTag()}`);
  const handle = await open(tmp, "wx");
  try {
    await handle.writeFile(body);
    await handle.sync();
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  } finally {
    await handle.close();
  }
  return tmp;
}

/**
 * Creates a file only if its name is free: a flushed temporary file is hard-linked to the name. link() fails with
 * EEXIST if the name is taken, which gives atomic create-if-absent on any POSIX filesystem (NFS included), and
 * readers never see a partial file.
 */
export async function createFileIfAbsent(final: string, body: string | Uint8Array): Promise<boolean> {
  const tmp = await writeTemp(final, body);
  try {
    await link(tmp, final);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Replaces a file atomically (a flushed temporary file renamed over it): readers see the old or the new bytes. */
export async function replaceFile(final: string, body: string | Uint8Array): Promise<void> {
  const tmp = await writeTemp(final, body);
  try {
    await rename(tmp, final);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** State store on a local directory (the default, `.kmodforge/state`); objects are created with createFileIfAbsent. */
export class FsStateStore implements StateStore {
  readonly root: string;
  readonly url: string;

  constructor(dir: string) {
    this.root = resolve(dir);
    this.url = pathToFileURL(this.root).href;
  }

  private path(key: string): string {
    return join(this.root, ...checkStoreKey(key).split("/"));
  }

  async createIfAbsent(key: string, body: string | Uint8Array): Promise<boolean> {
    return createFileIfAbsent(this.path(key), body);
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async list(prefix: string, startAfter?: string): Promise<string[]> {
    const base = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
    const dir = base ? this.path(base) : this.root;
    let names: string[];
    try {
      names = (await readdir(dir, { recursive: true, withFileTypes: true }))
        .filter((d) => d.isFile() && !d.name.startsWith(TEMP_PREFIX))
        .map((d) => relative(this.root, join(d.parentPath, d.name)).split(sep).join("/"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    return names.filter((k) => k.startsWith(prefix) && (startAfter === undefined || k > startAfter)).sort();
  }

  async delete(key: string): Promise<void> {
    await unlink(this.path(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
  }
}
