import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PrivateApt } from "../../src/adapters/private-apt.js";
import { resolveAndFetch } from "../../src/adapters/resolve-and-fetch.js";
import { createSourceLinks } from "../../src/adapters/sources/index.js";
import { loadTargets } from "../../src/adapters/targets-fs.js";
import type { Arch } from "../../src/core/arch.js";
import { parseIdentity } from "../../src/core/identity.js";
import { findTarget } from "../../src/core/targets.js";
import { BUILD_CACHE, newestRelease } from "../build/support.js";

/**
 * Resolution of real kernels from the configured Debian mirror: signed metadata (apt checks InRelease against the
 * archive keyring and the index hashes), then every package's SHA256 checked again on download. Kernels are
 * chosen from what the mirror serves today.
 */

const links = createSourceLinks({ aptStateRoot: join(BUILD_CACHE, "apt") });

async function oldestRelease(distroVersion: string, arch: Arch, pattern: RegExp): Promise<string> {
  const apt = new PrivateApt(join(BUILD_CACHE, "apt"), distroVersion, arch);
  const names = (await apt.names(pattern.source))
    .filter((n) => pattern.test(n))
    .map((n) => n.replace(/^linux-headers-/, ""));
  const num = (s: string) => s.match(/\d+/g)!.map(Number);
  names.sort((a, b) => {
    const [x, y] = [num(a), num(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++)
      if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  });
  return names[0]!;
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
      const kernel =
        c.pick === "newest"
          ? await newestRelease(c.version, c.arch, c.pattern)
          : await oldestRelease(c.version, c.arch, c.pattern);
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
        suites.add(p.source.replace(/^apt:/, ""));
      }
      for (const f of files)
        expect(createHash("sha256").update(readFileSync(f.path)).digest("hex")).toBe(f.candidate.sha256);
    });
  }

  it("covered the main, security, backports suites of bullseye, bookworm and trixie", () => {
    // Which pocket holds a given kernel moves over time; the families and pocket kinds must all be covered.
    const all = [...suites];
    for (const suite of ["bookworm", "bookworm-security"]) expect(all).toContain(suite);
    for (const family of ["bullseye", "trixie"]) expect(all.some((s) => s.startsWith(family))).toBe(true);
    expect(all.some((s) => s.endsWith("-security"))).toBe(true);
    expect(all.some((s) => s.endsWith("-backports"))).toBe(true);
  });
});
