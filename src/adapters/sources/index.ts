import type { SourceLink } from "../../core/headers/types.js";
import type { HeaderSource } from "../../core/targets.js";
import { createAptLink } from "./apt.js";
import { createArchiveSourceLinks } from "./archive-links.js";
import type { LinkLimits } from "./link-io.js";

/**
 * The link registry: one SourceLink per header source kind of targets/. Created on demand (nothing happens at
 * import time); create it once per process so RPM index memos are shared across resolutions.
 */
export type SourceLinkRegistry = Partial<Record<HeaderSource["kind"], SourceLink>>;

export function createSourceLinks(
  options: { limits?: Partial<LinkLimits>; aptStateRoot?: string } = {},
): SourceLinkRegistry {
  return {
    apt: createAptLink(
      options.aptStateRoot ? { stateRoot: options.aptStateRoot } : {},
    ) as unknown as SourceLink,
    ...createArchiveSourceLinks(options),
  };
}
