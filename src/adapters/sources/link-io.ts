import { createHash } from "node:crypto";
import {
  HttpFailure,
  type HttpGetOptions,
  type HttpResponse,
  type LinkMiss,
  type MissReason,
  type ResolveContext,
} from "../../core/headers/types.js";
import { assertSuccess } from "../http.js";

/** Shared I/O steps of the source links: fetch with a typed miss instead of a throw, and hash checks. */

export type PackageMiss = LinkMiss & { package: string };

export type Fetched = { ok: true; res: HttpResponse } | { ok: false; reason: MissReason; detail: string };

/** Limits every link applies; tests shrink them to provoke `too-large` and `timeout`. */
export interface LinkLimits {
  /** Largest index or API response fetched (compressed bytes). */
  maxIndexBytes: number;
  /** Largest decompressed primary index scanned. */
  maxIndexUnpackedBytes: number;
  /** Largest package file a link downloads to check it. */
  maxPackageBytes: number;
  timeoutMs: number;
}

export const DEFAULT_LIMITS: LinkLimits = {
  maxIndexBytes: 128 * 1024 * 1024,
  maxIndexUnpackedBytes: 1024 * 1024 * 1024,
  maxPackageBytes: 512 * 1024 * 1024,
  timeoutMs: 60_000,
};

export async function fetchTyped(
  ctx: ResolveContext,
  url: string,
  options: HttpGetOptions,
): Promise<Fetched> {
  try {
    const res = await ctx.http.get(url, { ...(ctx.signal ? { signal: ctx.signal } : {}), ...options });
    assertSuccess(res);
    return { ok: true, res };
  } catch (e) {
    if (e instanceof HttpFailure) return { ok: false, reason: e.reason, detail: e.message };
    const err = e as Error;
    if (err?.name === "AbortError" || err?.name === "TimeoutError")
      return { ok: false, reason: "timeout", detail: err.message };
    return { ok: false, reason: "unreachable", detail: err?.message ?? String(e) };
  }
}

export function digest(algorithm: string, data: Uint8Array): string {
  return createHash(algorithm).update(data).digest("hex");
}

/** Algorithms repository metadata names, mapped to node's; undefined for ones we do not trust (md5). */
export function hashAlgorithm(checksumType: string): string | undefined {
  const t = checksumType.toLowerCase();
  if (t === "sha256" || t === "sha512" || t === "sha384" || t === "sha224") return t;
  if (t === "sha" || t === "sha1") return "sha1";
  return undefined;
}

export function miss(
  source: string,
  pkg: string,
  reason: MissReason,
  detail: string,
  url?: string,
): PackageMiss {
  return { source, package: pkg, reason, detail, ...(url ? { url } : {}) };
}
