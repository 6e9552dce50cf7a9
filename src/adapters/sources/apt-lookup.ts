import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { debPackageSchema } from "../apt-metadata.js";
import type { PrivateApt } from "../private-apt.js";
import { tempBeside } from "../temp-name.js";

/**
 * One package's candidate, URL and suite from a private apt state: kernel packages from one pass over the
 * signature-checked lists, anything else from apt-cache. Answers are kept beside the package lists
 * (`lookups-<format>.json`) and reused until the lists are refreshed (the `updated` stamp changes), so a warm build
 * does no metadata work at all.
 *
 * The file is our own cache, but it crosses processes: it is validated on every read, and one that does not parse,
 * is of another format or was written for other lists is a cache miss, replaced by the next answer stored. The
 * format is in the file name too, so an older kmodforge sharing the cache directory never adds its entries (which
 * lack `depends`) to this one.
 */

const LOOKUP_FORMAT = 2;
const MEMO_FILE = `lookups-${LOOKUP_FORMAT}.json`;

const lookupSchema = z.object({
  pkg: debPackageSchema,
  url: z.url({ protocol: /^https?$/ }),
  suite: z.string().optional(),
});
export type AptLookup = z.infer<typeof lookupSchema>;

const memoSchema = z.object({
  format: z.literal(LOOKUP_FORMAT),
  stamp: z.string(),
  entries: z.record(z.string(), lookupSchema),
});
type Memo = z.infer<typeof memoSchema>;

/** What the lists say about a name: the wanted version when listed, and every version listed. */
export interface LookupResult {
  found?: AptLookup;
  listedVersions: string[];
}

async function readMemo(file: string, stamp: string): Promise<Memo> {
  const empty: Memo = { format: LOOKUP_FORMAT, stamp, entries: {} };
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch {
    return empty;
  }
  const saved = memoSchema.safeParse(json);
  return saved.success && saved.data.stamp === stamp ? saved.data : empty;
}

async function writeMemo(file: string, memo: Memo): Promise<void> {
  const temp = tempBeside(file);
  await writeFile(temp, JSON.stringify(memo));
  await rename(temp, file);
}

async function fromLists(apt: PrivateApt, name: string, version?: string): Promise<LookupResult> {
  if (name.startsWith("linux-")) {
    const versions = (await apt.kernelPackages()).get(name) ?? [];
    const entry = version ? versions.find((v) => v.version === version) : versions[0];
    const listedVersions = versions.map((v) => v.version);
    if (!entry) return { listedVersions };
    const { url, suite, ...pkg } = entry;
    return { found: { pkg, url, suite }, listedVersions };
  }
  const pkg = await apt.show(name);
  if (!pkg) return { listedVersions: [] };
  if (version && pkg.version !== version) return { listedVersions: [pkg.version] };
  const url = await apt.uri(pkg.name, pkg.version);
  if (!url) return { listedVersions: [pkg.version] };
  const suite = await apt.suiteOf(pkg.name, pkg.version);
  return { found: { pkg, url, ...(suite ? { suite } : {}) }, listedVersions: [pkg.version] };
}

/** Looks a package up (a given version, or the newest listed), through the cache beside the lists. */
export async function lookupPackage(apt: PrivateApt, name: string, version?: string): Promise<LookupResult> {
  await apt.update();
  const memoFile = join(apt.dir, MEMO_FILE);
  const stamp = await readFile(join(apt.dir, "updated"), "utf8").catch(() => "");
  const memo = await readMemo(memoFile, stamp);
  const key = version ? `${name}=${version}` : name;
  const hit = memo.entries[key];
  if (hit) return { found: hit, listedVersions: [hit.pkg.version] };
  const result = await fromLists(apt, name, version);
  if (result.found) {
    memo.entries[key] = result.found;
    await writeMemo(memoFile, memo);
  }
  return result;
}
