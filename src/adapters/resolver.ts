import type { Arch } from "../core/arch.js";
import { KmodforgeError } from "../core/errors.js";
import type {
  HttpClient,
  PackageCandidate,
  PlannedUrl,
  ResolveContext,
  ResolvedHeaders,
  ResolveRequest,
  TraceEntry,
} from "../core/headers/types.js";
import type { KernelIdentity } from "../core/identity.js";
import type { HeaderSource, VersionTarget } from "../core/targets.js";
import { adapterFor } from "../distros/registry.js";
import { createHttpClient } from "./http.js";
import { hostDebianMirrors } from "./private-apt.js";
import { createSourceLinks, dispatchLink, type SourceLinkRegistry } from "./sources/index.js";

/**
 * Resolves the exact header packages of a kernel through its target's fallback chain: links are tried in the
 * order targets/ gives, each asked only for the packages still missing, and every find and miss is traced.
 */

export interface ResolveOptions {
  target: VersionTarget;
  hostArch?: Arch;
  requireVerified?: boolean;
  http?: HttpClient;
  links?: SourceLinkRegistry;
  /** Links tried before the target's own chain (e.g. user-supplied URLs). */
  extraLinks?: HeaderSource[];
  hostAptMirrors?: string[];
}

function request(identity: KernelIdentity, options: ResolveOptions): ResolveRequest {
  const hostArch = options.hostArch ?? "x86_64";
  const packages = adapterFor(identity.distro).headerPackages(identity.distro, {
    kernelRelease: identity.kernelRelease,
    distroVersion: identity.distroVersion,
    arch: identity.arch,
    hostArch,
    parsed: identity,
  });
  return {
    identity,
    packages,
    hostArch,
    target: options.target,
    requireVerified: options.requireVerified ?? true,
  };
}

async function mirrorsOf(options: ResolveOptions): Promise<string[]> {
  if (options.hostAptMirrors) return options.hostAptMirrors;
  try {
    const m = await hostDebianMirrors();
    return [m.archive, ...(m.security ? [m.security] : [])];
  } catch {
    return [];
  }
}

/** Every URL the chain would try, in order, without touching the network. */
export async function planHeaders(identity: KernelIdentity, options: ResolveOptions): Promise<PlannedUrl[]> {
  const req = request(identity, options);
  const links = options.links ?? createSourceLinks();
  const env = { hostAptMirrors: await mirrorsOf(options) };
  return [...(options.extraLinks ?? []), ...options.target.headerSources].flatMap(
    (link) => dispatchLink(links, link.kind, link, (impl, own) => impl.plan(own, req, env)) ?? [],
  );
}

export async function resolveHeaders(
  identity: KernelIdentity,
  options: ResolveOptions,
): Promise<ResolvedHeaders> {
  const req = request(identity, options);
  const links = options.links ?? createSourceLinks();
  // Resolution asks the links themselves; only planning needs the host mirror list (an apt-get call).
  const ctx = { http: options.http ?? createHttpClient(), hostAptMirrors: options.hostAptMirrors ?? [] };
  const { chosen, trace, pending } = await runChain(
    [...(options.extraLinks ?? []), ...options.target.headerSources],
    req,
    ctx,
    links,
  );
  if (pending.length > 0) {
    throw new KmodforgeError(
      "HEADERS_UNAVAILABLE",
      `headers unavailable for ${identity.kernelRelease} (${identity.distro} ${identity.distroVersion} ${identity.arch}): no link had ${pending.map((p) => p.name).join(", ")}`,
      { missing: pending.map((p) => p.name), trace },
    );
  }
  return {
    kernelRelease: identity.kernelRelease,
    distro: identity.distro,
    distroVersion: identity.distroVersion,
    arch: identity.arch,
    hostArch: req.hostArch,
    packages: chosen,
    trace,
  };
}

/**
 * The chain itself: links in order, each asked only for the packages still missing; every find and miss is traced,
 * and a file without a checksum is refused when the request requires verified sources.
 */
export async function runChain(
  chain: readonly HeaderSource[],
  req: ResolveRequest,
  ctx: ResolveContext,
  links: SourceLinkRegistry,
): Promise<{ chosen: PackageCandidate[]; trace: TraceEntry[]; pending: ResolveRequest["packages"] }> {
  const chosen: PackageCandidate[] = [];
  const trace: TraceEntry[] = [];
  let pending = req.packages;
  for (const link of chain) {
    if (pending.length === 0) break;
    const started = Date.now();
    const out = await dispatchLink(links, link.kind, link, (impl, own) =>
      impl.resolve(own, { ...req, packages: pending }, ctx),
    );
    if (!out) {
      for (const p of pending)
        trace.push({
          source: link.kind,
          package: p.name,
          outcome: "miss",
          reason: "not-applicable",
          detail: "no implementation for this link kind",
        });
      continue;
    }
    const ms = Date.now() - started;
    for (const m of out.misses) {
      trace.push({
        source: m.source,
        package: m.package,
        outcome: "miss",
        reason: m.reason,
        detail: m.detail,
        ...(m.url ? { url: m.url } : {}),
        ms,
      });
    }
    for (const f of out.found) {
      if (req.requireVerified && !f.sha256) {
        trace.push({
          source: f.source,
          package: f.name,
          outcome: "miss",
          reason: "unverified-refused",
          detail: "no checksum known",
          url: f.url,
          ms,
        });
        continue;
      }
      trace.push({ source: f.source, package: f.name, outcome: "found", url: f.url, ms });
      chosen.push(f);
    }
    pending = pending.filter((p) => !chosen.some((c) => c.name === p.name));
  }
  return { chosen, trace, pending };
}
