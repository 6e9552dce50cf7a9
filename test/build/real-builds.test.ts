import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import type { Arch } from "../../src/core/arch.js";
import { KmodforgeError } from "../../src/core/errors.js";
import { type BuildResult, buildModule } from "../../src/executors/build.js";
import { CONTAINER_BUILDS, requireOrSkip } from "../support/prerequisites.js";
import { BUILD_CACHE, newestServedRelease } from "./support.js";

/**
 * Real builds of the sample module against real Debian headers from the configured mirror, through the container
 * executor: each in its Debian version's builder image with the compiler its kernel was built with (gcc-10 for 11,
 * gcc-12 for 12, gcc-14 for 13), arm64 cross-compiled with host kbuild tools, verified by the one gate and sealed.
 */

const out = mkdtempSync(join(tmpdir(), "kmodforge-build-"));

interface Case {
  name: string;
  version: string;
  pattern: (arch: "amd64" | "arm64") => RegExp;
  major: number;
  btf?: boolean;
}

const CASES: Case[] = [
  {
    name: "Debian 11 5.10 (gcc-10)",
    version: "11",
    pattern: (a) => new RegExp(`^linux-headers-5\\.10\\.0-[0-9]+-${a}$`),
    major: 10,
  },
  {
    name: "Debian 12 6.1 (gcc-12)",
    version: "12",
    pattern: (a) => new RegExp(`^linux-headers-6\\.1\\.0-[0-9]+-${a}$`),
    major: 12,
  },
  {
    name: "Debian 12 6.12 backports (gcc-12, BTF)",
    version: "12",
    pattern: (a) => new RegExp(`^linux-headers-6\\.12\\.[0-9]+\\+deb12-${a}$`),
    major: 12,
    btf: true,
  },
  {
    name: "Debian 13 6.12 (gcc-14, BTF)",
    version: "13",
    pattern: (a) => new RegExp(`^linux-headers-6\\.12\\.[0-9]+\\+deb13-${a}$`),
    major: 14,
    btf: true,
  },
  {
    // Whatever line backports serves newest (7.x today): its arch Makefile names its own directory by absolute
    // path (KBUILD_OUTPUT=/usr/src/…), which the extracted tree must point back at itself.
    name: "Debian 13 newest kernel line, backports included (gcc-14, BTF)",
    version: "13",
    pattern: (a) => new RegExp(`^linux-headers-[0-9]+\\.[0-9]+\\.[0-9]+\\+deb13-${a}$`),
    major: 14,
    btf: true,
  },
];

const ARCHES: Array<{ arch: Arch; deb: "amd64" | "arm64"; machine: string }> = [
  { arch: "x86_64", deb: "amd64", machine: "x86-64" },
  { arch: "aarch64", deb: "arm64", machine: "ARM aarch64" },
];

function checkArtifact(result: BuildResult, kernel: string, c: Case, machine: string): void {
  const m = result.metadata;
  expect(result.executor).toBe("container");
  expect(m.builder).toMatchObject({
    runner: "container",
    image: expect.stringMatching(/^localhost\/kmodforge-builder-debian:/),
  });
  expect(m.identity.kernelRelease).toBe(kernel);
  expect(m.modules.map((mod) => mod.name)).toEqual(["kmodforge_sample"]);
  for (const check of m.modules[0]!.checks) expect(check.ok, check.check).toBe(true);
  // The compiler that ran is the kernel's own major version, and both texts are recorded.
  expect(m.compiler.kernelText).toMatch(new RegExp(`gcc-${c.major}\\b|\\b${c.major}\\.\\d`));
  expect(m.compiler.text).toMatch(new RegExp(`\\b${c.major}\\.\\d+\\.\\d+`));
  const headers = m.headerPackages.map((p) => p.name);
  expect(headers).toContain(`linux-headers-${kernel}`);
  for (const p of m.headerPackages) expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
  execFileSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: result.artifactDir });
  const file = join(result.artifactDir, m.modules[0]!.file);
  expect(execFileSync("xz", ["--robot", "--list", file], { encoding: "utf8" })).toMatch(/\bCRC32\b/);
  const ko = execFileSync("xz", ["-dc", file]);
  expect(execFileSync("file", ["-"], { input: ko, encoding: "utf8" })).toContain(machine);
  if (c.btf) {
    const koDir = mkdtempSync(join(tmpdir(), "kmodforge-ko-"));
    const koFile = join(koDir, "module.ko");
    writeFileSync(koFile, ko);
    try {
      expect(execFileSync("readelf", ["-S", koFile], { encoding: "utf8" })).toMatch(/\.BTF/);
    } finally {
      rmSync(koDir, { recursive: true, force: true });
    }
  }
}

