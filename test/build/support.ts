import { join } from "node:path";
import { PrivateApt } from "../../src/adapters/private-apt.js";
import type { Arch } from "../../src/core/arch.js";

export const TEST_CACHE = process.env.KMODFORGE_TEST_CACHE ?? "/var/cache/kmodforge-test";
export const BUILD_CACHE = join(TEST_CACHE, "build-cache");

function compareNumeric(a: string, b: string): number {
  const pa = a.match(/\d+/g)!.map(Number);
  const pb = b.match(/\d+/g)!.map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The newest kernel release of a line that the configured mirror serves today (kernels roll off the archive, so
 * tests never hard-code an ABI).
 */
export async function newestRelease(distroVersion: string, arch: Arch, pattern: RegExp): Promise<string> {
  const apt = new PrivateApt(join(BUILD_CACHE, "apt"), distroVersion, arch);
  const names = (await apt.names(pattern.source)).filter((n) => pattern.test(n));
  const releases = names.map((n) => n.replace(/^linux-headers-/, "")).sort(compareNumeric);
  const newest = releases.at(-1);
  if (!newest) throw new Error(`no ${pattern} on the mirror for Debian ${distroVersion} ${arch}`);
  return newest;
}

/**
 * The newest release of a line whose headers package the mirror really serves: an index may list files a mirror no
 * longer carries (retired security uploads), and a build test needs one it can download.
 */
export async function newestServedRelease(
  distroVersion: string,
  arch: Arch,
  pattern: RegExp,
): Promise<string> {
  const apt = new PrivateApt(join(BUILD_CACHE, "apt"), distroVersion, arch);
  const names = (await apt.names(pattern.source)).filter((n) => pattern.test(n));
  const releases = names
    .map((n) => n.replace(/^linux-headers-/, ""))
    .sort(compareNumeric)
    .reverse();
  for (const release of releases) {
    const pkg = await apt.show(`linux-headers-${release}`);
    const url = pkg && (await apt.uri(pkg.name, pkg.version));
    if (url && (await fetch(url, { method: "HEAD" })).ok) return release;
  }
  throw new Error(`no ${pattern} on the mirror for Debian ${distroVersion} ${arch} whose file is served`);
}
