import { cacheSubdir } from "../adapters/cache-dir.js";
import { type FetchedPackage, fetchPackage } from "../adapters/package-cache.js";
import { resolveAndFetch } from "../adapters/resolve-and-fetch.js";
import { createSourceLinks, type SourceLinkRegistry } from "../adapters/sources/index.js";
import { loadTargets } from "../adapters/targets-fs.js";
import type { Arch } from "../core/arch.js";
import { HEADERS_RECORD_SCHEMA_VERSION, type HeadersRecord } from "../core/build/headers-record.js";
import { KmodforgeError } from "../core/errors.js";
import type { ResolvedHeaders } from "../core/headers/types.js";
import type { KernelIdentity } from "../core/identity.js";
import { findTarget } from "../core/targets.js";
import { buildTreeOf } from "../distros/registry.js";
import { type HeaderTree, headerTree } from "./header-tree.js";

/**
 * Resolve and fetch (moving on past mirror gaps) → extract for one identity: the headers tree every local step
 * (build, verify) works against.
 */

export interface PreparedHeaders {
  resolved: ResolvedHeaders;
  fetched: FetchedPackage[];
  tree: HeaderTree;
  /** What the rest of the build needs to know, as the headers step writes it for other processes. */
  record: HeadersRecord;
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
    /** Extract into this directory instead of the tree cache. */
    treeDir?: string;
    /** A resolution made earlier (e.g. `kmodforge resolve --json`); resolved now when absent. */
    resolved?: ResolvedHeaders;
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
  const links = linksFor(cacheSubdir("apt", options.cacheDir));
  const packagesDir = cacheSubdir("packages", options.cacheDir);
  // A plan made earlier is downloaded as it is (verified); otherwise resolution and download are one step, so a
  // package the index lists but the mirror lacks sends resolution on to the next link.
  const given = options.resolved;
  const { resolved, fetched } = given
    ? {
        resolved: given,
        fetched: await step("fetch", () =>
          Promise.all(given.packages.map((c) => fetchPackage(c, { cacheDir: packagesDir }))),
        ),
      }
    : await step("resolve", () =>
        resolveAndFetch(identity, { target, hostArch: options.hostArch, links, cacheDir: packagesDir }),
      );
  const tree = await step("extract", () =>
    headerTree(options.cacheDir, buildTreeOf(identity), fetched, options.treeDir),
  );
  return { resolved, fetched, tree, record: headersRecord(identity, options.hostArch, fetched, tree) };
}

function headersRecord(
  identity: KernelIdentity,
  builderArch: Arch,
  fetched: FetchedPackage[],
  tree: HeaderTree,
): HeadersRecord {
  return {
    schemaVersion: HEADERS_RECORD_SCHEMA_VERSION,
    identity: {
      distro: identity.distro,
      distroVersion: identity.distroVersion,
      arch: identity.arch,
      kernelRelease: identity.kernelRelease,
    },
    builderArch,
    packages: fetched.map((f) => ({
      name: f.candidate.name,
      role: f.candidate.role,
      version: f.candidate.version,
      url: f.candidate.url,
      sha256: f.sha256,
      source: f.candidate.source,
      ...(f.candidate.signedBy ? { signedBy: f.candidate.signedBy } : {}),
    })),
    treeRoot: tree.root,
    buildDir: tree.buildDirInTree,
  };
}
