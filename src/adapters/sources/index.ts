import type {
  HeaderSourceKind,
  SourceByKind,
  SourceLink,
  SourceLinkRegistry,
} from "../../core/headers/types.js";
import { createAptLink } from "./apt.js";
import { createArchiveSourceLinks } from "./archive-links.js";
import type { LinkLimits } from "./link-io.js";

export type { SourceLinkRegistry } from "../../core/headers/types.js";

/**
 * The link registry: one SourceLink per header source kind of targets/. Created on demand (nothing happens at
 * import time); create it once per process so RPM index memos are shared across resolutions.
 */
export function createSourceLinks(
  options: { limits?: Partial<LinkLimits>; aptStateRoot?: string } = {},
): Required<SourceLinkRegistry> {
  return {
    apt: createAptLink(options.aptStateRoot ? { stateRoot: options.aptStateRoot } : {}),
    ...createArchiveSourceLinks(options),
  };
}

/**
 * Hands a targets/ link to the implementation of its kind, or returns undefined when the registry has none. `kind`
 * and `source` are tied by K, so a caller holding any HeaderSource passes `(link.kind, link)` and the
 * implementation receives exactly its own kind of link.
 */
export function dispatchLink<K extends HeaderSourceKind, R>(
  links: SourceLinkRegistry,
  kind: K,
  source: SourceByKind[K],
  use: (impl: SourceLink<SourceByKind[K]>, source: SourceByKind[K]) => R,
): R | undefined {
  const impl: SourceLinkRegistry[K] = links[kind];
  return impl ? use(impl, source) : undefined;
}
