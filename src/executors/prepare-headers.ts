import { join } from "node:path";
import type { FetchedPackage } from "../adapters/package-cache.js";
import { resolveAndFetch } from "../adapters/resolve-and-fetch.js";
import { createSourceLinks, type SourceLinkRegistry } from "../adapters/sources/index.js";
import { loadTargets } from "../adapters/targets-fs.js";
import type { Arch } from "../core/arch.js";
import { KmodforgeError } from "../core/errors.js";
import type { ResolvedHeaders } from "../core/headers/types.js";
import type { KernelIdentity } from "../core/identity.js";
import { findTarget } from "../core/targets.js";
import { type HeaderTree, headerTree } from "./header-tree.js";

/**
 * Resolve and fetch (moving on past mirror gaps) → extract for one identity: the headers tree every local step
 * (build, verify) works against.
 */

export interface PreparedHeaders {
  resolved: ResolvedHeaders;
  fetched: FetchedPackage[];
  tree: HeaderTree;
}

// One link registry per apt state for the life of the process, so a sweep reads each package index once (the links
// hold only index caches, never per-build state).
const registries = new Map<string, SourceLinkRegistry>();
function linksFor(aptStateRoot: string): SourceLinkRegistry {
  let links = registries.get(aptStateRoot);
  if (!links) {
    links = createSourceLinks({ aptStateRoot });
    registries.set(aptStateRoot, links);
  }
  return links;
}

export async function prepareHeaders(
  identity: KernelIdentity,
  options: {
    cacheDir: string;
    hostArch: Arch;
    targetsDir?: string;
    step?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  },
): Promise<PreparedHeaders> {
  const step = options.step ?? (<T>(_: string, fn: () => Promise<T>) => fn());
  const policy = await loadTargets(options.targetsDir);
  const target = findTarget(policy, identity.distro, identity.distroVersion);
  if (!target)
    throw new KmodforgeError(
      "UNSUPPORTED_TARGET",
      `${identity.distro} ${identity.distroVersion} is not in the targets policy`,
    );
  const links = linksFor(join(options.cacheDir, "apt"));
  // One step: a package the index lists but the mirror lacks sends resolution on to the next link.
  const { resolved, fetched } = await step("resolve", () =>
    resolveAndFetch(identity, {
      target,
      hostArch: options.hostArch,
      links,
      cacheDir: join(options.cacheDir, "packages"),
    }),
  );
  const tree = await step("extract", () => headerTree(options.cacheDir, identity.kernelRelease, fetched));
  return { resolved, fetched, tree };
}
