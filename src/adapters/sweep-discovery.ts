import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Arch } from "../core/arch.js";
import { parseDeb822 } from "../core/deb822.js";
import { InvalidInputError } from "../core/errors.js";
import {
  archFromCrawlerPath,
  headerFilesFromUrls,
  mapCrawlerList,
  parseCrawlerList,
  type UnmappedCrawlerEntry,
} from "../core/sweep/crawler.js";
import {
  discoverDebianKernels,
  type PackagesIndex,
  suiteFromListName,
} from "../core/sweep/debian-discovery.js";
import type { DiscoveredKernel } from "../core/sweep/matrix.js";
import type { TargetsPolicy } from "../core/targets.js";
import { hostDebianMirrors, kernelStanzas, readAptList } from "./apt-metadata.js";
import { PrivateApt } from "./private-apt.js";

/** Reads kernel-crawler files (`[arch=]path`); the arch comes from the prefix or the path. */
export async function readCrawlerFiles(
  specs: readonly string[],
): Promise<{ kernels: DiscoveredKernel[]; unmapped: UnmappedCrawlerEntry[] }> {
  const kernels: DiscoveredKernel[] = [];
  const unmapped: UnmappedCrawlerEntry[] = [];
  for (const spec of specs) {
    const m = /^(x86_64|aarch64|amd64|arm64)=(.+)$/.exec(spec);
    const path = m ? m[2]! : spec;
    const arch: Arch | undefined = m
      ? m[1] === "amd64"
        ? "x86_64"
        : m[1] === "arm64"
          ? "aarch64"
          : (m[1] as Arch)
      : archFromCrawlerPath(path);
    if (!arch) {
      throw new InvalidInputError([
        {
          field: "kernels",
          given: spec,
          expected: "a path naming its arch (…/x86_64/list.json) or arch=path",
          message: `kernels: cannot tell the arch of ${JSON.stringify(spec)}; name it as x86_64=<file> or aarch64=<file>`,
        },
      ]);
    }
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, "utf8"));
    } catch (err) {
      throw new InvalidInputError([
        {
          field: "kernels",
          given: path,
          expected: "a kernel-crawler list.json",
          message: `kernels: ${path}: ${(err as Error).message}`,
        },
      ]);
    }
    const parsed = parseCrawlerList(json);
    if (!parsed.ok)
      throw new InvalidInputError([
        {
          field: "kernels",
          given: path,
          expected: "kernel-crawler's list format",
          message: `kernels: ${path}: ${parsed.error}`,
        },
      ]);
    const mapped = mapCrawlerList(parsed.list, arch, `crawler:${arch}`);
    kernels.push(
      ...mapped.candidates.map((c) => ({
        input: c.input,
        headerFiles: headerFilesFromUrls(c.headerUrls),
        source: c.source,
      })),
    );
    unmapped.push(...mapped.unmapped);
  }
  return { kernels, unmapped };
}

export interface DebianDiscoveryOptions {
  /** Where private apt state lives (lists are reused while fresh). */
  aptRoot: string;
  onProgress?: (line: string) => void;
}

/**
 * Every Debian kernel of every Debian version and arch in the policy, from apt's signature-checked Packages
 * lists (the host's mirror; codename, -updates, -backports, -security). Suites named by the target's apt links
 * narrow the set when present.
 */
export async function discoverDebian(
  policy: TargetsPolicy,
  options: DebianDiscoveryOptions,
): Promise<DiscoveredKernel[]> {
  const file = policy.files.find((f) => f.distro === "debian");
  if (!file) return [];
  const mirrors = await hostDebianMirrors();
  const out: DiscoveredKernel[] = [];
  for (const target of file.versions) {
    const suites = new Set(target.headerSources.flatMap((s) => (s.kind === "apt" ? s.suites : [])));
    const indexes: PackagesIndex[] = [];
    const arches = new Set<Arch>([...target.arches, "x86_64"]);
    for (const arch of arches) {
      options.onProgress?.(`apt: reading Debian ${target.version} ${arch} package lists`);
      // apt reads relative Dir:: paths against /etc/apt, so the root must be absolute.
      const apt = new PrivateApt(resolve(options.aptRoot), target.version, arch);
      await apt.update();
      const listsDir = join(apt.dir, "lists");
      for (const name of (await readdir(listsDir)).filter((f) => /_Packages(\.[a-z0-9]+)?$/.test(f)).sort()) {
        const suite = suiteFromListName(name);
        if (!suite || (suites.size > 0 && !suites.has(suite))) continue;
        const mirror = suite.endsWith("-security") && mirrors.security ? mirrors.security : mirrors.archive;
        indexes.push({
          suite,
          arch,
          mirror,
          stanzas: parseDeb822(kernelStanzas(await readAptList(join(listsDir, name)))),
        });
      }
    }
    const found = discoverDebianKernels(indexes, target.version).filter((k) =>
      target.arches.includes(k.input.arch as Arch),
    );
    options.onProgress?.(`apt: Debian ${target.version}: ${found.length} kernels`);
    out.push(...found);
  }
  return out;
}
