import { compareEvr, releaseMatches, type WantedRpm } from "./rpm-package.js";
import { createXmlStream } from "./xml-stream.js";

/**
 * `primary.xml`: one `<package>` element per RPM with name, arch, epoch/version/release, the package checksum, its
 * size and its location. Repositories' primary files run to hundreds of megabytes unpacked, so this is a push
 * scanner over a streaming XML parser: feed it text chunks as they are decompressed; it keeps only the packages its
 * filter accepts. Attribute order and quoting are the XML grammar's concern, never assumed.
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

/**
 * The package names a header link can be asked for, by the shapes RPM families give them: kernel build packages
 * (`kernel-devel`, `kernel6.12-devel`, `kernel-rt-devel`, `kernel-devel-rt`, `kernel-macros`) and compilers.
 */
export function isHeaderLikeName(name: string): boolean {
  return (
    (/^kernel[a-z0-9.]*(-[a-z0-9]+)*-(devel|macros)(-[a-z0-9]+)?$/.test(name) && !name.includes("-tools")) ||
    /^gcc\d*$/.test(name)
  );
}

export interface PrimaryScanner {
  push(chunk: string): void;
  /**
   * Packages kept so far; call after the last chunk. `complete` says whether the document ended properly (its root
   * element closed, no XML error); `error` names the first well-formedness error.
   */
  finish(): { packages: PrimaryPackage[]; complete: boolean; total: number; error?: string };
}

type PackageFields = Partial<Record<"name" | "arch" | "epoch" | "version" | "release", string>> &
  Partial<Record<"checksumType" | "checksum" | "size" | "href" | "base", string>>;

const HEX = /^[0-9a-fA-F]+$/;

/** The fields of one `<package>` that fetching and verifying it needs; undefined when one is missing or malformed. */
function toPackage(f: PackageFields): PrimaryPackage | undefined {
  const { name, arch, version, release, checksumType, checksum, href } = f;
  if (!name || !arch || !version || !release || !checksumType || !checksum || !HEX.test(checksum) || !href)
    return undefined;
  return {
    name,
    arch,
    epoch: f.epoch || "0",
    version,
    release,
    checksumType,
    checksum: checksum.toLowerCase(),
    ...(f.size && /^\d+$/.test(f.size) ? { size: Number(f.size) } : {}),
    href,
    ...(f.base ? { base: f.base } : {}),
  };
}

/** Reads a direct child of `<package>` into the fields: attributes on open, character data on close. */
function readOpen(f: PackageFields, name: string, a: Readonly<Record<string, string>>): void {
  if (name === "version") {
    f.epoch = a.epoch;
    f.version = a.ver;
    f.release = a.rel;
  } else if (name === "checksum") f.checksumType = a.type;
  else if (name === "size") f.size = a.package;
  else if (name === "location") {
    f.href = a.href;
    f.base = a["xml:base"];
  }
}

function readClose(f: PackageFields, name: string, text: string): void {
  if (name === "name") f.name = text.trim();
  else if (name === "arch") f.arch = text.trim();
  else if (name === "checksum") f.checksum = text.trim();
}

/** A scanner keeping packages whose name passes `keepName`. */
export function createPrimaryScanner(keepName: (name: string) => boolean = isHeaderLikeName): PrimaryScanner {
  let total = 0;
  let complete = false;
  const kept: PrimaryPackage[] = [];
  let current: PackageFields | undefined;
  // Depths: 0 <metadata>, 1 <package>, 2 its fields (name, arch, version, checksum, size, location, format …).
  const stream = createXmlStream({
    open(el) {
      if (el.depth === 1 && el.name === "package") current = {};
      else if (current && el.depth === 2) readOpen(current, el.name, el.attributes);
    },
    close(el, text) {
      if (el.depth === 0) complete = true;
      if (!current) return;
      if (el.depth === 2) readClose(current, el.name, text);
      else if (el.depth === 1 && el.name === "package") {
        total++;
        const pkg = current.name && keepName(current.name) ? toPackage(current) : undefined;
        if (pkg) kept.push(pkg);
        current = undefined;
      }
    },
  });
  return {
    push: (chunk) => stream.push(chunk),
    finish() {
      const { error } = stream.end();
      return {
        packages: kept,
        complete: complete && error === undefined,
        total,
        ...(error === undefined ? {} : { error }),
      };
    },
  };
}

/** Packages in an index that satisfy a wanted RPM, best first (exact match, or highest EVR when unpinned). */
export function matchWanted(packages: readonly PrimaryPackage[], want: WantedRpm): PrimaryPackage[] {
  const hits = packages.filter(
    (p) =>
      p.name === want.name &&
      p.arch === want.arch &&
      (want.version === undefined || p.version === want.version) &&
      releaseMatches(want, p.release),
  );
  return hits.sort((a, b) => compareEvr(b, a));
}
