import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { IndexedDeb } from "../../src/adapters/apt-metadata.js";
import { PrivateApt } from "../../src/adapters/private-apt.js";
import { resolveAndFetch } from "../../src/adapters/resolve-and-fetch.js";
import { createSourceLinks } from "../../src/adapters/sources/index.js";
import { loadTargets } from "../../src/adapters/targets-fs.js";
import type { Arch } from "../../src/core/arch.js";
import { KmodforgeError } from "../../src/core/errors.js";
import { classifyFailure } from "../../src/core/sweep/backoff.js";
import { compareDebVersions } from "../../src/core/sweep/debian-discovery.js";
import { findTarget } from "../../src/core/targets.js";
import { adapterFor } from "../../src/distros/registry.js";
import { BUILD_CACHE } from "../build/support.js";
import { debianIdentity } from "../support/signed-apt-repo.js";

/**
 * Against the configured Debian mirror: companions come from the signed Depends (an rt kernel, preferably a
 * trixie-backports one whose common package breaks the naming rule), and a bullseye-security kernel whose listed
 * file the mirror does not serve ends as headers-unavailable naming every URL tried (or, where the retired-release
 * archive is reachable, is served from there). Kernels and expectations are derived from what the archive lists.
 */

const APT = join(BUILD_CACHE, "apt");
const links = createSourceLinks({ aptStateRoot: APT });
const DEB_ARCH: Record<Arch, string> = { x86_64: "amd64", aarch64: "arm64" };

async function headersPackages(version: string, arch: Arch, pattern: RegExp): Promise<IndexedDeb[]> {
  const index = await new PrivateApt(APT, version, arch).kernelPackages();
  return [...index.entries()].filter(([name]) => pattern.test(name)).map(([, versions]) => versions[0]!);
}

const newest = (pkgs: IndexedDeb[]) =>
  pkgs.reduce((a, b) => (compareDebVersions(b.version, a.version) > 0 ? b : a));

const identityOf = (version: string, arch: Arch, headersName: string) =>
  debianIdentity(headersName.replace(/^linux-headers-/, ""), version, arch);

/** An rt kernel: trixie-backports first (7.x: `-common`, not `-common-rt`), else whatever rt kernel any suite has. */
async function pickRtKernel(): Promise<{ version: string; pkg: IndexedDeb } | undefined> {
  const rt = /^linux-headers-\d+\.\d+\.\d+[A-Za-z0-9.+~-]*-rt-amd64$/;
  const trixie = await headersPackages("13", "x86_64", rt);
  const backports = trixie.filter((p) => p.suite === "trixie-backports");
  if (backports.length) return { version: "13", pkg: newest(backports) };
  for (const version of ["13", "12", "11"]) {
    const any = await headersPackages(version, "x86_64", rt);
    if (any.length) return { version, pkg: newest(any) };
  }
  return undefined;
}

async function status(url: string): Promise<number> {
  return (await fetch(url, { method: "HEAD" })).status;
}

