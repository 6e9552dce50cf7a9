import type { Arch } from "../core/arch.js";
import { KmodforgeError } from "../core/errors.js";
import { companionsFromDepends } from "../core/headers/dependencies.js";
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
import type { HeaderPackageSpec } from "../distros/adapter.js";
import { adapterFor } from "../distros/registry.js";
import { hostDebianMirrors } from "./apt-metadata.js";
import { createHttpClient } from "./http.js";
import { runChain } from "./resolve-chain.js";
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

/** A resolution with what a later step needs to run the chain again for one of its packages. */
export interface Resolution {
  resolved: ResolvedHeaders;
  /** The targets/ link each chosen package came from, by package name. */
  origin: ReadonlyMap<string, HeaderSource>;
  /** The chain as tried (extra links first), the request with its final package specs, and the I/O used. */
  chain: readonly HeaderSource[];
  req: ResolveRequest;
  ctx: ResolveContext;
  links: SourceLinkRegistry;
}

export async function resolveHeaders(
  identity: KernelIdentity,
  options: ResolveOptions,
): Promise<ResolvedHeaders> {
  return (await resolveWithOrigins(identity, options)).resolved;
}

/**
 * Resolves in two steps: the headers package first, then its companions (common, kbuild) as the headers package's
 * signed `Depends` name them where the distribution has such metadata, by the distribution's naming rules where
 * it has none (or the headers came from a link without it).
 */
export async function resolveWithOrigins(
  identity: KernelIdentity,
  options: ResolveOptions,
): Promise<Resolution> {
  const planned = request(identity, options);
  const links = options.links ?? createSourceLinks();
  // Resolution asks the links themselves; only planning needs the host mirror list (an apt-get call).
  const ctx = { http: options.http ?? createHttpClient(), hostAptMirrors: options.hostAptMirrors ?? [] };
  const chain = [...(options.extraLinks ?? []), ...options.target.headerSources];
  const isHeaders = (p: { role: string }) => p.role === "headers";
  const first = await runChain(
    chain,
    { ...planned, packages: planned.packages.filter(isHeaders) },
    ctx,
    links,
  );
  const headers = first.chosen.find((c) => isHeaders(c.candidate))?.candidate;
  const companions = companionSpecs(
    identity,
    planned.packages.filter((p) => !isHeaders(p)),
    headers,
  );
  const rest = await runChain(chain, { ...planned, packages: companions.specs }, ctx, links);
  const chosen = [...first.chosen, ...rest.chosen];
  const trace = [...first.trace, ...rest.trace];
  const pending = [...first.pending, ...rest.pending];
  if (pending.length > 0) throw unavailable(identity, pending, trace);
  const packages = chosen.map(({ candidate }) =>
    headers && companions.fromDepends.has(candidate.name)
      ? { ...candidate, requiredBy: headers.name }
      : candidate,
  );
  return {
    resolved: {
      kernelRelease: identity.kernelRelease,
      distro: identity.distro,
      distroVersion: identity.distroVersion,
      arch: identity.arch,
      hostArch: planned.hostArch,
      packages,
      trace,
    },
    origin: new Map(chosen.map((c) => [c.candidate.name, c.link])),
    chain,
    req: { ...planned, packages: [...planned.packages.filter(isHeaders), ...companions.specs] },
    ctx,
    links,
  };
}

function unavailable(
  identity: KernelIdentity,
  pending: HeaderPackageSpec[],
  trace: TraceEntry[],
): KmodforgeError {
  return new KmodforgeError(
    "HEADERS_UNAVAILABLE",
    `headers unavailable for ${identity.kernelRelease} (${identity.distro} ${identity.distroVersion} ${identity.arch}): no link had ${pending.map((p) => p.name).join(", ")}`,
    { missing: pending.map((p) => p.name), trace },
  );
}

/** The companion specs to resolve: from the headers package's signed Depends when there are any. */
function companionSpecs(
  identity: KernelIdentity,
  planned: HeaderPackageSpec[],
  headers: PackageCandidate | undefined,
): { specs: HeaderPackageSpec[]; fromDepends: Set<string> } {
  const roleOf = adapterFor(identity.distro).dependencyRole;
  if (!roleOf || headers?.depends === undefined) return { specs: planned, fromDepends: new Set() };
  const derived = companionsFromDepends(planned, headers.depends, roleOf);
  return {
    specs: derived.map(({ fromDepends: _, ...spec }) => spec),
    fromDepends: new Set(derived.filter((d) => d.fromDepends).map((d) => d.name)),
  };
}
