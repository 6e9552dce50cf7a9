import { ARCH_FACTS } from "../../core/arch.js";
import { parseMirrorList, resolvePackageUrl } from "../../core/headers/mirror-list.js";
import { matchWanted } from "../../core/headers/primary-xml.js";
import { type WantedRpm, wantedRpm } from "../../core/headers/rpm-package.js";
import { hostLabel, type RepoLocator } from "../../core/headers/rpm-repo-plan.js";
import type {
  LinkOutcome,
  PackageCandidate,
  ResolveContext,
  ResolveRequest,
} from "../../core/headers/types.js";
import type { HeaderPackageSpec } from "../../distros/adapter.js";
import { fetchTyped, type LinkLimits, miss, type PackageMiss } from "./link-io.js";
import { type PrimaryIndexMemo, readRpmRepo } from "./rpm-repo-reader.js";

/** Resolution shared by rpm-repo and vault: walk the locators in order, first repository listing the package wins. */

export interface RpmLinkDeps {
  limits: LinkLimits;
  memo: PrimaryIndexMemo;
}

async function expandLocator(
  ctx: ResolveContext,
  kind: string,
  locator: RepoLocator,
  want: WantedRpm,
  deps: RpmLinkDeps,
  misses: PackageMiss[],
): Promise<string[]> {
  if (locator.type === "baseurl") return [locator.base];
  const got = await fetchTyped(ctx, locator.url, {
    timeoutMs: deps.limits.timeoutMs,
    maxBytes: 1024 * 1024,
    cacheable: true,
  });
  if (!got.ok) {
    misses.push(miss(hostLabel(kind, locator.url), want.name, got.reason, got.detail, locator.url));
    return [];
  }
  const basearch = ARCH_FACTS[want.repoArch].rpm;
  const mirrors = parseMirrorList(got.res.body.toString("utf8"), { basearch, releasever: "" });
  if (mirrors.length === 0)
    misses.push(
      miss(
        hostLabel(kind, locator.url),
        want.name,
        "malformed",
        "mirror list names no http(s) mirror",
        locator.url,
      ),
    );
  return mirrors;
}

async function resolveOne(
  kind: "rpm-repo" | "vault",
  spec: HeaderPackageSpec,
  req: ResolveRequest,
  ctx: ResolveContext,
  locators: RepoLocator[],
  deps: RpmLinkDeps,
): Promise<{ found?: PackageCandidate; misses: PackageMiss[] }> {
  const want = wantedRpm(req, spec);
  const misses: PackageMiss[] = [];
  for (const locator of locators) {
    for (const base of await expandLocator(ctx, kind, locator, want, deps, misses)) {
      const source = hostLabel(kind, base);
      const read = await readRpmRepo(ctx, base, deps.limits, deps.memo);
      if (!read.ok) {
        misses.push(miss(source, spec.name, read.reason, read.detail, read.url));
        continue;
      }
      const best = matchWanted(read.index.packages, want)[0];
      if (!best) {
        const what = want.version
          ? `${want.name}-${want.version}-${want.release ?? (want.releasePrefix ? `${want.releasePrefix}.*` : "*")}.${want.arch}`
          : `${want.name}.${want.arch}`;
        misses.push(
          miss(
            source,
            spec.name,
            "not-found",
            `${what} not in ${read.index.primaryUrl}`,
            read.index.primaryUrl,
          ),
        );
        continue;
      }
      const url = resolvePackageUrl(base, best.href, best.base);
      if (!url) {
        misses.push(
          miss(source, spec.name, "malformed", `unusable location ${best.href}`, read.index.primaryUrl),
        );
        continue;
      }
      const sha256 = best.checksumType === "sha256" ? best.checksum : undefined;
      if (!sha256 && req.requireVerified) {
        misses.push(
          miss(
            source,
            spec.name,
            "unverified-refused",
            `index gives only a ${best.checksumType} checksum`,
            url,
          ),
        );
        continue;
      }
      return {
        found: {
          name: spec.name,
          role: spec.role,
          version: `${best.version}-${best.release}`,
          packageArch: best.arch,
          url,
          ...(sha256 ? { sha256 } : {}),
          ...(best.size !== undefined ? { size: best.size } : {}),
          source,
        },
        misses,
      };
    }
  }
  if (locators.length === 0)
    misses.push(miss(kind, spec.name, "not-applicable", "no repository applies to this kernel"));
  return { misses };
}

export async function resolveRpmPackages(
  kind: "rpm-repo" | "vault",
  req: ResolveRequest,
  ctx: ResolveContext,
  locate: (want: WantedRpm) => RepoLocator[],
  deps: RpmLinkDeps,
): Promise<LinkOutcome> {
  const outcome: LinkOutcome = { found: [], misses: [] };
  for (const spec of req.packages) {
    const r = await resolveOne(kind, spec, req, ctx, locate(wantedRpm(req, spec)), deps);
    if (r.found) outcome.found.push(r.found);
    outcome.misses.push(...r.misses);
  }
  return outcome;
}
