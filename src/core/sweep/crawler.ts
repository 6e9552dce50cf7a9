import { z } from "zod";
import { urlFileName } from "../../distros/adapter.js";
import { crawlerRuleFor } from "../../distros/registry.js";
import type { Arch } from "../arch.js";
import type { IdentityInput } from "../identity.js";
import type { HeaderFile } from "./types.js";

/**
 * Falco kernel-crawler's published list format (one file per arch): an object keyed by distro key, each an array
 * of { kernelversion, kernelrelease, target, headers?, kernelconfigdata? }. This maps crawler entries onto our
 * identities. The crawler's `kernelrelease` is not always `uname -r` (Debian records the package version), so
 * every distro key has its own rule, kept by the family that reads the key (src/distros), and entries no rule can
 * map are returned with the reason.
 */

const crawlerEntrySchema = z.object({
  // Lists from 2022 used integers here.
  kernelversion: z.union([z.string(), z.number()]).transform(String).default("1"),
  kernelrelease: z.string().min(1).max(256),
  target: z.string().max(64).default(""),
  headers: z.array(z.string().max(2048)).max(64).optional(),
  kernelconfigdata: z.string().optional(),
});
export type CrawlerEntry = z.infer<typeof crawlerEntrySchema>;

export const crawlerListSchema = z.record(z.string().max(64), z.array(crawlerEntrySchema));
export type CrawlerList = z.infer<typeof crawlerListSchema>;

/** A crawler entry mapped to identity input, with the header URLs the crawler recorded. */
export interface CrawlerCandidate {
  input: IdentityInput;
  headerUrls: string[];
  source: string;
}

export interface UnmappedCrawlerEntry {
  source: string;
  key: string;
  kernelrelease: string;
  reason: string;
}

export interface CrawlerMapping {
  candidates: CrawlerCandidate[];
  unmapped: UnmappedCrawlerEntry[];
}

/** Validates a parsed crawler file. Throws nothing; returns zod's issues as text when the shape is wrong. */
export function parseCrawlerList(
  json: unknown,
): { ok: true; list: CrawlerList } | { ok: false; error: string } {
  const r = crawlerListSchema.safeParse(json);
  if (r.success) return { ok: true, list: r.data };
  const first = r.error.issues[0];
  return { ok: false, error: `${first?.path.join(".") ?? ""}: ${first?.message ?? "invalid"}` };
}

/** Maps every entry of one arch's crawler list. Keys without a rule are reported, never silently dropped. */
export function mapCrawlerList(list: CrawlerList, arch: Arch, source = `crawler:${arch}`): CrawlerMapping {
  const candidates: CrawlerCandidate[] = [];
  const unmapped: UnmappedCrawlerEntry[] = [];
  for (const key of Object.keys(list).sort()) {
    const rule = crawlerRuleFor(key);
    for (const entry of list[key]!) {
      if (!rule) {
        unmapped.push({
          source,
          key,
          kernelrelease: entry.kernelrelease,
          reason: `distro key ${key} is not a distribution kmodforge builds for`,
        });
        continue;
      }
      const mapped = rule(entry, arch);
      if (typeof mapped === "string") {
        unmapped.push({ source, key, kernelrelease: entry.kernelrelease, reason: mapped });
        continue;
      }
      candidates.push({
        input: {
          kernelRelease: mapped.release,
          distro: mapped.distro,
          distroVersion: mapped.distroVersion,
          arch,
        },
        headerUrls: [...(entry.headers ?? [])].sort(),
        source,
      });
    }
  }
  return { candidates, unmapped };
}

/** Header files from crawler URLs: `.deb` names give package name and version, anything else keeps its file name. */
export function headerFilesFromUrls(urls: readonly string[]): HeaderFile[] {
  return urls.map((url) => {
    const file = urlFileName(url);
    const deb = /^([a-z0-9][a-z0-9+.-]*)_([^_]+)_[a-z0-9]+\.deb$/.exec(file);
    return deb ? { name: deb[1]!, version: deb[2]!, url } : { name: file, url };
  });
}

/** Reads the arch a crawler file is for from its path (`…/x86_64/list.json`, `aarch64.json`). */
export function archFromCrawlerPath(path: string): Arch | undefined {
  if (/(^|[^a-z0-9])(x86_64|amd64)([^a-z0-9]|$)/i.test(path)) return "x86_64";
  if (/(^|[^a-z0-9])(aarch64|arm64)([^a-z0-9]|$)/i.test(path)) return "aarch64";
  return undefined;
}
