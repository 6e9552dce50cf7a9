/**
 * `repodata/repomd.xml`: the root of an RPM repository. It names each metadata file with its checksum and size, so
 * the primary index read next is verified against it before use.
 */

export interface RepomdEntry {
  type: string;
  href: string;
  checksumType: string;
  checksum: string;
  size?: number;
  openSize?: number;
}

const DATA_BLOCK = /<data\s+type="([A-Za-z0-9_]+)"\s*>([\s\S]*?)<\/data>/g;

function field(block: string, re: RegExp): string | undefined {
  return re.exec(block)?.[1];
}

/** Reads every `<data>` entry; entries lacking a location or checksum are skipped (they cannot be verified). */
export function parseRepomd(xml: string): RepomdEntry[] {
  const entries: RepomdEntry[] = [];
  for (const m of xml.matchAll(DATA_BLOCK)) {
    const block = m[2]!;
    const href = field(block, /<location\s+(?:[^>]*\s)?href="([^"]+)"/);
    const sum = /<checksum\s+type="([a-z0-9]+)"\s*>\s*([0-9a-fA-F]+)\s*<\/checksum>/.exec(block);
    if (!href || !sum) continue;
    const size = field(block, /<size>(\d+)<\/size>/);
    const openSize = field(block, /<open-size>(\d+)<\/open-size>/);
    entries.push({
      type: m[1]!,
      href,
      checksumType: sum[1]!,
      checksum: sum[2]!.toLowerCase(),
      ...(size ? { size: Number(size) } : {}),
      ...(openSize ? { openSize: Number(openSize) } : {}),
    });
  }
  return entries;
}

export type IndexCompression = "gz" | "zst" | "xz" | "bz2" | "none";

export function compressionOf(href: string): IndexCompression {
  if (href.endsWith(".gz")) return "gz";
  if (href.endsWith(".zst")) return "zst";
  if (href.endsWith(".xz")) return "xz";
  if (href.endsWith(".bz2")) return "bz2";
  return "none";
}

/**
 * The primary index to read: the XML form (every repository has it). `primary_db` (SQLite) is the same data in
 * another container and is never needed when `primary` exists.
 */
export function pickPrimary(entries: readonly RepomdEntry[]): RepomdEntry | undefined {
  return entries.find((e) => e.type === "primary" && /\.xml(\.(gz|zst|xz|bz2))?$/.test(e.href));
}

/** The SQLite form of the primary index, for repositories that publish no XML primary. */
export function pickPrimaryDb(entries: readonly RepomdEntry[]): RepomdEntry | undefined {
  return entries.find((e) => e.type === "primary_db" && /\.sqlite(\.(gz|zst|xz|bz2))?$/.test(e.href));
}
