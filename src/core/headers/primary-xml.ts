import { compareEvr, type WantedRpm } from "./rpm-package.js";

/**
 * `primary.xml`: one `<package>` element per RPM with name, arch, epoch/version/release, the package checksum, its
 * size and its location. Repositories' primary files run to hundreds of megabytes unpacked, so this is a push
 * scanner: feed it text chunks as they are decompressed; it keeps only the packages its filter accepts.
 */

export interface PrimaryPackage {
  name: string;
  arch: string;
  epoch: string;
  version: string;
  release: string;
  checksumType: string;
  checksum: string;
  size?: number;
  href: string;
  /** `xml:base` of the location, when the repository keeps packages elsewhere. */
  base?: string;
}

/** The package names a header link can be asked for: kernel devel packages and compilers. */
export function isHeaderLikeName(name: string): boolean {
  return (
    (/^kernel[a-z0-9.]*(-[a-z0-9]+)*-devel$/.test(name) && !name.includes("-tools")) || /^gcc\d*$/.test(name)
  );
}

/** `<package ` with its space: `<packager>` shares the prefix. */
const OPEN_TAG = "<package ";
const NAME = /<name>([^<]+)<\/name>/;
const ARCH = /<arch>([^<]+)<\/arch>/;
const VERSION = /<version\s+epoch="(\d*)"\s+ver="([^"]+)"\s+rel="([^"]+)"\s*\/>/;
const CHECKSUM = /<checksum\s+type="([a-z0-9]+)"[^>]*>([0-9a-fA-F]+)<\/checksum>/;
const SIZE = /<size\s+package="(\d+)"/;
const LOCATION = /<location\s+(?:xml:base="([^"]+)"\s+)?href="([^"]+)"/;

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

/** Parses one `<package>` element; undefined when a field needed to fetch and verify it is missing. */
export function parsePrimaryPackage(block: string): PrimaryPackage | undefined {
  const name = NAME.exec(block)?.[1];
  const arch = ARCH.exec(block)?.[1];
  const ver = VERSION.exec(block);
  const sum = CHECKSUM.exec(block);
  const loc = LOCATION.exec(block);
  if (!name || !arch || !ver || !sum || !loc) return undefined;
  const size = SIZE.exec(block)?.[1];
  return {
    name,
    arch,
    epoch: ver[1] || "0",
    version: ver[2]!,
    release: ver[3]!,
    checksumType: sum[1]!,
    checksum: sum[2]!.toLowerCase(),
    ...(size ? { size: Number(size) } : {}),
    href: decodeEntities(loc[2]!),
    ...(loc[1] ? { base: decodeEntities(loc[1]) } : {}),
  };
}

export interface PrimaryScanner {
  push(chunk: string): void;
  /** Packages kept so far; call after the last chunk. `complete` says whether the closing tag was seen. */
  finish(): { packages: PrimaryPackage[]; complete: boolean; total: number };
}

/** A scanner keeping packages whose name passes `keepName`. */
export function createPrimaryScanner(keepName: (name: string) => boolean = isHeaderLikeName): PrimaryScanner {
  let buffer = "";
  let total = 0;
  let complete = false;
  const kept: PrimaryPackage[] = [];
  return {
    push(chunk) {
      buffer += chunk;
      let end = buffer.indexOf("</package>");
      while (end >= 0) {
        const start = buffer.lastIndexOf(OPEN_TAG, end);
        const block = start >= 0 ? buffer.slice(start, end) : "";
        total++;
        const name = NAME.exec(block)?.[1];
        if (name && keepName(name)) {
          const pkg = parsePrimaryPackage(block);
          if (pkg) kept.push(pkg);
        }
        buffer = buffer.slice(end + "</package>".length);
        end = buffer.indexOf("</package>");
      }
      if (buffer.includes("</metadata>")) complete = true;
      // Keep only the tail that can still hold an unfinished element.
      const open = buffer.lastIndexOf(OPEN_TAG);
      if (open > 0) buffer = buffer.slice(open);
    },
    finish: () => ({ packages: kept, complete, total }),
  };
}

/** Packages in an index that satisfy a wanted RPM, best first (exact match, or highest EVR when unpinned). */
export function matchWanted(packages: readonly PrimaryPackage[], want: WantedRpm): PrimaryPackage[] {
  const hits = packages.filter(
    (p) =>
      p.name === want.name &&
      p.arch === want.arch &&
      (want.version === undefined || p.version === want.version) &&
      (want.release === undefined || p.release === want.release),
  );
  return hits.sort((a, b) => compareEvr(b, a));
}
