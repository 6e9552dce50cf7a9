import type { PackageCandidate, ResolveContext, ResolveRequest, TraceEntry } from "../core/headers/types.js";
import type { HeaderSource } from "../core/targets.js";
import { dispatchLink, type SourceLinkRegistry } from "./sources/index.js";

/** A package the chain chose, with the targets/ link that offered it. */
export interface ChosenPackage {
  candidate: PackageCandidate;
  link: HeaderSource;
}

export interface ChainOutcome {
  chosen: ChosenPackage[];
  trace: TraceEntry[];
  pending: ResolveRequest["packages"];
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
): Promise<ChainOutcome> {
  const chosen: ChosenPackage[] = [];
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
      chosen.push({ candidate: f, link });
    }
    pending = pending.filter((p) => !chosen.some((c) => c.candidate.name === p.name));
  }
  return { chosen, trace, pending };
}
