import { runChain as resolverChain } from "../../src/adapters/resolve-chain.js";
import { createArchiveSourceLinks } from "../../src/adapters/sources/archive-links.js";
import type {
  ResolveContext,
  ResolveRequest,
  SourceLinkRegistry,
  TraceEntry,
} from "../../src/core/headers/types.js";
import type { HeaderSource } from "../../src/core/targets.js";

/** The resolver's own chain over the archive links, for the source-link tests. */
export async function runChain(
  chain: HeaderSource[],
  req: ResolveRequest,
  ctx: ResolveContext,
  links: SourceLinkRegistry = createArchiveSourceLinks(),
) {
  const { chosen, trace, pending } = await resolverChain(chain, req, ctx, links);
  return { found: chosen.map((c) => c.candidate), trace, pending };
}

/** One-line-per-entry view of a trace: `<kind> found` / `<kind> miss <reason>`. */
export const traceSummary = (trace: TraceEntry[]) =>
  trace.map((t) => `${t.source.split(":")[0]} ${t.outcome}${t.reason ? ` ${t.reason}` : ""}`);
