import {
  lpBinaryFileUrlsSchema,
  lpBinaryFileUrlsUrl,
  lpPublicationCollectionSchema,
  lpPublishedBinariesUrl,
  pickDebFile,
  pickPublications,
} from "../../core/headers/launchpad-api.js";
import { isHttpUrl } from "../../core/headers/mirror-list.js";
import { isDebPackageName, isDebVersion } from "../../core/headers/snapshot-api.js";
import type {
  LinkOutcome,
  PackageCandidate,
  PlannedUrl,
  ResolveContext,
  ResolveRequest,
  SourceLink,
} from "../../core/headers/types.js";
import type { HeaderSource } from "../../core/targets.js";
import type { HeaderPackageSpec } from "../../distros/adapter.js";
import { debArchOf } from "./deb-arch.js";
import { DEFAULT_LIMITS, fetchTyped, type LinkLimits, miss, type PackageMiss } from "./link-io.js";

type LaunchpadSource = Extract<HeaderSource, { kind: "launchpad" }>;

const SOURCE = "launchpad";

/**
 * Ubuntu's Launchpad: publishing history → librarian file with the sha256 Launchpad records for it. The API is
 * read over TLS; the file itself is checked against that sha256 by the downloader.
 */
export function createLaunchpadLink(
  options: { limits?: Partial<LinkLimits> } = {},
): SourceLink<LaunchpadSource> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  return {
    kind: "launchpad",
    plan(link, req): PlannedUrl[] {
      return req.packages
        .filter((s) => isDebPackageName(s.name))
        .map((s) => ({
          source: SOURCE,
          package: s.name,
          url: lpPublishedBinariesUrl(link.api, link.archive, s.name, pinned(s)),
          kind: "api" as const,
        }));
    },
    async resolve(link, req, ctx): Promise<LinkOutcome> {
      const outcome: LinkOutcome = { found: [], misses: [] };
      for (const spec of req.packages) {
        const r = await resolveOne(link, req, spec, ctx, limits);
        outcome.misses.push(...r.misses);
        if (r.found) outcome.found.push(r.found);
      }
      return outcome;
    },
  };
}

function pinned(spec: HeaderPackageSpec): string | undefined {
  return spec.version && isDebVersion(spec.version) ? spec.version : undefined;
}

async function getJson(ctx: ResolveContext, url: string, limits: LinkLimits) {
  const got = await fetchTyped(ctx, url, {
    timeoutMs: limits.timeoutMs,
    maxBytes: 8 * 1024 * 1024,
    cacheable: true,
  });
  if (!got.ok) return got;
  try {
    return { ok: true as const, json: JSON.parse(got.res.body.toString("utf8")) as unknown };
  } catch {
    return { ok: false as const, reason: "malformed" as const, detail: "response is not JSON" };
  }
}

async function resolveOne(
  link: LaunchpadSource,
  req: ResolveRequest,
  spec: HeaderPackageSpec,
  ctx: ResolveContext,
  limits: LinkLimits,
): Promise<{ found?: PackageCandidate; misses: PackageMiss[] }> {
  const misses: PackageMiss[] = [];
  const fail = (reason: PackageMiss["reason"], detail: string, url?: string) => {
    misses.push(miss(SOURCE, spec.name, reason, detail, url));
    return { misses };
  };
  if (!isDebPackageName(spec.name)) return fail("not-applicable", "not a Debian package name");
  const listUrl = lpPublishedBinariesUrl(link.api, link.archive, spec.name, pinned(spec));
  const list = await getJson(ctx, listUrl, limits);
  if (!list.ok) return fail(list.reason, list.detail, listUrl);
  const coll = lpPublicationCollectionSchema.safeParse(list.json);
  if (!coll.success) return fail("malformed", `unexpected JSON: ${coll.error.issues[0]?.message}`, listUrl);
  const debArch = debArchOf(req, spec);
  const pubs = pickPublications(coll.data.entries, {
    name: spec.name,
    debArch,
    ...(req.target.codename ? { series: req.target.codename } : {}),
    ...(pinned(spec) ? { version: pinned(spec)! } : {}),
  });
  if (pubs.length === 0) return fail("not-found", `no ${debArch} publication of ${spec.name}`, listUrl);
  const apiOrigin = new URL(link.api).origin;
  for (const pub of pubs.slice(0, 5)) {
    // Only follow links back into the API the link names; anything else is not Launchpad's answer.
    if (!isHttpUrl(pub.self_link) || new URL(pub.self_link).origin !== apiOrigin) {
      misses.push(miss(SOURCE, spec.name, "malformed", "publication link outside the API", listUrl));
      continue;
    }
    const filesUrl = lpBinaryFileUrlsUrl(pub.self_link);
    const files = await getJson(ctx, filesUrl, limits);
    if (!files.ok) {
      misses.push(miss(SOURCE, spec.name, files.reason, files.detail, filesUrl));
      continue;
    }
    const parsed = lpBinaryFileUrlsSchema.safeParse(files.json);
    if (!parsed.success) {
      misses.push(
        miss(SOURCE, spec.name, "malformed", `unexpected JSON: ${parsed.error.issues[0]?.message}`, filesUrl),
      );
      continue;
    }
    const file = pickDebFile(parsed.data, spec.name);
    if (!file || !isHttpUrl(file.url)) {
      misses.push(
        miss(SOURCE, spec.name, "not-found", "publication lists no .deb for the package", filesUrl),
      );
      continue;
    }
    if (!file.sha256 && req.requireVerified) {
      misses.push(miss(SOURCE, spec.name, "unverified-refused", "Launchpad gave no sha256", file.url));
      continue;
    }
    return {
      found: {
        name: spec.name,
        role: spec.role,
        version: pub.binary_package_version,
        packageArch: debArch,
        url: file.url,
        ...(file.sha256 ? { sha256: file.sha256 } : {}),
        ...(file.size !== undefined ? { size: file.size } : {}),
        source: SOURCE,
      },
      misses,
    };
  }
  return { misses };
}
