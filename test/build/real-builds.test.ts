import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Arch } from "../../src/core/arch.js";
import { KmodforgeError } from "../../src/core/errors.js";
import { buildLocal } from "../../src/executors/local.js";
import { BUILD_CACHE, newestRelease, ROOTS } from "./support.js";

/**
 * Real builds of the sample module against real Debian headers from the configured mirror, each with the compiler
 * its kernel was built with, verified and packaged.
 */

const out = mkdtempSync(join(tmpdir(), "kmodforge-build-"));

const cases: Array<{
  name: string;
  version: string;
  arch: Arch;
  pattern: RegExp;
  root?: string;
  major: number;
  btf?: boolean;
}> = [
  {
    name: "bookworm 6.1 amd64",
    version: "12",
    arch: "x86_64",
    pattern: /^linux-headers-6\.1\.0-[0-9]+-amd64$/,
    major: 12,
  },
  {
    name: "bookworm 6.1 arm64 (cross)",
    version: "12",
    arch: "aarch64",
    pattern: /^linux-headers-6\.1\.0-[0-9]+-arm64$/,
    major: 12,
  },
  {
    name: "bookworm-security 6.12 amd64 (BTF)",
    version: "12",
    arch: "x86_64",
    pattern: /^linux-headers-6\.12\.[0-9]+\+deb12-amd64$/,
    major: 12,
    btf: true,
  },
  {
    name: "bullseye 5.10 amd64 (gcc-10)",
    version: "11",
    arch: "x86_64",
    pattern: /^linux-headers-5\.10\.0-[0-9]+-amd64$/,
    root: "bullseye-build",
    major: 10,
  },
  {
    name: "trixie 6.12 amd64 (gcc-14)",
    version: "13",
    arch: "x86_64",
    pattern: /^linux-headers-6\.12\.[0-9]+\+deb13-amd64$/,
    root: "trixie-build",
    major: 14,
    btf: true,
  },
];

describe("building the sample module against real Debian headers", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const kernel = await newestRelease(c.version, c.arch, c.pattern);
      const result = await buildLocal({
        kernelRelease: kernel,
        distro: "debian",
        distroVersion: c.version,
        arch: c.arch,
        outDir: out,
        cacheDir: BUILD_CACHE,
        ...(c.root ? { toolchainRoot: join(ROOTS, c.root) } : {}),
      });
      expect(result.checks.every((check) => check.ok)).toBe(true);
      expect(result.metadata.identity.kernelRelease).toBe(kernel);
      // The compiler that ran is the kernel's own major version, and both texts are recorded.
      expect(result.metadata.compiler.kernelText).toMatch(
        new RegExp(`gcc-${c.major}\\b|\\b${c.major}\\.\\d`),
      );
      expect(result.metadata.compiler.text).toMatch(new RegExp(`\\b${c.major}\\.\\d+\\.\\d+`));
      const headers = result.metadata.headerPackages.map((p) => p.name);
      expect(headers).toContain(`linux-headers-${kernel}`);
      expect(headers.some((n) => n.startsWith("linux-kbuild-"))).toBe(true);
      for (const p of result.metadata.headerPackages) expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
      // xz with CRC32 checks, as the kernel's decompressor expects.
      const list = execFileSync("xz", ["--robot", "--list", result.artifact], { encoding: "utf8" });
      expect(list).toMatch(/\bCRC32\b/);
      execFileSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: result.artifactDir });
      const ko = execFileSync("xz", ["-dc", result.artifact]);
      const file = execFileSync("file", ["-"], { input: ko, encoding: "utf8" });
      expect(file).toContain(c.arch === "aarch64" ? "ARM aarch64" : "x86-64");
      if (c.btf) expect(readFileSync(join(result.artifactDir, "build.log"), "utf8")).toMatch(/BTF \[M\]/);
    });
  }

  it("fails a broken module with the make output tail and keeps its log", async () => {
    const kernel = await newestRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/);
    const broken = mkdtempSync(join(tmpdir(), "kmodforge-broken-"));
    writeFileSync(join(broken, "Kbuild"), "obj-m := broken.o\n");
    writeFileSync(
      join(broken, "broken.c"),
      "#include <linux/module.h>\nint broken(void) { return undefined_thing; }\n",
    );
    const err = await buildLocal({
      kernelRelease: kernel,
      distro: "debian",
      distroVersion: "12",
      arch: "x86_64",
      moduleDir: broken,
      outDir: out,
      cacheDir: BUILD_CACHE,
    }).catch((e: unknown) => e);
    expect((err as KmodforgeError).code).toBe("COMPILE_FAILED");
    expect((err as Error).message).toMatch(/undefined_thing/);
    expect(readFileSync(join(out, "failed", `${kernel}-x86_64`, "build.log"), "utf8")).toMatch(
      /error: .undefined_thing. undeclared/,
    );
  });

  it("refuses a kernel whose compiler this host lacks, naming both compilers", async () => {
    const kernel = await newestRelease("13", "x86_64", /^linux-headers-6\.12\.[0-9]+\+deb13-amd64$/);
    const err = await buildLocal({
      kernelRelease: kernel,
      distro: "debian",
      distroVersion: "13",
      arch: "x86_64",
      outDir: out,
      cacheDir: BUILD_CACHE,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmodforgeError);
    expect((err as KmodforgeError).code).toBe("COMPILER_MISMATCH");
    expect((err as Error).message).toMatch(/gcc-14/);
    expect((err as Error).message).toMatch(/major 12/);
  });
});
