import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveAndFetch } from "../../src/adapters/resolve-and-fetch.js";
import { createSourceLinks } from "../../src/adapters/sources/index.js";
import { loadTargets } from "../../src/adapters/targets-fs.js";
import { ARCH_FACTS, type Arch } from "../../src/core/arch.js";
import { parseIdentity } from "../../src/core/identity.js";
import { findTarget } from "../../src/core/targets.js";
import { debianCodename } from "../../src/distros/debian.js";
import { BUILD_CACHE, buildApt } from "../build/support.js";
import { pickRelease, pocketsListing } from "../support/mirror-releases.js";

/**
 * Resolution of real kernels from the configured Debian mirror: signed metadata (apt checks InRelease against the
 * archive keyring and the index hashes), then every package's SHA256 checked again on download. Kernels are
 * chosen from what the mirror serves today.
 */

const links = createSourceLinks({ aptStateRoot: join(BUILD_CACHE, "apt") });

/** The arch whose lists carry a package of this Debian architecture (`all` packages are in every arch's lists). */
function listsArch(packageArch: string, kernelArch: Arch): Arch {
  if (packageArch === "all") return kernelArch;
  const arch = (Object.keys(ARCH_FACTS) as Arch[]).find((a) => ARCH_FACTS[a].deb === packageArch);
  if (!arch) throw new Error(`unexpected package architecture ${packageArch}`);
  return arch;
}

const cases: Array<{ version: string; arch: Arch; pick: "newest" | "oldest"; pattern: RegExp }> = [
  { version: "12", arch: "x86_64", pick: "newest", pattern: /^linux-headers-6\.1\.0-[0-9]+-amd64$/ },
  { version: "12", arch: "x86_64", pick: "oldest", pattern: /^linux-headers-6\.1\.0-[0-9]+-amd64$/ },
  { version: "12", arch: "aarch64", pick: "newest", pattern: /^linux-headers-6\.1\.0-[0-9]+-arm64$/ },
  { version: "12", arch: "x86_64", pick: "newest", pattern: /^linux-headers-6\.12\.[0-9]+\+deb12-amd64$/ },
  { version: "12", arch: "x86_64", pick: "oldest", pattern: /^linux-headers-6\.12\.[0-9]+\+deb12-amd64$/ },
  { version: "12", arch: "x86_64", pick: "newest", pattern: /^linux-headers-6\.1\.0-[0-9]+-cloud-amd64$/ },
  { version: "11", arch: "x86_64", pick: "newest", pattern: /^linux-headers-5\.10\.0-[0-9]+-amd64$/ },
  // (The newest bullseye arm64 upload is listed in the security index but absent from the pool on some mirrors.)
  { version: "11", arch: "aarch64", pick: "oldest", pattern: /^linux-headers-5\.10\.0-[0-9]+-arm64$/ },
  { version: "13", arch: "x86_64", pick: "newest", pattern: /^linux-headers-6\.12\.[0-9]+\+deb13-amd64$/ },
  { version: "13", arch: "aarch64", pick: "newest", pattern: /^linux-headers-6\.12\.[0-9]+\+deb13-arm64$/ },
  {
    version: "13",
    arch: "x86_64",
    pick: "oldest",
    pattern: /^linux-headers-6\.12\.[0-9]+\+deb13(\.[0-9]+)?-amd64$/,
  },
];

describe("resolving real Debian kernels from the configured mirror", () => {
  const suites = new Set<string>();

  for (const c of cases) {
    it(`Debian ${c.version} ${c.arch}, ${c.pick} of ${c.pattern.source}`, async () => {
      const kernel = await pickRelease(buildApt(c.version, c.arch), c.pattern, c.pick);
      const id = parseIdentity({
        kernelRelease: kernel,
        distro: "debian",
        distroVersion: c.version,
        arch: c.arch,
      });
      if (!id.ok) throw id.error;
      const target = findTarget(await loadTargets(), "debian", c.version)!;
      const { resolved, fetched: files } = await resolveAndFetch(id.value, {
        target,
        hostArch: "x86_64",
        links,
        cacheDir: join(BUILD_CACHE, "packages"),
      });
      const roles = resolved.packages.map((p) => p.role).sort();
      expect(roles).toEqual(["common", "headers", "kbuild"]);
      // Cross builds take the build host's kbuild tools.
      expect(resolved.packages.find((p) => p.role === "kbuild")!.packageArch).toBe("amd64");
      expect(resolved.packages.find((p) => p.role === "headers")!.packageArch).toBe(
        c.arch === "aarch64" ? "arm64" : "amd64",
      );
      // Common and kbuild are the ones the headers package's signed Depends name.
      const headers = resolved.packages.find((p) => p.role === "headers")!;
      for (const p of resolved.packages.filter((q) => q.role !== "headers"))
        expect(p.requiredBy).toBe(headers.name);
      for (const p of resolved.packages) {
        expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(p.signedBy).toMatch(/keyring/);
        // The pocket it came from is one whose signed list carries exactly this version today.
        const pocket = p.source.replace(/^apt:/, "");
        const apt = buildApt(c.version, listsArch(p.packageArch, c.arch));
        expect(await pocketsListing(apt, p.name, p.version), `${p.name}=${p.version}`).toContain(pocket);
        suites.add(pocket);
      }
      for (const f of files)
        expect(createHash("sha256").update(readFileSync(f.path)).digest("hex")).toBe(f.candidate.sha256);
    });
  }

  it("resolved every Debian release of the cases from that release's own pockets", () => {
    // Which pocket holds a kernel moves as the archive moves on (each case checks its own against the lists); what
    // is fixed is that every release the cases name was resolved, each from its own codename's pockets.
    const codenames = new Set(cases.map((c) => debianCodename(c.version)));
    expect(new Set([...suites].map((pocket) => pocket.split("-")[0]))).toEqual(codenames);
  });
});
