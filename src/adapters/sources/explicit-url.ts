import { expandUrlTemplate, templateValues } from "../../core/headers/explicit-url.js";
import type { LinkOutcome, PackageCandidate, PlannedUrl, SourceLink } from "../../core/headers/types.js";
import type { HeaderSource } from "../../core/targets.js";
import { DEFAULT_LIMITS, digest, fetchTyped, type LinkLimits, miss } from "./link-io.js";

type ExplicitSource = Extract<HeaderSource, { kind: "explicit-url" }>;

const SOURCE = "explicit-url";

/**
 * Explicit URLs (targets/ templates, user `--header-url`). A URL with a known sha256 is downloaded and checked; one
 * without is refused under requireVerified before any byte is fetched, otherwise fetched and marked unverified.
 */
export function createExplicitUrlLink(
  options: { limits?: Partial<LinkLimits> } = {},
): SourceLink<ExplicitSource> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const expand = (link: ExplicitSource, req: Parameters<SourceLink["plan"]>[1]) =>
    req.packages.map((spec) => {
      const values = templateValues(req, spec);
      return {
        spec,
        urls: link.templates.map((t) => expandUrlTemplate(t, values)).filter((u) => u !== undefined),
      };
    });
  return {
    kind: "explicit-url",
    plan(link, req): PlannedUrl[] {
      return expand(link, req).flatMap(({ spec, urls }) =>
        urls.map((u) => ({ source: SOURCE, package: spec.name, url: u.url, kind: "package" as const })),
      );
    },
    async resolve(link, req, ctx): Promise<LinkOutcome> {
      const outcome: LinkOutcome = { found: [], misses: [] };
      for (const { spec, urls } of expand(link, req)) {
        if (urls.length === 0) {
          outcome.misses.push(
            miss(SOURCE, spec.name, "not-applicable", "no template applies to this package"),
          );
          continue;
        }
        let found: PackageCandidate | undefined;
        for (const u of urls) {
          if (!u.sha256 && req.requireVerified) {
            outcome.misses.push(
              miss(SOURCE, spec.name, "unverified-refused", "no checksum known for this URL", u.url),
            );
            continue;
          }
          const got = await fetchTyped(ctx, u.url, {
            timeoutMs: limits.timeoutMs,
            maxBytes: limits.maxPackageBytes,
          });
          if (!got.ok) {
            outcome.misses.push(miss(SOURCE, spec.name, got.reason, got.detail, u.url));
            continue;
          }
          if (u.sha256) {
            const actual = digest("sha256", got.res.body);
            if (actual !== u.sha256) {
              outcome.misses.push(
                miss(
                  SOURCE,
                  spec.name,
                  "checksum-mismatch",
                  `expected sha256 ${u.sha256}, got ${actual}`,
                  u.url,
                ),
              );
              continue;
            }
          }
          const file = decodeURIComponent(new URL(u.url).pathname.split("/").pop() ?? "");
          found = {
            name: spec.name,
            role: spec.role,
            version: spec.version ?? versionFromFileName(file, spec.name),
            packageArch: archFromFileName(file),
            url: u.url,
            ...(u.sha256 ? { sha256: u.sha256 } : {}),
            size: got.res.body.length,
            source: SOURCE,
          };
          break;
        }
        if (found) outcome.found.push(found);
      }
      return outcome;
    },
  };
}

/** `name_1.2-3_amd64.deb` → `1.2-3`; `name-1.2-3.el9.x86_64.rpm` → `1.2-3.el9`; "" when the name says nothing. */
function versionFromFileName(file: string, name: string): string {
  const deb = new RegExp(`^${escapeRegExp(name)}_([^_]+)_[^_]+\\.deb$`).exec(file);
  if (deb) return deb[1]!;
  const rpm = new RegExp(`^${escapeRegExp(name)}-(.+)\\.[a-z0-9_]+\\.rpm$`).exec(file);
  return rpm?.[1] ?? "";
}

function archFromFileName(file: string): string {
  return /_([a-z0-9]+)\.deb$/.exec(file)?.[1] ?? /\.([a-z0-9_]+)\.rpm$/.exec(file)?.[1] ?? "";
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
