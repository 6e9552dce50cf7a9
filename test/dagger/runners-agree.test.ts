import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { Arch } from "../../src/core/arch.js";
import { CONTAINER_LAYOUT } from "../../src/core/build/steps.js";
import { dkmsPresets } from "../../src/core/modules/package-plan.js";
import { dkmsPaths } from "../../src/core/modules/plan-files.js";
import { buildModule } from "../../src/executors/build.js";
import { BUILD_CACHE, newestServedRelease } from "../build/support.js";
import { dkmsSource } from "../modules/dkms-sources.js";
import { evaluatedOutput } from "../modules/support.js";
import { CONTAINER_BUILDS, requireOrSkip } from "../support/prerequisites.js";
import { type CapturedStep, fakeId, startFakeSession, withModule } from "./support/fake-session.js";

/**
 * One build, two runners, the same command lines: a real build through the container executor (its builder steps
 * traced as it runs them in podman) and the Dagger build of the same kernel (captured from the SDK's real send path,
 * with the headers record the real build produced) must execute identical builder steps.
 */

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Builds for real with the container executor and returns the traced builder command lines and the record. */
async function containerBuild(kernel: string, arch: Arch, moduleDir?: string) {
  const dir = await mkdtemp(join(tmpdir(), "kmodforge-agree-"));
  dirs.push(dir);
  const trace = join(dir, "trace.jsonl");
  process.env.KMODFORGE_TRACE_COMMANDS = trace;
  try {
    const r = await buildModule({
      kernelRelease: kernel,
      distro: "debian",
      distroVersion: "12",
      arch,
      outDir: join(dir, "out"),
      cacheDir: BUILD_CACHE,
      executor: "container",
      ...(moduleDir ? { moduleDir } : {}),
    });
    const lines = (await readFile(trace, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.every((l) => l.runner === "container")).toBe(true);
    return { argv: lines.map((l) => l.argv as string[]), buildDir: r.headersTree };
  } finally {
    delete process.env.KMODFORGE_TRACE_COMMANDS;
  }
}

/** A DKMS tree the fake engine serves: its dkms.conf, the kernel configuration, what the evaluate step prints. */
interface FakeDkms {
  conf: string;
  kernelConfig: string;
  evaluated: string;
}

/**
 * Runs Kmodforge.build against a fake engine and returns every builder exec argument list, in order: the evaluate
 * step's (a DKMS tree that needs a shell), then the compile and package steps.
 */
async function daggerBuild(
  kernel: string,
  arch: Arch,
  buildDir: string,
  dkms?: FakeDkms,
): Promise<string[][]> {
  const chains = new Map<string, CapturedStep[]>();
  const evaluates: string[][][] = [];
  const record = JSON.stringify({
    schemaVersion: 1,
    identity: { distro: "debian", distroVersion: "12", arch, kernelRelease: kernel },
    builderArch: "x86_64",
    packages: [],
    treeRoot: "/work/headers",
    buildDir,
  });
  const session = await startFakeSession((leaf, chain) => {
    if (leaf === "id") {
      const id = fakeId(chain);
      chains.set(id, chain.slice(0, -1));
      return id;
    }
    if (leaf === "defaultPlatform") return "linux/amd64";
    if (leaf === "contents") {
      const path = String(chain.filter((s) => s.field === "file").at(-1)?.args.path ?? "");
      if (dkms && path === "dkms.conf") return dkms.conf;
      if (dkms && path.endsWith("include/config/auto.conf")) return dkms.kernelConfig;
      if (dkms && path === dkmsPaths(CONTAINER_LAYOUT.work).evaluated) {
        evaluates.push(chain.filter((s) => s.field === "withExec").map((s) => s.args.args as string[]));
        return dkms.evaluated;
      }
      return record;
    }
    if (leaf === "entries") return dkms && chain.length === 2 ? ["dkms.conf"] : [];
    return null;
  });
  try {
    let final: CapturedStep[] = [];
    await withModule(session, async (k, dag) => {
      await (await k.build(kernel, "debian", "12", arch, dag.directory())).entries();
      final = session.captured.at(-1)?.chain ?? [];
    });
    const work = final.find((s) => s.field === "withDirectory" && s.args.path === "/work/out")?.args.source;
    const builder = chains.get(String(work)) ?? [];
    return [
      ...evaluates.flat(),
      ...builder.filter((s) => s.field === "withExec").map((s) => s.args.args as string[]),
    ];
  } finally {
    await session.close();
  }
}

describe("container executor and Dagger run the same builder steps", () => {
  beforeEach((ctx) => requireOrSkip(ctx, ...CONTAINER_BUILDS));
  for (const [arch, deb] of [
    ["x86_64", "amd64"],
    ["aarch64", "arm64"],
  ] as const)
    it(`Debian 12 ${deb}`, async () => {
      const kernel = await newestServedRelease(
        "12",
        arch,
        new RegExp(`^linux-headers-6\\.1\\.0-[0-9]+-${deb}$`),
      );
      const real = await containerBuild(kernel, arch);
      // The record carries the build directory relative to the tree; both runners mount the tree at /work/headers.
      const relative = real.buildDir.slice(real.buildDir.indexOf("usr/src/"));
      const dagger = await daggerBuild(kernel, arch, relative);
      expect(real.argv).toHaveLength(2);
      expect(dagger).toEqual(real.argv);
    }, 900_000);

  // A DKMS tree whose dkms.conf needs a shell: evaluate, then compile and package, all in DKMS's build environment.
  it("Debian 12 amd64, DKMS tree (v4l2loopback)", async (ctx) => {
    const source = dkmsSource("v4l2loopback-dkms");
    if (!source) return ctx.skip();
    const kernel = await newestServedRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/);
    const real = await containerBuild(kernel, "x86_64", source);
    expect(real.argv.map((a) => a.some((x) => x.endsWith("/dkms-env.sh")))).toEqual([true, true, false]);
    const relative = real.buildDir.slice(real.buildDir.indexOf("usr/src/"));
    const conf = readFileSync(join(source, "dkms.conf"), "utf8");
    const dagger = await daggerBuild(kernel, "x86_64", relative, {
      conf,
      kernelConfig: readFileSync(join(real.buildDir, "include/config/auto.conf"), "utf8"),
      evaluated: evaluatedOutput(
        conf,
        dkmsPresets({ kernelRelease: kernel, arch: "x86_64", ...CONTAINER_LAYOUT }),
      ),
    });
    expect(dagger).toEqual(real.argv);
  }, 1_800_000);
});
