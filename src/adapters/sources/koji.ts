import { kojiPackageUrls } from "../../core/headers/koji-layout.js";
import { wantedRpm } from "../../core/headers/rpm-package.js";
import { hostLabel } from "../../core/headers/rpm-repo-plan.js";
import type { LinkOutcome, PlannedUrl, SourceLink } from "../../core/headers/types.js";
import type { HeaderSource } from "../../core/targets.js";
import { DEFAULT_LIMITS, fetchTyped, type LinkLimits, miss } from "./link-io.js";

type KojiSource = Extract<HeaderSource, { kind: "koji" }>;

/**
 * Koji / CBS build archives. The package directory publishes no checksums (the hub's XML-RPC `listRPMs` gives only
 * an MD5 header digest), so a Koji file is unverified: refused under requireVerified before any fetch, otherwise
 * fetched to prove it exists, signed `data/signed/<key>/` copies first.
 */
export function createKojiLink(options: { limits?: Partial<LinkLimits> } = {}): SourceLink<KojiSource> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const label = (link: KojiSource, key?: string) =>
    `${hostLabel("koji", link.hub)}${key ? `:signed/${key}` : ""}`;
  return {
    kind: "koji",
    plan(link, req): PlannedUrl[] {
      return req.packages.flatMap((spec) =>
        kojiPackageUrls(link, wantedRpm(req, spec)).map((c) => ({
          source: label(link, c.signedKey),
          package: spec.name,
          url: c.url,
          kind: "package" as const,
        })),
      );
    },
    async resolve(link, req, ctx): Promise<LinkOutcome> {
      const outcome: LinkOutcome = { found: [], misses: [] };
      for (const spec of req.packages) {
        const want = wantedRpm(req, spec);
        const urls = kojiPackageUrls(link, want);
        if (urls.length === 0) {
          outcome.misses.push(
            miss(label(link), spec.name, "not-applicable", "Koji needs an exact version-release"),
          );
          continue;
        }
        if (req.requireVerified) {
          outcome.misses.push(
            miss(
              label(link),
              spec.name,
              "unverified-refused",
              "Koji publishes no checksum for package files",
              urls[0]!.url,
            ),
          );
          continue;
        }
        for (const c of urls) {
          const got = await fetchTyped(ctx, c.url, {
            timeoutMs: limits.timeoutMs,
            maxBytes: limits.maxPackageBytes,
          });
          if (!got.ok) {
            outcome.misses.push(miss(label(link, c.signedKey), spec.name, got.reason, got.detail, c.url));
            continue;
          }
          outcome.found.push({
            name: spec.name,
            role: spec.role,
            version: `${want.version}-${want.release}`,
            packageArch: want.arch,
            url: c.url,
            size: got.res.body.length,
            source: label(link, c.signedKey),
          });
          break;
        }
      }
      return outcome;
    },
  };
}
