import type { z } from "zod";
import {
  isDebPackageName,
  isDebVersion,
  pickSnapshotFile,
  pickSnapshotVersion,
  snapshotBinfilesSchema,
  snapshotBinfilesUrl,
  snapshotFileUrl,
  snapshotVersionsSchema,
  snapshotVersionsUrl,
} from "../../core/headers/snapshot-api.js";
import type {
  LinkOutcome,
  PackageCandidate,
  PlannedUrl,
  ResolveContext,
  SourceLink,
} from "../../core/headers/types.js";
import type { HeaderSource } from "../../core/targets.js";
import type { HeaderPackageSpec } from "../../distros/adapter.js";
import { debArchOf } from "./deb-arch.js";
import { DEFAULT_LIMITS, digest, fetchTyped, type LinkLimits, miss, type PackageMiss } from "./link-io.js";

type SnapshotSource = Extract<HeaderSource, { kind: "debian-snapshot" }>;

const SOURCE = "debian-snapshot";

/**
 * snapshot.debian.org: versions → per-arch SHA-1 → `/file/<sha1>`. The file is checked against the SHA-1 it is
 * addressed by; its sha256 is then recorded so the downloader can hold later fetches to the same bytes.
 */
export function createDebianSnapshotLink(
  options: { limits?: Partial<LinkLimits> } = {},
): SourceLink<SnapshotSource> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  return {
    kind: "debian-snapshot",
    plan(link, req): PlannedUrl[] {
      return req.packages
        .filter((s) => isDebPackageName(s.name))
        .flatMap((s) => {
          const api: PlannedUrl[] = [
            { source: SOURCE, package: s.name, url: snapshotVersionsUrl(link.base, s.name), kind: "api" },
          ];
          if (s.version && isDebVersion(s.version)) {
            api.push({
              source: SOURCE,
              package: s.name,
              url: snapshotBinfilesUrl(link.base, s.name, s.version),
              kind: "api",
            });
          }
          return api;
        });
    },
    async resolve(link, req, ctx): Promise<LinkOutcome> {
      const outcome: LinkOutcome = { found: [], misses: [] };
      for (const spec of req.packages) {
        const r = await resolveOne(link, spec, debArchOf(req, spec), ctx, limits);
        if ("found" in r) outcome.found.push(r.found);
        else outcome.misses.push(r.miss);
      }
      return outcome;
    },
  };
}

async function getJson<T>(
  ctx: ResolveContext,
  url: string,
  schema: z.ZodType<T>,
  limits: LinkLimits,
): Promise<{ ok: true; value: T } | { ok: false; reason: PackageMiss["reason"]; detail: string }> {
  const got = await fetchTyped(ctx, url, {
    timeoutMs: limits.timeoutMs,
    maxBytes: 8 * 1024 * 1024,
    cacheable: true,
  });
  if (!got.ok) return got;
  let json: unknown;
  try {
    json = JSON.parse(got.res.body.toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed", detail: "response is not JSON" };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    return { ok: false, reason: "malformed", detail: `unexpected JSON: ${parsed.error.issues[0]?.message}` };
  return { ok: true, value: parsed.data };
}

async function resolveOne(
  link: SnapshotSource,
  spec: HeaderPackageSpec,
  debArch: string,
  ctx: ResolveContext,
  limits: LinkLimits,
): Promise<{ found: PackageCandidate } | { miss: PackageMiss }> {
  const fail = (reason: PackageMiss["reason"], detail: string, url?: string) => ({
    miss: miss(SOURCE, spec.name, reason, detail, url),
  });
  if (!isDebPackageName(spec.name)) return fail("not-applicable", "not a Debian package name");
  const versionsUrl = snapshotVersionsUrl(link.base, spec.name);
  const versions = await getJson(ctx, versionsUrl, snapshotVersionsSchema, limits);
  if (!versions.ok) return fail(versions.reason, versions.detail, versionsUrl);
  const version = pickSnapshotVersion(versions.value, spec.version);
  if (!version || !isDebVersion(version))
    return fail("not-found", `no version ${spec.version ?? ""} listed`.trim(), versionsUrl);
  const filesUrl = snapshotBinfilesUrl(link.base, spec.name, version);
  const files = await getJson(ctx, filesUrl, snapshotBinfilesSchema, limits);
  if (!files.ok) return fail(files.reason, files.detail, filesUrl);
  const file = pickSnapshotFile(files.value, debArch);
  if (!file) return fail("not-found", `no ${debArch} file for ${spec.name} ${version}`, filesUrl);
  if (file.size !== undefined && file.size > limits.maxPackageBytes)
    return fail("too-large", `file is ${file.size} bytes`, filesUrl);
  const url = snapshotFileUrl(link.base, file.hash);
  const got = await fetchTyped(ctx, url, { timeoutMs: limits.timeoutMs, maxBytes: limits.maxPackageBytes });
  if (!got.ok) return fail(got.reason, got.detail, url);
  const sha1 = digest("sha1", got.res.body);
  if (sha1 !== file.hash) return fail("checksum-mismatch", `expected sha1 ${file.hash}, got ${sha1}`, url);
  return {
    found: {
      name: spec.name,
      role: spec.role,
      version,
      packageArch: debArch,
      url,
      sha256: digest("sha256", got.res.body),
      size: got.res.body.length,
      source: SOURCE,
    },
  };
}
