import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseIdentity } from "../../src/core/identity.js";
import { runVerifyChecks } from "../../src/core/verify/gate.js";
import { defaultModuleDir, script } from "../../src/executors/build-scripts.js";
import type { HeaderTree } from "../../src/executors/header-tree.js";
import { prepareHeaders } from "../../src/executors/prepare-headers.js";
import { type FixtureServer, startFixtureServer } from "../support/fixture-server.js";
import { type Pkg, writeRepo } from "../support/make-rpm-fixtures.js";
import { missingNote, requireOrSkip, tool } from "../support/prerequisites.js";
import { serveTree } from "../support/source-fixtures.js";
import { buildRpm, commonDir, flattenDebianTree } from "./rpm-packages.js";
import { BUILD_CACHE, newestRelease } from "./support.js";

/**
 * The new families end to end, as far as this machine reaches: real RPMs in Oracle's and SUSE's layouts (a real kernel
 * tree — Debian's, from the live archive — under the paths their devel packages use), published in repositories of
 * the real shape on a local server, then `prepareHeaders` for a real Oracle or SUSE release: resolution through a
 * targets/ chain, verified download, extraction, the build tree where the family says it is, and a module compiled
 * against it that passes the verify gate. The kernel inside is Debian's, so the gate checks the module against that
 * tree's own release; what is under test is the families' layouts and resolution.
 */

const NEEDS = ["rpmbuild", "rpm2cpio", "cpio", "zstd"].map(tool);
let server: FixtureServer;
let work: string;
let debian: { tree: HeaderTree; release: string };

beforeAll(async () => {
  if (missingNote(NEEDS)) return;
  work = mkdtempSync(join(tmpdir(), "kmodforge-layouts-"));
  server = await startFixtureServer();
  const kernel = await newestRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/);
  const id = parseIdentity({ kernelRelease: kernel, distro: "debian", distroVersion: "12", arch: "x86_64" });
  if (!id.ok) throw id.error;
  const { tree } = await prepareHeaders(id.value, { cacheDir: BUILD_CACHE, hostArch: "x86_64" });
  debian = { tree, release: kernel };
}, 600_000);

afterAll(async () => {
  await server?.close();
  if (work) execFileSync("rm", ["-rf", work]);
});

/** Publishes the packages as one repository at /<dir> and writes a targets file whose chain reads it. */
function publish(name: string, dir: string, packages: Pkg[], targetsYaml: (base: string) => string): string {
  const root = join(work, name, "mirror");
  writeRepo({ dir, compression: "zst", style: "reordered", vendor: "kmodforge test", packages }, root);
  serveTree(server, root, `/${name}`);
  const targets = join(work, name, "targets");
  mkdirSync(targets, { recursive: true });
  writeFileSync(join(targets, `${name}.yaml`), targetsYaml(`${server.url}/${name}`));
  return targets;
}

function target(distro: string, version: string, image: string, baseurl: string): string {
  return [
    `distro: ${distro}`,
    "versions:",
    `  - version: "${version}"`,
    "    arches: [x86_64]",
    `    builderImage: ${image}`,
    "    compiler: { family: gcc, defaultMajor: 12 }",
    "    headerSources:",
    "      - kind: rpm-repo",
    `        baseurls: ["${baseurl}"]`,
    "",
  ].join("\n");
}

function removeElfFiles(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (
      readFileSync(path)
        .subarray(0, 4)
        .equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))
    )
      rmSync(path);
  }
}

/** Builds the sample module against a tree and runs the gate against the kernel the tree really is. */
function compileAndGate(buildDir: string): void {
  const out = join(work, `out-${Math.random().toString(36).slice(2)}`);
  execFileSync("sh", [script("compile-module.sh"), buildDir, defaultModuleDir(), out, "x86_64"], {
    stdio: "pipe",
  });
  const checks = runVerifyChecks({
    module: readFileSync(join(out, "modules", "kmodforge_sample.ko")),
    kernelRelease: debian.release,
    arch: "x86_64",
    kernelConfig: readFileSync(join(buildDir, "include/config/auto.conf"), "utf8"),
    symvers: readFileSync(join(buildDir, "Module.symvers"), "utf8"),
  });
  expect(checks.filter((c) => !c.ok)).toEqual([]);
}

