import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTargetsDir, loadTargets } from "../../src/adapters/targets-fs.js";
import { ARCHES } from "../../src/core/arch.js";
import { parseTargetsFile, type TargetsPolicy } from "../../src/core/targets.js";

/** What the policy must cover: distro → versions, each on every arch. */
const REQUIRED: Record<string, string[]> = {
  ubuntu: ["20.04", "22.04", "24.04", "26.04"],
  debian: ["11", "12", "13"],
  fedora: ["43", "44", "45"],
  centos: ["9", "10"],
  amazonlinux: ["2", "2023"],
  almalinux: ["8", "9", "10"],
  rocky: ["8", "9", "10"],
};

describe("targets/", () => {
  let policy: TargetsPolicy;
  beforeAll(async () => {
    policy = await loadTargets();
  });

  it("every file parses and the required versions × arches are covered", () => {
    for (const [distro, versions] of Object.entries(REQUIRED)) {
      const file = policy.files.find((f) => f.distro === distro);
      expect(file, distro).toBeDefined();
      for (const version of versions) {
        const target = file!.versions.find((v) => v.version === version);
        expect(target, `${distro} ${version}`).toBeDefined();
        expect([...target!.arches].sort()).toEqual([...ARCHES].sort());
      }
    }
  });

  it("every entry names its builder image, dockerfile, compiler and a header source chain", () => {
    for (const file of policy.files) {
      for (const v of file.versions) {
        const where = `${file.distro} ${v.version}`;
        expect(v.builderImage, where).toMatch(/^[a-z0-9./-]+:[A-Za-z0-9._-]+$/);
        expect(v.dockerfile, where).toMatch(/^dockerfiles\/[a-z-]+\.Dockerfile$/);
        expect(v.compiler.defaultMajor, where).toBeGreaterThan(3);
        expect(v.headerSources.length, where).toBeGreaterThan(0);
      }
    }
    const debian = policy.files.find((f) => f.distro === "debian")!;
    for (const v of debian.versions)
      expect(v.headerSources[0]).toMatchObject({ kind: "apt", mirrors: ["host"] });
    const al2 = policy.files
      .find((f) => f.distro === "amazonlinux")!
      .versions.find((v) => v.version === "2")!;
    expect(al2.compiler.lines).toContainEqual({
      kernel: "5.10",
      major: 10,
      package: "gcc10",
      binary: "gcc10-gcc",
    });
  });

  it("the default directory is the repository's targets/", () => {
    expect(defaultTargetsDir()).toMatch(/targets$/);
  });
});

describe("a bad targets file is reported with file and line", () => {
  const bad = [
    "distro: debian",
    "versions:",
    '  - version: "12"',
    "    arches: [x86_64, sparc]",
    "    builderImage: debian:bookworm",
    "    compiler: { defaultMajor: 12 }",
    "    headerSources: [{ kind: apt, suites: [bookworm] }]",
  ].join("\n");

  it("names the line of the offending value", () => {
    expect(() => parseTargetsFile("targets/debian.yaml", bad)).toThrow(
      /^targets\/debian\.yaml:4: versions\.0\.arches\.1: /,
    );
  });

  it("reports YAML syntax errors with their line", () => {
    expect(() => parseTargetsFile("t.yaml", "distro: debian\nversions:\n  - version: [\n")).toThrow(
      /^t\.yaml:\d+: /,
    );
  });

  describe("loaded from a directory", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "kmodforge-targets-"));
    });
    afterAll(async () => rm(dir, { recursive: true, force: true }));

    it("gives the file path and line", async () => {
      await writeFile(join(dir, "debian.yaml"), bad);
      await expect(loadTargets(dir)).rejects.toThrow(`${join(dir, "debian.yaml")}:4:`);
    });

    it("refuses two files for one distribution", async () => {
      const good = bad.replace("sparc", "aarch64");
      await writeFile(join(dir, "debian.yaml"), good);
      await writeFile(join(dir, "debian-copy.yaml"), good);
      await expect(loadTargets(dir)).rejects.toThrow(/already defined/);
    });
  });
});
