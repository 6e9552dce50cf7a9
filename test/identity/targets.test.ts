import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTargetsDir, loadTargets } from "../../src/adapters/targets-fs.js";
import { ARCHES } from "../../src/core/arch.js";
import { planBuilderFor } from "../../src/core/build/builder-plan.js";
import { IMAGE_REFERENCE, parseTargetsFile, type TargetsPolicy } from "../../src/core/targets.js";
import { DISTROS } from "../../src/distros/adapter.js";
import { ADAPTERS } from "../../src/distros/registry.js";

/** What the policy must cover: distro → versions, each on every arch. */
const REQUIRED: Record<string, string[]> = {
  ubuntu: ["18.04", "20.04", "22.04", "24.04", "26.04"],
  debian: ["11", "12", "13"],
  fedora: ["37", "38", "39", "40", "41", "42", "43", "44", "45"],
  centos: ["8", "9", "10"],
  amazonlinux: ["2", "2023"],
  almalinux: ["8", "9", "10"],
  rocky: ["8", "9", "10"],
  oraclelinux: ["8", "9"],
  opensuse: ["15.3", "15.4", "15.5", "15.6"],
  sles: ["15.3", "15.4", "15.5", "15.6"],
};

/** End-of-life versions the default policy keeps (a fleet runs old kernels), each marked `eol`. */
const EOL: Record<string, string[]> = {
  ubuntu: ["18.04", "20.04"],
  fedora: ["37", "38", "39", "40", "41", "42"],
  centos: ["7", "8"],
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

  it("end-of-life versions are in the default policy, marked eol; current ones are not marked", () => {
    for (const [distro, versions] of Object.entries(EOL))
      for (const version of versions) {
        const target = policy.files
          .find((f) => f.distro === distro)
          ?.versions.find((v) => v.version === version);
        expect(target?.eol, `${distro} ${version}`).toMatch(/^\d{4}-\d{2}-\d{2}/);
      }
    for (const [distro, version] of [
      ["debian", "13"],
      ["fedora", "43"],
      ["oraclelinux", "9"],
      ["rocky", "9"],
    ] as const)
      expect(
        policy.files.find((f) => f.distro === distro)?.versions.find((v) => v.version === version)?.eol,
      ).toBe(undefined);
  });

  it("every entry names a builder base image, a compiler and a header source chain", () => {
    for (const file of policy.files) {
      for (const v of file.versions) {
        const where = `${file.distro} ${v.version}`;
        expect(v.builderImage, where).toMatch(IMAGE_REFERENCE);
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

describe("builder images of the targets", () => {
  const repo = join(import.meta.dirname, "../..");
  let policy: TargetsPolicy;
  beforeAll(async () => {
    policy = await loadTargets(defaultTargetsDir());
  });

  it("each family maps to exactly one Dockerfile, and that file exists", () => {
    const byFile = new Map<string, Set<string>>();
    for (const adapter of ADAPTERS) {
      const path = join(repo, adapter.builder.dockerfile);
      expect(existsSync(path), `${adapter.distros.join("/")}: ${adapter.builder.dockerfile}`).toBe(true);
      expect(readFileSync(path, "utf8")).toMatch(/^ARG BASE_IMAGE=/m);
      for (const d of adapter.distros) {
        const files = byFile.get(d) ?? new Set();
        files.add(adapter.builder.dockerfile);
        byFile.set(d, files);
      }
    }
    for (const distro of DISTROS) expect([...(byFile.get(distro) ?? [])], distro).toHaveLength(1);
  });

  it("every target's plan names an existing Dockerfile, for both arches on both kinds of machine", () => {
    for (const file of policy.files)
      for (const v of file.versions)
        for (const arch of v.arches)
          for (const machine of ARCHES) {
            const plan = planBuilderFor(
              { distro: file.distro, arch },
              v,
              { family: "gcc", major: 12 },
              machine,
            );
            expect(existsSync(join(repo, plan.dockerfile)), `${file.distro} ${v.version} ${arch}`).toBe(true);
            expect(plan.buildArgs.BASE_IMAGE).toBe(v.builderImage);
          }
  });

  it("image references parse the way container tools parse them", () => {
    for (const good of [
      "debian:bookworm",
      "quay.io/centos/centos:stream9",
      "registry.fedoraproject.org/fedora:43",
      `debian:bookworm@sha256:${"a".repeat(64)}`,
      "localhost:5000/x/y:1",
    ])
      expect(good).toMatch(IMAGE_REFERENCE);
    for (const bad of [
      "Debian:bookworm",
      "debian:bookworm; rm -rf /",
      "debian: bookworm",
      "-debian",
      "debian:bookworm@sha256:abc",
      "",
    ])
      expect(bad).not.toMatch(IMAGE_REFERENCE);
  });
});