describe("container executor: real Debian kernels in their builder images", () => {
  beforeEach((ctx) => requireOrSkip(ctx, ...CONTAINER_BUILDS));
  for (const c of CASES)
    for (const a of ARCHES)
      it(`${c.name} ${a.deb}`, async () => {
        const kernel = await newestServedRelease(c.version, a.arch, c.pattern(a.deb));
        const result = await buildModule({
          kernelRelease: kernel,
          distro: "debian",
          distroVersion: c.version,
          arch: a.arch,
          outDir: out,
          cacheDir: BUILD_CACHE,
          executor: "container",
        });
        checkArtifact(result, kernel, c, a.machine);
      }, 900_000);
});

describe("executor choice", () => {
  it("auto builds Debian 12 on this Debian 12 host and Debian 11/13 in containers", async (ctx) => {
    requireOrSkip(ctx, ...CONTAINER_BUILDS);
    const picks: Record<string, string> = {};
    for (const [version, pattern] of [
      ["12", /^linux-headers-6\.1\.0-[0-9]+-amd64$/],
      ["11", /^linux-headers-5\.10\.0-[0-9]+-amd64$/],
      ["13", /^linux-headers-6\.12\.[0-9]+\+deb13-amd64$/],
    ] as const) {
      const kernel = await newestServedRelease(version, "x86_64", pattern);
      const r = await buildModule({
        kernelRelease: kernel,
        distro: "debian",
        distroVersion: version,
        arch: "x86_64",
        outDir: out,
        cacheDir: BUILD_CACHE,
      });
      picks[version] = r.executor;
      expect(r.metadata.builder.runner).toBe(r.executor);
    }
    expect(picks).toEqual({ "11": "container", "12": "host", "13": "container" });
  }, 900_000);

  it("--executor host refuses a kernel whose compiler this host lacks, naming it", async () => {
    const kernel = await newestServedRelease("13", "x86_64", /^linux-headers-6\.12\.[0-9]+\+deb13-amd64$/);
    const err = await buildModule({
      kernelRelease: kernel,
      distro: "debian",
      distroVersion: "13",
      arch: "x86_64",
      outDir: out,
      cacheDir: BUILD_CACHE,
      executor: "host",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmodforgeError);
    expect((err as KmodforgeError).code).toBe("COMPILER_MISMATCH");
    expect((err as Error).message).toMatch(/gcc-14/);
  }, 300_000);
});

describe("failures a user can follow", () => {
  it("a broken module fails with the make output tail and names the build log it kept", async () => {
    const kernel = await newestServedRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/);
    const broken = mkdtempSync(join(tmpdir(), "kmodforge-broken-"));
    writeFileSync(join(broken, "Kbuild"), "obj-m := broken.o\n");
    writeFileSync(
      join(broken, "broken.c"),
      "#include <linux/module.h>\nint broken(void) { return undefined_thing; }\n",
    );
    const err = await buildModule({
      kernelRelease: kernel,
      distro: "debian",
      distroVersion: "12",
      arch: "x86_64",
      moduleDir: broken,
      outDir: out,
      cacheDir: BUILD_CACHE,
      executor: "host",
    }).catch((e: unknown) => e);
    expect((err as KmodforgeError).code).toBe("COMPILE_FAILED");
    expect((err as Error).message).toMatch(/undefined_thing/);
    const kept = join(out, "failed", `${kernel}-x86_64`, "build.log");
    // The path the message names is the log that exists, not a work directory that was removed.
    expect((err as Error).message).toContain(`build log: ${kept}`);
    expect(readFileSync(kept, "utf8")).toMatch(/error: .undefined_thing. undeclared/);
  }, 300_000);
});
