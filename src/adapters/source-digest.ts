import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { moduleSourceDigest, type SourceEntry } from "../core/cache-key.js";

/**
 * Reads a module source directory into the entries moduleSourceDigest() hashes. Symlinks are recorded (their target
 * text is hashed), never followed. Version-control data and kbuild outputs are skipped so a built tree and a clean
 * checkout of the same source give the same digest.
 */

/** Names skipped by default: VCS data and what `make modules` leaves in the source tree. */
export const DEFAULT_IGNORE: readonly RegExp[] = [
  /^\.git$/,
  /^\.hg$/,
  /^\.svn$/,
  /^\.tmp_versions$/,
  /\.(o|ko|mod|mod\.c|mod\.o|ko\.xz|ko\.zst|ko\.gz|a|cmd|order|symvers|dwo)$/,
  /^\..*\.cmd$/,
  /^Module\.symvers$/,
  /^modules\.order$/,
];

export interface SourceDigestOptions {
  ignore?: readonly RegExp[];
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Walks `root` and returns its entries, sorted by path. */
export async function readSourceEntries(
  root: string,
  options: SourceDigestOptions = {},
): Promise<SourceEntry[]> {
  const ignore = options.ignore ?? DEFAULT_IGNORE;
  const entries: SourceEntry[] = [];
  async function walk(dir: string): Promise<void> {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      if (ignore.some((re) => re.test(name))) continue;
      const full = join(dir, name);
      const st = await lstat(full);
      const path = relative(root, full).split(sep).join("/");
      if (st.isDirectory()) await walk(full);
      else if (st.isSymbolicLink()) {
        entries.push({
          path,
          mode: st.mode,
          sha256: createHash("sha256")
            .update(await readlink(full))
            .digest("hex"),
        });
      } else if (st.isFile()) entries.push({ path, mode: st.mode, sha256: await fileSha256(full) });
      // Sockets, FIFOs and devices are not source.
    }
  }
  await walk(root);
  return entries;
}

/** The module source digest of a directory. */
export async function digestSourceDir(root: string, options: SourceDigestOptions = {}): Promise<string> {
  return moduleSourceDigest(await readSourceEntries(root, options));
}