describe("RPM layouts of the new families, resolved, extracted and built against", () => {
  beforeEach((ctx) => requireOrSkip(ctx, ...NEEDS));
  it("openSUSE: kernel-default-devel (obj tree) + kernel-devel (sources) + kernel-macros, matched by prefix", async () => {
    const kver = "6.4.0-150600.23.25"; // abi-literal-ok: a fixture repository's SUSE/UEK release, not the live archive
    const release = `${kver}-default`;
    // The obj tree is Debian's arch tree; its Makefile includes the sources by the relative path SUSE's does.
    const obj = join(work, "suse-obj");
    execFileSync("cp", ["-aL", `${debian.tree.buildDir}/.`, obj]);
    writeFileSync(join(obj, "Makefile"), `include ../../../linux-${kver}/Makefile\n`);
    // The sources are Debian's -common tree without host programs: noarch, as SUSE's kernel-devel is (the obj
    // tree carries the programs).
    const sources = join(work, "suse-src");
    execFileSync("cp", ["-aL", `${join(debian.tree.root, "usr/src", commonDir(debian.tree))}/.`, sources]);
    removeElfFiles(sources);
    const macros = join(work, "suse-macros");
    mkdirSync(macros);
    writeFileSync(join(macros, "macros.kernel-source"), "%kernel_module_package_buildreqs kernel-syms\n");
    const rpm = (
      name: string,
      arch: "x86_64" | "noarch",
      counter: string,
      from: string,
      to: string,
    ): Pkg => ({
      name,
      ver: "6.4.0",
      rel: `150600.23.25.${counter}`,
      arch,
      href: `${arch}/${name}-6.4.0-150600.23.25.${counter}.${arch}.rpm`, // abi-literal-ok: a fixture repository's SUSE/UEK release, not the live archive
      payload: readFileSync(
        buildRpm(work, {
          name,
          version: "6.4.0",
          release: `150600.23.25.${counter}`,
          arch,
          trees: [{ from, to }],
        }),
      ),
    });
    const targets = publish(
      "opensuse",
      "update/leap/15.6/sle",
      [
        rpm("kernel-default-devel", "x86_64", "3", obj, `/usr/src/linux-${kver}-obj/x86_64/default`),
        rpm("kernel-devel", "noarch", "1", sources, `/usr/src/linux-${kver}`),
        rpm("kernel-macros", "noarch", "1", macros, "/usr/lib/rpm/macros.d"),
      ],
      (base) => target("opensuse", "15.6", "opensuse/leap:15.6", `${base}/update/leap/$releasever/sle/`),
    );
    const id = parseIdentity({
      kernelRelease: release,
      distro: "opensuse-leap",
      distroVersion: "15.6",
      arch: "x86_64",
    });
    if (!id.ok) throw id.error;
    const prepared = await prepareHeaders(id.value, {
      cacheDir: join(work, "suse-cache"),
      hostArch: "x86_64",
      targetsDir: targets,
    });
    expect(prepared.resolved.packages.map((p) => `${p.name} ${p.version}`).sort()).toEqual([
      "kernel-default-devel 6.4.0-150600.23.25.3", // abi-literal-ok: a fixture repository's SUSE/UEK release, not the live archive
      "kernel-devel 6.4.0-150600.23.25.1", // abi-literal-ok: a fixture repository's SUSE/UEK release, not the live archive
      "kernel-macros 6.4.0-150600.23.25.1", // abi-literal-ok: a fixture repository's SUSE/UEK release, not the live archive
    ]);
    expect(prepared.resolved.packages.every((p) => /^[0-9a-f]{64}$/.test(p.sha256 ?? ""))).toBe(true);
    expect(prepared.tree.buildDirInTree).toBe(`usr/src/linux-${kver}-obj/x86_64/default`);
    compileAndGate(prepared.tree.buildDir);
  }, 600_000);

  it("Oracle Linux UEK: kernel-uek-devel from getPackage/, built against /usr/src/kernels/<uek release>", async () => {
    const release = "5.15.0-105.125.6.2.el9uek.x86_64"; // abi-literal-ok: a fixture repository's SUSE/UEK release, not the live archive
    const flat = join(work, "uek-flat");
    flattenDebianTree(debian.tree, flat);
    const file = buildRpm(work, {
      name: "kernel-uek-devel",
      version: "5.15.0",
      release: "105.125.6.2.el9uek",
      arch: "x86_64",
      trees: [{ from: flat, to: `/usr/src/kernels/${release}` }],
    });
    const targets = publish(
      "oraclelinux",
      "repo/OracleLinux/OL9/UEKR7/x86_64",
      [
        {
          name: "kernel-uek-devel",
          ver: "5.15.0",
          rel: "105.125.6.2.el9uek",
          arch: "x86_64",
          href: `getPackage/kernel-uek-devel-${release}.rpm`,
          payload: readFileSync(file),
        },
      ],
      (base) => target("oraclelinux", "9", "oraclelinux:9", `${base}/repo/OracleLinux/OL9/UEKR7/$basearch/`),
    );
    const id = parseIdentity({ kernelRelease: release, distro: "ol", distroVersion: "9", arch: "x86_64" });
    if (!id.ok) throw id.error;
    const prepared = await prepareHeaders(id.value, {
      cacheDir: join(work, "uek-cache"),
      hostArch: "x86_64",
      targetsDir: targets,
    });
    expect(prepared.resolved.packages.map((p) => p.url)).toEqual([
      `${server.url}/oraclelinux/repo/OracleLinux/OL9/UEKR7/x86_64/getPackage/kernel-uek-devel-${release}.rpm`,
    ]);
    expect(prepared.tree.buildDirInTree).toBe(`usr/src/kernels/${release}`);
    compileAndGate(prepared.tree.buildDir);
  }, 600_000);
});
