import { join } from "node:path";
import { PrivateApt } from "../../src/adapters/private-apt.js";
import type { Arch } from "../../src/core/arch.js";
import { listedReleases, pickRelease } from "../support/mirror-releases.js";

export const TEST_CACHE = process.env.KMODFORGE_TEST_CACHE ?? "/var/cache/kmodforge-test";
export const BUILD_CACHE = join(TEST_CACHE, "build-cache");

/** The private apt state (host mirror) the build and resolution tests share. */
export function buildApt(distroVersion: string, arch: Arch): PrivateApt {
  return new PrivateApt(join(BUILD_CACHE, "apt"), distroVersion, arch);
}

/**
 * The newest kernel release of a line that the configured mirror serves today (kernels roll off the archive, so
 * tests never hard-code an ABI).
 */
export async function newestRelease(distroVersion: string, arch: Arch, pattern: RegExp): Promise<string> {
  return pickRelease(buildApt(distroVersion, arch), pattern, "newest");
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
  const apt = buildApt(distroVersion, arch);
  for (const release of (await listedReleases(apt, pattern)).reverse()) {
    const pkg = await apt.show(`linux-headers-${release}`);
    const url = pkg && (await apt.uri(pkg.name, pkg.version));
    if (url && (await fetch(url, { method: "HEAD" })).ok) return release;
  }
  throw new Error(`no ${pattern} on the mirror for Debian ${distroVersion} ${arch} whose file is served`);
}
