import { createArchiveSourceLinks } from "../../src/adapters/sources/archive-links.js";
import type {
  PackageCandidate,
  ResolveContext,
  ResolveRequest,
  SourceLink,
  TraceEntry,
} from "../../src/core/headers/types.js";
import type { HeaderSource } from "../../src/core/targets.js";

/**
 * The chain contract in its simplest form, for the source-link tests: links in order, each asked only for the
 * packages still missing; every miss and find goes to the trace.
 */
export async function runChain(
  chain: HeaderSource[],
  req: ResolveRequest,
  ctx: ResolveContext,
  links: Record<string, SourceLink> = createArchiveSourceLinks(),
) {
  const found: PackageCandidate[] = [];
  const trace: TraceEntry[] = [];
  let pending = req.packages;
  for (const link of chain) {
    if (pending.length === 0) break;
    const impl = links[link.kind];
    if (!impl) throw new Error(`no link for ${link.kind}`);
    const out = await impl.resolve(link, { ...req, packages: pending }, ctx);
    for (const m of out.misses) {
      trace.push({
        source: m.source,
        package: m.package,
        outcome: "miss",
        reason: m.reason,
        ...(m.url ? { url: m.url } : {}),
      });
    }
    for (const f of out.found)
      trace.push({ source: f.source, package: f.name, outcome: "found", url: f.url });
    found.push(...out.found);
    pending = pending.filter((p) => !out.found.some((f) => f.name === p.name));
  }
  return { found, trace, pending };
}

/** One-line-per-entry view of a trace: `<kind> found` / `<kind> miss <reason>`. */
export const traceSummary = (trace: TraceEntry[]) =>
  trace.map((t) => `${t.source.split(":")[0]} ${t.outcome}${t.reason ? ` ${t.reason}` : ""}`);
