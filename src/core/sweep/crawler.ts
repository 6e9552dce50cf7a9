import { z } from "zod";
import type { Arch } from "../arch.js";
import type { IdentityInput } from "../identity.js";
import type { HeaderFile } from "./types.js";

/**
 * Falco kernel-crawler's published list format (one file per arch): an object keyed by distro key, each an array
 * of { kernelversion, kernelrelease, target, headers?, kernelconfigdata? }. This maps crawler entries onto our
 * identities. The crawler's `kernelrelease` is not always `uname -r` (Debian records the package version), so
 * every distro key has its own rule, and entries no rule can map are returned with the reason.
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

type Rule = (
  entry: CrawlerEntry,
  arch: Arch,
) => { distro: string; distroVersion: string; release: string } | string;

/** Ubuntu series whose GA kernel is each line: the series of a non-HWE upload. */
const UBUNTU_GA_SERIES: Record<string, string> = {
  "4.4": "16.04",
  "4.15": "18.04",
  "5.4": "20.04",
  "5.15": "22.04",
  "6.8": "24.04",
  "6.11": "24.10",
  "6.14": "25.04",
  "6.17": "25.10",
};

/** Debian release that shipped each kernel line, for uploads whose version carries no `debNN` tag. */
const DEBIAN_LINE_RELEASE: Record<string, string> = { "4.19": "10", "5.10": "11", "6.1": "12", "6.12": "13" };

const line = (release: string): string => /^(\d+\.\d+)/.exec(release)?.[1] ?? "";
const basename = (url: string): string => decodeURIComponent(url.slice(url.lastIndexOf("/") + 1));

function rpmRule(distro: string, tag: RegExp): Rule {
  return (entry, arch) => {
    const m = tag.exec(entry.kernelrelease);
    if (!m) return `release has no ${tag.source} tag`;
    // Crawler RPM releases end in `.<arch>`; uname -r carries the same suffix.
    const release = entry.kernelrelease.endsWith(`.${arch}`)
      ? entry.kernelrelease
      : `${entry.kernelrelease}.${arch}`;
    return { distro, distroVersion: m[1]!, release };
  };
}

const ubuntuRule: Rule = (entry) => {
  const fromVersion = /~(\d{2}\.\d{2})/.exec(entry.kernelversion)?.[1];
  const fromUrl = entry.headers
    ?.map((u) => /~(\d{2}\.\d{2})(?:\.\d+)?_/.exec(basename(u))?.[1])
    .find(Boolean);
  const series = fromVersion ?? fromUrl ?? UBUNTU_GA_SERIES[line(entry.kernelrelease)];
  if (!series) return `cannot tell the Ubuntu series of kernel line ${line(entry.kernelrelease)}`;
  return { distro: "ubuntu", distroVersion: series, release: entry.kernelrelease };
};

/** The crawler's Debian kernelrelease is `<package version>-<arch>`; the headers package name holds uname -r. */
const debianRule: Rule = (entry) => {
  const names = (entry.headers ?? []).map((u) =>
    /^linux-headers-(.+)_[^_]+_(amd64|arm64)\.deb$/.exec(basename(u)),
  );
  const arch = names.find((m) => m && !m[1]!.endsWith("-common") && !m[1]!.endsWith("-common-rt"));
  if (!arch) return "no arch-specific linux-headers URL to read the uname -r release from";
  const release = arch[1]!;
  const tagged = /deb(\d+)/.exec(entry.kernelrelease)?.[1] ?? /\+deb(\d+)-/.exec(release)?.[1];
  const version = tagged ?? DEBIAN_LINE_RELEASE[line(release)];
  if (!version) return `cannot tell the Debian release of kernel line ${line(release)}`;
  return { distro: "debian", distroVersion: version, release };
};

const RULES: Record<string, Rule> = {
  ubuntu: ubuntuRule,
  debian: debianRule,
  centos: rpmRule("centos", /\.el(\d+)/),
  almalinux: rpmRule("almalinux", /\.el(\d+)/),
  rocky: rpmRule("rocky", /\.el(\d+)/),
  fedora: rpmRule("fedora", /\.fc(\d+)/),
  amazonlinux2: rpmRule("amazonlinux", /\.amzn(2)(?!\d)/),
  amazonlinux2023: rpmRule("amazonlinux", /\.amzn(2023)/),
};

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
    const rule = RULES[key];
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
    const file = basename(url);
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
