import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it, onTestFinished } from "vitest";
import type { Arch } from "../../src/core/arch.js";
import { kernelModuleName } from "../../src/core/boot/load-order.js";
import { KmodforgeError } from "../../src/core/errors.js";
import type { DkmsValues } from "../../src/core/modules/dkms-conf.js";
import { escapeField } from "../../src/core/naming.js";
import { type BuildResult, buildModule } from "../../src/executors/build.js";
import { bookworm61Releases } from "../boot/support/kernels.js";
import { BUILD_CACHE, newestServedRelease } from "../build/support.js";
import { kmodforge } from "../support/cli.js";
import { CONTAINER_BUILDS, requireOrSkip } from "../support/prerequisites.js";
import { type DkmsPackage, declaredModules, dkmsSource } from "./dkms-sources.js";
import { evaluateInBash, PRESETS, REPO } from "./support.js";

/**
 * Real DKMS packages from Debian's archive built for real Debian 12 kernels, amd64 natively and arm64 cross-compiled
 * on this host (its gcc-12 is the kernels' compiler), one through the container executor: every module each package
 * declares is built, passes the verify gate and is packaged. What "declares" means is read the test's own way —
 * dkms.conf evaluated by bash with the real kernel headers, as DKMS's read_conf would — never a literal.
 */

const out = mkdtempSync(join(tmpdir(), "kmodforge-dkms-"));
const HOUR = 3_600_000;

const ARCHES: Array<{ arch: Arch; deb: "amd64" | "arm64" }> = [
  { arch: "x86_64", deb: "amd64" },
  { arch: "aarch64", deb: "arm64" },
];

/** dkms.conf as DKMS would read it for this kernel (bash, with the real headers tree as kernel_source_dir). */
function declared(source: string, kernel: string, arch: Arch, headersTree: string): DkmsValues {
  const evaluated = evaluateInBash(readFileSync(join(source, "dkms.conf"), "utf8"), {
    ...PRESETS,
    kernelver: kernel,
    arch,
    kernel_source_dir: headersTree,
    kernel_config: join(headersTree, "include/config/auto.conf"),
  });
  if (!evaluated.ok) throw new Error(evaluated.message);
  return evaluated.values;
}

function checkPackage(r: BuildResult, source: string, kernel: string, arch: Arch): string[] {
  const values = declared(source, kernel, arch, r.headersTree);
  const name = values.get("PACKAGE_NAME")!.get(0)!;
  const version = values.get("PACKAGE_VERSION")!.get(0)!;
  const m = r.metadata;
  expect(m.package).toEqual({ name, version, kind: "dkms" });
  expect(m.driverVersion).toBe(version);
  expect(m.artifactName.startsWith(`${escapeField(name)}_${escapeField(version)}_debian-12_`)).toBe(true);
  const expected = declaredModules(values);
  const built = m.modules.map((mod) => kernelModuleName(mod.name)).sort();
  expect(built).toEqual(expected.map((d) => d.name).sort());
  expect(m.modules.map((mod) => mod.location).sort()).toEqual(expected.map((d) => d.path).sort());
  for (const mod of m.modules)
    for (const check of mod.checks)
      expect(check.ok, `${mod.name} ${check.check}: ${check.actual}`).toBe(true);
  // Every module has its line in SHA256SUMS, and every line holds.
  const sums = readFileSync(join(r.artifactDir, "SHA256SUMS"), "utf8");
  for (const mod of m.modules) expect(sums).toContain(`  ${mod.file}\n`);
  execFileSync("sha256sum", ["-c", "--quiet", "SHA256SUMS"], { cwd: r.artifactDir });
  expect(readFileSync(join(r.artifactDir, "build.log"), "utf8")).toMatch(/^DKMS build of /);
  return built;
}

async function build(pkg: DkmsPackage, kernel: string, arch: Arch, executor: "host" | "container") {
  const source = dkmsSource(pkg);
  if (!source) return undefined;
  const started = Date.now();
  const r = await buildModule({
    kernelRelease: kernel,
    distro: "debian",
    distroVersion: "12",
    arch,
    moduleDir: source,
    outDir: join(out, executor),
    cacheDir: BUILD_CACHE,
    executor,
    stepTimeoutMs: 2 * HOUR,
  });
  console.log(
    `${pkg} ${kernel} (${executor}): ${r.metadata.modules.length} modules in ${Date.now() - started} ms`,
  );
  expect(r.executor).toBe(executor);
  return { r, source };
}

for (const { arch, deb } of ARCHES)
  describe(`Debian 12 DKMS packages for the newest 6.1 ${deb} kernel, on this host`, () => {
    const newest = () =>
      newestServedRelease("12", arch, new RegExp(`^linux-headers-6\\.1\\.0-[0-9]+-${deb}$`));
    for (const pkg of [
      "acpi-call-dkms",
      "falcosecurity-scap-dkms",
      "openvpn-dco-dkms",
      "v4l2loopback-dkms",
      "jool-dkms",
    ] as const)
      it(
        pkg,
        async () => {
          const kernel = await newest();
          const built = await build(pkg, kernel, arch, "host");
          if (!built) return;
          const names = checkPackage(built.r, built.source, kernel, arch);
          if (pkg === "jool-dkms") expect(names).toEqual(["jool", "jool_common", "jool_siit"].sort());
        },
        2 * HOUR,
      );

    // lttng-modules 2.13.9-1+deb12u1 does not compile against the newest 6.1 ABIs (6.1 stable changed the
    // hrtimer_start tracepoint, which lttng's probe redefines: "conflicting types for trace_hrtimer_start"); the
    // oldest ABI the archive still serves is one it was made for.
    it(
      "lttng-modules-dkms: dozens of modules, exactly as many as its dkms.conf declares for the kernel",
      async () => {
        const { oldest: kernel } = await bookworm61Releases(arch);
        const built = await build("lttng-modules-dkms", kernel, arch, "host");
        if (!built) return;
        const names = checkPackage(built.r, built.source, kernel, arch);
        expect(names.length).toBeGreaterThanOrEqual(24);
      },
      4 * HOUR,
    );
  });