describe("real archive: Depends and mirror gaps", () => {
  it("an rt kernel's common and kbuild packages are the ones its signed Depends name", async (ctx) => {
    const picked = await pickRtKernel();
    if (!picked) return ctx.skip("the archive lists no rt kernel in any Debian suite today");
    const { version, pkg } = picked;
    const dependsCommon = /\blinux-headers-[^\s,(]+-common[^\s,(]*/.exec(pkg.depends ?? "")?.[0];
    const dependsKbuild = /\blinux-kbuild-[^\s,(]+/.exec(pkg.depends ?? "")?.[0];
    expect(dependsCommon, `Depends of ${pkg.name}: ${pkg.depends}`).toBeDefined();
    const id = identityOf(version, "x86_64", pkg.name);
    const rule = adapterFor("debian").headerPackages("debian", { ...id, hostArch: "x86_64", parsed: id });
    const target = findTarget(await loadTargets(), "debian", version)!;
    const { resolved, fetched } = await resolveAndFetch(id, {
      target,
      hostArch: "x86_64",
      links,
      cacheDir: join(BUILD_CACHE, "packages"),
    });
    const byRole = Object.fromEntries(resolved.packages.map((p) => [p.role, p]));
    expect(byRole.headers).toMatchObject({
      name: pkg.name,
      version: pkg.version,
      source: `apt:${pkg.suite}`,
    });
    expect(byRole.common).toMatchObject({ name: dependsCommon, requiredBy: pkg.name });
    expect(byRole.kbuild).toMatchObject({ name: dependsKbuild, packageArch: "amd64", requiredBy: pkg.name });
    for (const f of fetched)
      expect(createHash("sha256").update(readFileSync(f.path)).digest("hex")).toBe(f.candidate.sha256);
    console.info(
      `rt kernel ${id.kernelRelease} (${pkg.suite}): common ${byRole.common?.name} from Depends; the naming rule says ${rule.find((r) => r.role === "common")?.name}`,
    );
  });

  it("a bullseye-security kernel whose listed file the mirror lacks is headers-unavailable, with every URL tried", async () => {
    // Prefer a kernel with a gap today (the newest of each line and arch); with none, the newest must just work.
    const candidates: Array<{ arch: Arch; pkg: IndexedDeb }> = [];
    for (const arch of ["x86_64", "aarch64"] as const) {
      const lines = new Map<string, IndexedDeb>();
      const pattern = new RegExp(`^linux-headers-\\d+\\.\\d+\\.0-[0-9.a-z]+-${DEB_ARCH[arch]}$`);
      for (const p of await headersPackages("11", arch, pattern))
        if (p.suite === "bullseye-security") {
          const line = p.name.split("-")[2]!;
          const known = lines.get(line);
          if (!known || compareDebVersions(p.version, known.version) > 0) lines.set(line, p);
        }
      for (const p of lines.values()) candidates.push({ arch, pkg: p });
    }
    expect(candidates.length, "bullseye-security lists no kernel").toBeGreaterThan(0);
    let picked = candidates[0]!;
    let gap = false;
    for (const c of candidates)
      if ((await status(c.pkg.url)) === 404) {
        picked = c;
        gap = true;
        break;
      }
    const id = identityOf("11", picked.arch, picked.pkg.name);
    const target = findTarget(await loadTargets(), "debian", "11")!;
    const outcome = await resolveAndFetch(id, {
      target,
      hostArch: "x86_64",
      links,
      cacheDir: join(BUILD_CACHE, "packages"),
    }).then(
      (done) => ({ done, error: undefined }),
      (error: unknown) => ({ done: undefined, error }),
    );
    console.info(
      `bullseye-security ${id.kernelRelease} (${picked.pkg.url}): ${gap ? "listed file answers 404" : "no gap"} → ${outcome.done ? "downloaded" : String(outcome.error)}`,
    );
    if (outcome.done) {
      // Served after all: by the listing mirror (no gap) or by a later link, with the gap in the trace.
      const gaps = outcome.done.resolved.trace.filter(
        (t) => t.reason === "not-found" && t.url === picked.pkg.url,
      );
      expect(gaps.length).toBe(gap ? 1 : 0);
      return;
    }
    expect(gap).toBe(true);
    const err = outcome.error;
    if (!(err instanceof KmodforgeError)) throw err;
    expect(err.code).toBe("HEADERS_UNAVAILABLE");
    expect(classifyFailure(err.code)).toBe("headers-unavailable");
    expect(err.message).toContain(picked.pkg.url);
    // Every later link of the target's chain was tried and is named (the retired-release archive, snapshot).
    const later = target.headerSources.slice(1);
    expect(later.length).toBeGreaterThan(0);
    for (const link of later) {
      const where =
        link.kind === "apt" ? link.mirrors[0]! : link.kind === "debian-snapshot" ? link.base : link.kind;
      expect(err.message).toContain(where);
    }
  });
});
