import { resolvePackageUrl } from "../../core/headers/mirror-list.js";
import {
  createPrimaryScanner,
  isHeaderLikeName,
  type PrimaryPackage,
} from "../../core/headers/primary-xml.js";
import {
  compressionOf,
  type IndexCompression,
  parseRepomd,
  pickPrimary,
  pickPrimaryDb,
} from "../../core/headers/repomd.js";
import { repomdUrl } from "../../core/headers/rpm-repo-plan.js";
import type { MissReason, ResolveContext } from "../../core/headers/types.js";
import { decompressInto } from "./decompress.js";
import { digest, fetchTyped, hashAlgorithm, type LinkLimits } from "./link-io.js";
import { readPrimaryDb } from "./primary-sqlite.js";

/**
 * Reads one RPM repository: repomd.xml, then the primary index it names, checked against repomd's checksum before
 * a byte of it is trusted. Keeps the kernel-devel and compiler entries, memoised by primary URL + checksum so a
 * sweep over many kernels scans each index once.
 */

export interface RepoIndex {
  base: string;
  primaryUrl: string;
  packages: PrimaryPackage[];
}

export type RepoRead =
  | { ok: true; index: RepoIndex }
  | { ok: false; reason: MissReason; detail: string; url: string };

export class PrimaryIndexMemo {
  private readonly entries = new Map<string, PrimaryPackage[]>();
  constructor(private readonly maxEntries = 64) {}
  get(key: string): PrimaryPackage[] | undefined {
    return this.entries.get(key);
  }
  set(key: string, value: PrimaryPackage[]): void {
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
  }
}

export async function readRpmRepo(
  ctx: ResolveContext,
  base: string,
  limits: LinkLimits,
  memo: PrimaryIndexMemo,
  /** Which package names to keep, with a name for the memo key. */
  filter: { id: string; keep: (name: string) => boolean } = { id: "headers", keep: isHeaderLikeName },
): Promise<RepoRead> {
  const mdUrl = repomdUrl(base);
  const md = await fetchTyped(ctx, mdUrl, {
    timeoutMs: limits.timeoutMs,
    maxBytes: 4 * 1024 * 1024,
    cacheable: true,
  });
  if (!md.ok) return { ...md, url: mdUrl };
  const repomd = parseRepomd(md.res.body.toString("utf8"));
  if (!repomd.ok) return { ok: false, reason: "malformed", detail: repomd.error, url: mdUrl };
  const entry = pickPrimary(repomd.entries) ?? pickPrimaryDb(repomd.entries);
  if (!entry)
    return { ok: false, reason: "malformed", detail: "repomd.xml names no primary index", url: mdUrl };
  const primaryUrl = resolvePackageUrl(base, entry.href);
  if (!primaryUrl)
    return { ok: false, reason: "malformed", detail: `bad primary location ${entry.href}`, url: mdUrl };
  const memoKey = `${primaryUrl}#${entry.checksum}#${filter.id}`;
  const cached = memo.get(memoKey);
  if (cached) return { ok: true, index: { base, primaryUrl, packages: cached } };
  if (entry.size !== undefined && entry.size > limits.maxIndexBytes) {
    return {
      ok: false,
      reason: "too-large",
      detail: `primary index is ${entry.size} bytes (limit ${limits.maxIndexBytes})`,
      url: primaryUrl,
    };
  }
  if (entry.openSize !== undefined && entry.openSize > limits.maxIndexUnpackedBytes) {
    return {
      ok: false,
      reason: "too-large",
      detail: `primary index unpacks to ${entry.openSize} bytes`,
      url: primaryUrl,
    };
  }
  const algorithm = hashAlgorithm(entry.checksumType);
  if (!algorithm)
    return {
      ok: false,
      reason: "malformed",
      detail: `unsupported checksum type ${entry.checksumType}`,
      url: mdUrl,
    };
  const primary = await fetchTyped(ctx, primaryUrl, {
    timeoutMs: limits.timeoutMs,
    maxBytes: limits.maxIndexBytes,
    cacheable: true,
  });
  if (!primary.ok) return { ...primary, url: primaryUrl };
  const actual = digest(algorithm, primary.res.body);
  if (actual !== entry.checksum) {
    return {
      ok: false,
      reason: "checksum-mismatch",
      detail: `primary index ${entry.checksumType} expected ${entry.checksum}, got ${actual}`,
      url: primaryUrl,
    };
  }
  const packages =
    entry.type === "primary_db"
      ? await scanPrimaryDb(primary.res.body, compressionOf(entry.href), filter.keep, limits)
      : await scanPrimaryXml(primary.res.body, compressionOf(entry.href), filter.keep, limits);
  if (!packages.ok) return { ...packages, url: primaryUrl };
  memo.set(memoKey, packages.packages);
  return { ok: true, index: { base, primaryUrl, packages: packages.packages } };
}

type Scanned = { ok: true; packages: PrimaryPackage[] } | { ok: false; reason: MissReason; detail: string };

async function scanPrimaryXml(
  data: Buffer,
  compression: IndexCompression,
  keep: (name: string) => boolean,
  limits: LinkLimits,
): Promise<Scanned> {
  const scanner = createPrimaryScanner(keep);
  const decoder = new TextDecoder("utf-8");
  const unpacked = await decompressInto(data, compression, limits.maxIndexUnpackedBytes, (c) =>
    scanner.push(decoder.decode(c, { stream: true })),
  );
  if (!unpacked.ok) return unpacked;
  scanner.push(decoder.decode());
  const result = scanner.finish();
  if (!result.complete)
    return {
      ok: false,
      reason: "malformed",
      detail: `primary index is not a complete XML document${result.error ? `: ${result.error}` : ""}`,
    };
  return { ok: true, packages: result.packages };
}

async function scanPrimaryDb(
  data: Buffer,
  compression: IndexCompression,
  keep: (name: string) => boolean,
  limits: LinkLimits,
): Promise<Scanned> {
  const chunks: Buffer[] = [];
  const unpacked = await decompressInto(data, compression, limits.maxIndexUnpackedBytes, (c) =>
    chunks.push(c),
  );
  if (!unpacked.ok) return unpacked;
  return readPrimaryDb(Buffer.concat(chunks), keep, limits.timeoutMs);
}