describe("the same model in the container executor", () => {
  beforeEach((ctx) => requireOrSkip(ctx, ...CONTAINER_BUILDS));
  it(
    "jool-dkms (three modules in subdirectories) in Debian 12's builder image",
    async () => {
      const kernel = await newestServedRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/);
      const built = await build("jool-dkms", kernel, "x86_64", "container");
      if (!built) return;
      expect(built.r.metadata.builder.runner).toBe("container");
      checkPackage(built.r, built.source, kernel, "x86_64");
    },
    HOUR,
  );

  it(
    "a hostile MAKE runs only inside the builder container, never on this host",
    async () => {
      const kernel = await newestServedRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/);
      const canary = `/tmp/kmodforge-canary-${process.pid}-${Date.now()}`;
      const tree = sampleAsDkms(
        `MAKE[0]="make -C \${kernel_source_dir} M=\${dkms_tree}/sample/1.0/build; touch ${canary}"`,
      );
      const r = await buildModule({
        kernelRelease: kernel,
        distro: "debian",
        distroVersion: "12",
        arch: "x86_64",
        moduleDir: tree,
        outDir: join(out, "hostile"),
        cacheDir: BUILD_CACHE,
        executor: "container",
      });
      expect(r.metadata.modules.map((m) => m.name)).toEqual(["kmodforge_sample"]);
      expect(existsSync(canary)).toBe(false);
    },
    HOUR,
  );
});

/** The sample module as a DKMS tree with the given extra dkms.conf lines. */
function sampleAsDkms(extra: string): string {
  const tree = mkdtempSync(join(tmpdir(), "kmodforge-sample-dkms-"));
  onTestFinished(() => rmSync(tree, { recursive: true, force: true }));
  cpSync(join(REPO, "kernel-module"), tree, { recursive: true });
  writeFileSync(
    join(tree, "dkms.conf"),
    `PACKAGE_NAME=sample\nPACKAGE_VERSION=1.0\nBUILT_MODULE_NAME[0]=kmodforge_sample\nDEST_MODULE_LOCATION[0]=/extra\n${extra}\n`,
  );
  return tree;
}

describe("nothing a package declares disappears, and exclusions are outcomes", () => {
  it(
    "a module dkms.conf declares that the build does not produce fails the build, named",
    async () => {
      const kernel = await newestServedRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/);
      const tree = sampleAsDkms(
        "BUILT_MODULE_NAME[1]=kmodforge_other\nBUILT_MODULE_LOCATION[1]=sub\nDEST_MODULE_LOCATION[1]=/extra",
      );
      const err = await buildModule({
        kernelRelease: kernel,
        distro: "debian",
        distroVersion: "12",
        arch: "x86_64",
        moduleDir: tree,
        outDir: join(out, "missing"),
        cacheDir: BUILD_CACHE,
        executor: "host",
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KmodforgeError);
      expect((err as KmodforgeError).code).toBe("COMPILE_FAILED");
      expect((err as Error).message).toMatch(
        /dkms\.conf declares module kmodforge_other \(BUILT_MODULE_NAME\[1\]\) at sub\/kmodforge_other\.ko, but the build did not produce it/,
      );
    },
    HOUR,
  );

  it(
    "`kmodforge build` of an excluded kernel exits 77 and prints the rule; --json says excluded",
    async () => {
      const kernel = await newestServedRelease("12", "aarch64", /^linux-headers-6\.1\.0-[0-9]+-arm64$/);
      const tree = sampleAsDkms('BUILD_EXCLUSIVE_ARCH="x86_64"');
      const args = [
        "build",
        "--kernel",
        kernel,
        "--distro",
        "debian",
        "--distro-version",
        "12",
        "--arch",
        "aarch64",
      ];
      const r = await kmodforge([
        ...args,
        "--source",
        tree,
        "--cache-dir",
        BUILD_CACHE,
        "--out",
        join(out, "x"),
      ]);
      expect(r.code).toBe(77);
      expect(r.stderr).toContain(
        `sample 1.0 is not built for ${kernel} (aarch64): BUILD_EXCLUSIVE_ARCH="x86_64" does not match arch aarch64`,
      );
      const json = await kmodforge([...args, "--source", tree, "--cache-dir", BUILD_CACHE, "--json"]);
      expect(json.code).toBe(77);
      expect(JSON.parse(json.stdout)).toMatchObject({
        status: "excluded",
        rule: expect.stringMatching(/^BUILD_EXCLUSIVE_ARCH/),
      });
    },
    HOUR,
  );
});
