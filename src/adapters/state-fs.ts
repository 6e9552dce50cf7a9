import { randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, readFile, unlink } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { checkStoreKey, type StateStore } from "../core/sweep/store.js";

/**
 * State store on a local directory (the default, `.kmodforge/state`). Objects are written to a temporary file,
 * flushed, then hard-linked to their final name: link() fails with EEXIST if the name is taken, which gives
 * atomic create-if-absent on any POSIX filesystem (NFS included), and readers never see a partial file.
 */
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
    const final = this.path(key);
    await mkdir(dirname(final), { recursive: true });
    const tmp = join(dirname(final), `.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
    const handle = await open(tmp, "wx");
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
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
        .filter((d) => d.isFile() && !d.name.startsWith(".tmp-"))
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
