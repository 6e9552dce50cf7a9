import type { HeaderPackageSpec } from "../../distros/adapter.js";
import { pointReleaseOf } from "../../distros/registry.js";
import { ARCH_FACTS } from "../arch.js";
import type { HeaderSource } from "../targets.js";
import { asDirectory, expandRepoTemplate } from "./mirror-list.js";
import { type WantedRpm, wantedRpm } from "./rpm-package.js";
import type { PlannedUrl, ResolveRequest } from "./types.js";

type RpmRepoLink = Extract<HeaderSource, { kind: "rpm-repo" }>;
type VaultLink = Extract<HeaderSource, { kind: "vault" }>;

/** One place an RPM link reads: a repository root, or a mirror list that names repository roots. */
export type RepoLocator = { type: "baseurl"; base: string } | { type: "mirrorlist"; url: string };

export function repomdUrl(base: string): string {
  return `${asDirectory(base)}repodata/repomd.xml`;
}

export function hostLabel(kind: string, url: string): string {
  try {
    return `${kind}:${new URL(url).host}`;
  } catch {
    return kind;
  }
}

/** rpm-repo: for each releasever in order, every baseurl then every mirror list. */
export function rpmRepoLocators(link: RpmRepoLink, req: ResolveRequest, want: WantedRpm): RepoLocator[] {
  const releasevers = link.releasevers?.length ? link.releasevers : [req.identity.distroVersion];
  const basearch = ARCH_FACTS[want.repoArch].rpm;
  const out: RepoLocator[] = [];
  for (const releasever of releasevers) {
    const vars = { basearch, releasever };
    for (const b of link.baseurls) out.push({ type: "baseurl", base: expandRepoTemplate(b, vars) });
    for (const m of link.mirrorlists) out.push({ type: "mirrorlist", url: expandRepoTemplate(m, vars) });
  }
  return dedupe(out);
}

/**
 * vault: the point release comes from the kernel, as its family reads it (`el9_5` → 9.5; `4.18.0-425.3.1.el8`, whose
 * tag names no minor, from its build number → 8.7); a kernel its family cannot place is looked up in the link's
 * listed minors in order. A vault that names its directories otherwise (`7.9.2009`) maps them in `directories`.
 */
export function vaultMinors(link: VaultLink, req: ResolveRequest): string[] {
  const minor = pointReleaseOf(req.identity);
  return minor ? [minor] : [...link.minors];
}

export function vaultLocators(link: VaultLink, req: ResolveRequest, want: WantedRpm): RepoLocator[] {
  const basearch = ARCH_FACTS[want.repoArch].rpm;
  const out: RepoLocator[] = [];
  for (const minor of vaultMinors(link, req)) {
    const releasever = link.directories?.[minor] ?? minor;
    for (const b of link.baseurls)
      out.push({ type: "baseurl", base: expandRepoTemplate(b, { basearch, releasever }) });
  }
  return dedupe(out);
}

function dedupe(locators: RepoLocator[]): RepoLocator[] {
  const seen = new Set<string>();
  return locators.filter((l) => {
    const key = l.type === "baseurl" ? asDirectory(l.base) : l.url;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The offline plan of an RPM link: the index URLs it reads, per package, in order. */
export function planRpmLocators(
  kind: "rpm-repo" | "vault",
  req: ResolveRequest,
  locate: (want: WantedRpm) => RepoLocator[],
): PlannedUrl[] {
  const out: PlannedUrl[] = [];
  for (const spec of req.packages as HeaderPackageSpec[]) {
    const want = wantedRpm(req, spec);
    for (const l of locate(want)) {
      const url = l.type === "baseurl" ? repomdUrl(l.base) : l.url;
      out.push({ source: hostLabel(kind, url), package: spec.name, url, kind: "index" });
    }
  }
  return out;
}
