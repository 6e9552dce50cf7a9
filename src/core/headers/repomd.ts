import { createXmlStream } from "./xml-stream.js";

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

export type RepomdRead = { ok: true; entries: RepomdEntry[] } | { ok: false; error: string };

const HEX = /^[0-9a-fA-F]+$/;
const CHECKSUM_TYPE = /^[A-Za-z0-9]+$/;
const count = (text: string): number | undefined =>
  /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;

/**
 * Reads every `<data>` entry with a real XML parser (any attribute order, quoting or prefix). Entries lacking a
 * location or a checksum are left out: they cannot be verified, so nothing may be read through them.
 */
export function parseRepomd(xml: string): RepomdRead {
  const entries: RepomdEntry[] = [];
  let data: Partial<RepomdEntry> | undefined;
  const stream = createXmlStream({
    open(el) {
      if (el.depth === 1 && el.name === "data") data = { type: el.attributes.type ?? "" };
      else if (data && el.depth === 2 && el.name === "checksum") data.checksumType = el.attributes.type;
      else if (data && el.depth === 2 && el.name === "location") data.href = el.attributes.href;
    },
    close(el, text) {
      if (!data) return;
      if (el.depth === 2 && el.name === "checksum") data.checksum = text.trim().toLowerCase();
      else if (el.depth === 2 && el.name === "size") data.size = count(text);
      else if (el.depth === 2 && el.name === "open-size") data.openSize = count(text);
      else if (el.depth === 1 && el.name === "data") {
        const entry = verifiable(data);
        if (entry) entries.push(entry);
        data = undefined;
      }
    },
  });
  stream.push(xml);
  const { error } = stream.end();
  return error === undefined ? { ok: true, entries } : { ok: false, error: `repomd.xml: ${error}` };
}

function verifiable(d: Partial<RepomdEntry>): RepomdEntry | undefined {
  const { type, href, checksumType, checksum } = d;
  if (
    !type ||
    !href ||
    !checksumType ||
    !CHECKSUM_TYPE.test(checksumType) ||
    !checksum ||
    !HEX.test(checksum)
  )
    return undefined;
  return {
    type,
    href,
    checksumType,
    checksum,
    ...(d.size !== undefined ? { size: d.size } : {}),
    ...(d.openSize !== undefined ? { openSize: d.openSize } : {}),
  };
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
