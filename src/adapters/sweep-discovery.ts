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
import type { TargetsPolicy, VersionTarget } from "../core/targets.js";
import type { Distro } from "../distros/adapter.js";
import { hostAptFamily } from "../distros/registry.js";
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
 * Every kernel of every version and arch in the policy of the family this host's apt serves (Debian), from apt's
 * signature-checked Packages lists (the host's mirror; codename, -updates, -backports, -security). Suites named by
 * the target's apt links narrow the set when present.
 */
export async function discoverDebian(
  policy: TargetsPolicy,
  options: DebianDiscoveryOptions,
): Promise<DiscoveredKernel[]> {
  const host = hostAptFamily();
  const files = policy.files.filter((f) => host.distros.includes(f.distro));
  const mirrors = files.length ? await hostDebianMirrors() : undefined;
  const out: DiscoveredKernel[] = [];
  for (const file of files) {
    for (const target of file.versions) {
      const found = await discoverVersion(file.distro, target, mirrors!, options);
      options.onProgress?.(`apt: ${file.distro} ${target.version}: ${found.length} kernels`);
      out.push(...found);
    }
  }
  return out;
}

async function discoverVersion(
  distro: Distro,
  target: VersionTarget,
  mirrors: { archive: string; security?: string },
  options: DebianDiscoveryOptions,
): Promise<DiscoveredKernel[]> {
  const suites = new Set(target.headerSources.flatMap((s) => (s.kind === "apt" ? s.suites : [])));
  const indexes: PackagesIndex[] = [];
  const arches = new Set<Arch>([...target.arches, "x86_64"]);
  for (const arch of arches) {
    options.onProgress?.(`apt: reading ${distro} ${target.version} ${arch} package lists`);
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
  return discoverDebianKernels(indexes, { distro, distroVersion: target.version }).filter((k) =>
    target.arches.includes(k.input.arch as Arch),
  );
}
