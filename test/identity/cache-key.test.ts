import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestSourceDir, readSourceEntries } from "../../src/adapters/source-digest.js";
import { type CacheKeyInput, cacheKey, moduleSourceDigest } from "../../src/core/cache-key.js";
import { canonicalJson } from "../../src/core/hash.js";

const H = (c: string) => c.repeat(64);
const base: CacheKeyInput = {
  identity: { distro: "debian", distroVersion: "12", arch: "x86_64", kernelRelease: "6.1.0-18-amd64" },
  moduleSourceDigest: H("a"),
  compiler: { family: "gcc", major: 12 },
  builderImage: "debian:bookworm",
  headers: {
    kind: "files",
    files: [
      { name: "linux-headers-6.1.0-18-amd64", version: "6.1.76-1", sha256: H("b") },
      { name: "linux-kbuild-6.1", version: "6.1.76-1", sha256: H("c") },
    ],
  },
  buildFlags: ["KCFLAGS=-O2", "CONFIG_X=y"],
};
const files = base.headers.kind === "files" ? base.headers.files : [];

describe("cache key", () => {
  it("is 64 hex digits and ignores the order of header files, flags and object keys", () => {
    const k = cacheKey(base);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(
      cacheKey({
        ...base,
        headers: { kind: "files", files: [...files].reverse() },
        buildFlags: ["CONFIG_X=y", "KCFLAGS=-O2"],
      }),
    ).toBe(k);
    expect(
      cacheKey({
        ...base,
        identity: { kernelRelease: "6.1.0-18-amd64", arch: "x86_64", distroVersion: "12", distro: "debian" },
      }),
    ).toBe(k);
  });

  it("changes when any input changes", () => {
    const k = cacheKey(base);
    const variants: CacheKeyInput[] = [
      { ...base, identity: { ...base.identity, kernelRelease: "6.1.0-19-amd64" } },
      { ...base, identity: { ...base.identity, driverVersion: "1.0" } },
      { ...base, moduleSourceDigest: H("d") },
      { ...base, compiler: { family: "gcc", major: 13 } },
      { ...base, compiler: { family: "clang", major: 12 } },
      { ...base, builderImage: "debian:bookworm@sha256:" + H("e") },
      { ...base, headers: { kind: "files", files: [files[0]!] } },
      { ...base, headers: { kind: "files", files: [files[0]!, { ...files[1]!, version: "6.1.76-2" }] } },
      { ...base, headers: { kind: "files", files: [files[0]!, { ...files[1]!, sha256: H("f") }] } },
      { ...base, headers: { kind: "resolve", ref: "headers:debian/12/x86_64/6.1.0-18-amd64" } },
      { ...base, buildFlags: ["KCFLAGS=-O3", "CONFIG_X=y"] },
    ];
    const keys = new Set(variants.map(cacheKey));
    expect(keys.size).toBe(variants.length);
    expect(keys.has(k)).toBe(false);
  });

  it("rejects values that are not SHA-256 hex", () => {
    expect(() => cacheKey({ ...base, moduleSourceDigest: "abc" })).toThrow(/moduleSourceDigest/);
    expect(() =>
      cacheKey({ ...base, headers: { kind: "files", files: [{ name: "x", sha256: "x" }] } }),
    ).toThrow(/headers\.sha256/);
  });

  it("canonical JSON sorts keys at every level", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":2,"f":1}]},"b":1}',
    );
  });
});

describe("module source digest", () => {
  const entries = [
    { path: "Makefile", sha256: H("1"), mode: 0o100644 },
    { path: "src/main.c", sha256: H("2"), mode: 0o100664 },
  ];

  it("ignores entry order and permission noise but not the exec bit", () => {
    const d = moduleSourceDigest(entries);
    expect(moduleSourceDigest([...entries].reverse())).toBe(d);
    expect(moduleSourceDigest([entries[0]!, { ...entries[1]!, mode: 0o100600 }])).toBe(d);
    expect(moduleSourceDigest([entries[0]!, { ...entries[1]!, mode: 0o100755 }])).not.toBe(d);
    expect(moduleSourceDigest([entries[0]!, { ...entries[1]!, path: "src/main2.c" }])).not.toBe(d);
  });

  it("rejects unsafe paths and duplicates", () => {
    for (const path of ["/etc/passwd", "../x", "a//b", "a/./b", ""]) {
      expect(() => moduleSourceDigest([{ path, sha256: H("1"), mode: 0o644 }])).toThrow(/path/);
    }
    expect(() => moduleSourceDigest([entries[0]!, entries[0]!])).toThrow(/each path once/);
  });

  describe("read from a directory", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "kmodforge-digest-"));
      await mkdir(join(dir, "src"));
      await mkdir(join(dir, ".git"));
      await writeFile(join(dir, "Makefile"), "obj-m += kmodtest.o\n");
      await writeFile(join(dir, "src", "kmodtest.c"), "int x;\n");
      await writeFile(join(dir, ".git", "HEAD"), "ref\n");
      await symlink("src/kmodtest.c", join(dir, "link.c"));
    });
    afterAll(async () => rm(dir, { recursive: true, force: true }));

    it("skips VCS data and build outputs, records symlinks, and is stable", async () => {
      const before = await digestSourceDir(dir);
      const entries = await readSourceEntries(dir);
      expect(entries.map((e) => e.path)).toEqual(["Makefile", "link.c", "src/kmodtest.c"]);
      await writeFile(join(dir, "src", "kmodtest.o"), "binary");
      await writeFile(join(dir, "Module.symvers"), "");
      await writeFile(join(dir, ".kmodtest.o.cmd"), "");
      expect(await digestSourceDir(dir)).toBe(before);
      await chmod(join(dir, "Makefile"), 0o755);
      expect(await digestSourceDir(dir)).not.toBe(before);
    });
  });
});
