import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { kernelStanzas, readAptList } from "../../src/adapters/apt-metadata.js";
import type { PrivateApt } from "../../src/adapters/private-apt.js";
import { parseDeb822 } from "../../src/core/deb822.js";
import { compareDebVersions, suiteFromListName } from "../../src/core/sweep/debian-discovery.js";

/**
 * Kernel releases the configured Debian mirror lists today. Tests that talk to the live archive pick their kernels
 * from here and derive every expectation from what they picked: ABIs roll off the archive, so a release written
 * into a test turns it red the day the archive moves on (test/hygiene/no-live-abi-literals.test.ts enforces it).
 */

/** Releases `X` of the `linux-headers-X` packages whose whole name matches `pattern`, oldest first. */
export async function listedReleases(apt: PrivateApt, pattern: RegExp): Promise<string[]> {
  // apt-cache speaks POSIX regular expressions, not JavaScript's: ask for every headers package, filter here.
  const names = (await apt.names("^linux-headers-")).filter((n) => pattern.test(n));
  return names.map((n) => n.replace(/^linux-headers-/, "")).sort(compareDebVersions);
}

/** The newest (or oldest) listed release matching `pattern`; throws when the mirror lists none. */
export async function pickRelease(
  apt: PrivateApt,
  pattern: RegExp,
  pick: "newest" | "oldest",
): Promise<string> {
  const releases = await listedReleases(apt, pattern);
  const release = pick === "newest" ? releases.at(-1) : releases[0];
  if (!release) throw new Error(`no ${pattern} on the mirror for Debian ${apt.distroVersion} ${apt.arch}`);
  return release;
}

/**
 * The same Debian release with an ABI number the archive does not serve (the picked one plus 1000), for tests of
 * what happens when a kernel is not there or a module was built for another kernel.
 */
export function unservedRelease(release: string): string {
  const m = /^(\d+\.\d+\.\d+-)(\d+)(-.+)$/.exec(release);
  if (!m) throw new Error(`${release} is not a Debian <version>-<abi>-<flavour> release`);
  return `${m[1]}${Number(m[2]) + 1000}${m[3]}`;
}

const kernelLists = new Map<string, Promise<Array<Record<string, string>>>>();

/**
 * The pockets (suites) whose signed package lists, as apt fetched them into `apt`'s state, carry `name` at exactly
 * `version`. A version can sit in two pockets at once (after a point release, the main suite and -security), so a
 * test checks that the pocket a resolver used is one of these rather than naming a pocket itself.
 */
export async function pocketsListing(apt: PrivateApt, name: string, version: string): Promise<string[]> {
  await apt.names("^linux-headers-"); // makes sure the lists are there and fresh
  const dir = join(apt.dir, "lists");
  const pockets = new Set<string>();
  for (const file of (await readdir(dir)).filter((f) => /_Packages(\.[a-z0-9]+)?$/.test(f))) {
    const suite = suiteFromListName(file);
    if (!suite) continue;
    const path = join(dir, file);
    if (!kernelLists.has(path))
      kernelLists.set(
        path,
        readAptList(path).then((text) => parseDeb822(kernelStanzas(text))),
      );
    const stanzas = await kernelLists.get(path)!;
    if (stanzas.some((s) => s.Package === name && s.Version === version)) pockets.add(suite);
  }
  return [...pockets].sort();
}
