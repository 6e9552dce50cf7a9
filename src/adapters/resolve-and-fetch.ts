import { KmodforgeError } from "../core/errors.js";
import {
  HttpFailure,
  type PackageCandidate,
  type ResolvedHeaders,
  type TraceEntry,
} from "../core/headers/types.js";
import type { KernelIdentity } from "../core/identity.js";
import type { HeaderSource } from "../core/targets.js";
import { createHttpClient } from "./http.js";
import { type FetchedPackage, type FetchOptions, fetchPackage } from "./package-cache.js";
import { runChain } from "./resolve-chain.js";
import { type Resolution, type ResolveOptions, resolveWithOrigins } from "./resolver.js";

/**
 * Resolve and download, moving on past mirror gaps. A file that signed metadata lists but the mirror answers with
 * 404/410 is not a broken kernel: the chain runs again for that one package without the link that listed it (the
 * archive of retired releases, snapshot … as targets/ orders them). The listing's signed SHA256 stays the
 * reference, so another link must serve the same bytes. When no link has it the error is HEADERS_UNAVAILABLE
 * naming every URL tried; the trace records each gap.
 */

export type ResolveAndFetchOptions = ResolveOptions & Pick<FetchOptions, "cacheDir" | "allowUnverified">;

export interface ResolvedAndFetched {
  /** The resolution as downloaded: each package from the link that served it, the trace with every gap. */
  resolved: ResolvedHeaders;
  fetched: FetchedPackage[];
}

export async function resolveAndFetch(
  identity: KernelIdentity,
  options: ResolveAndFetchOptions,
): Promise<ResolvedAndFetched> {
  const http = options.http ?? createHttpClient();
  const run = await resolveWithOrigins(identity, { ...options, http });
  const trace = [...run.resolved.trace];
  const fetchOptions: FetchOptions = {
    http,
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.allowUnverified ? { allowUnverified: true } : {}),
  };
  const outcomes = await Promise.all(
    run.resolved.packages.map((listed) => fetchMovingOn(run, listed, trace, fetchOptions)),
  );
  const unserved = outcomes.filter((o) => "tried" in o);
  if (unserved.length > 0) throw unavailable(run.resolved, unserved, trace);
  const fetched = outcomes.filter((o) => "path" in o);
  return { resolved: { ...run.resolved, packages: fetched.map((f) => f.candidate), trace }, fetched };
}

/** A listed package no link served, and every URL (or link) tried for it. */
interface Unserved {
  listed: PackageCandidate;
  tried: string[];
}

async function fetchMovingOn(
  run: Resolution,
  listed: PackageCandidate,
  trace: TraceEntry[],
  options: FetchOptions,
): Promise<FetchedPackage | Unserved> {
  const spec = run.req.packages.find((p) => p.name === listed.name);
  const excluded = new Set<HeaderSource>();
  const tried: string[] = [];
  let current = listed;
  let from = run.origin.get(listed.name);
  // Each round drops the link that failed, so the chain shrinks until a link serves the file or none is left.
  for (;;) {
    try {
      return await fetchPackage(current, options);
    } catch (err) {
      if (!(err instanceof HttpFailure) || err.reason !== "not-found") throw err;
      trace.push(gapEntry(current, err));
      tried.push(`${current.url} (HTTP ${err.status ?? 404})`);
    }
    if (!spec || !from) break;
    excluded.add(from);
    const again = await runChain(
      run.chain.filter((link) => !excluded.has(link)),
      { ...run.req, packages: [{ ...spec, version: listed.version }] },
      run.ctx,
      run.links,
    );
    trace.push(...again.trace);
    for (const miss of again.trace.filter((t) => t.outcome === "miss"))
      tried.push(`${miss.url ?? miss.source} (${miss.reason ?? "miss"})`);
    const next = again.chosen[0];
    if (!next) break;
    from = next.link;
    current = sameBytesAs(listed, next.candidate);
  }
  return { listed, tried };
}

/** A replacement from another link, held to the hash (and its signer) the original listing vouched for. */
function sameBytesAs(listed: PackageCandidate, replacement: PackageCandidate): PackageCandidate {
  if (!listed.sha256) return replacement;
  const { signedBy: _, ...rest } = replacement;
  return { ...rest, sha256: listed.sha256, ...(listed.signedBy ? { signedBy: listed.signedBy } : {}) };
}

function gapEntry(candidate: PackageCandidate, err: HttpFailure): TraceEntry {
  return {
    source: candidate.source,
    package: candidate.name,
    outcome: "miss",
    reason: "not-found",
    detail: `listed by ${candidate.source}, but the mirror does not serve it (HTTP ${err.status ?? 404}): a mirror gap`,
    url: candidate.url,
  };
}

function unavailable(resolved: ResolvedHeaders, unserved: Unserved[], trace: TraceEntry[]): KmodforgeError {
  const each = unserved.map(
    ({ listed, tried }) =>
      `${listed.name} ${listed.version} is listed by ${listed.source}, but no link serves it; tried ${tried.join(", ")}`,
  );
  return new KmodforgeError(
    "HEADERS_UNAVAILABLE",
    `headers unavailable for ${resolved.kernelRelease} (${resolved.distro} ${resolved.distroVersion} ${resolved.arch}): ${each.join("; ")}`,
    {
      missing: unserved.map((u) => u.listed.name),
      urls: unserved.flatMap((u) => u.tried),
      trace,
    },
  );
}
