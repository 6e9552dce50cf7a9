import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { Arch } from "../../src/core/arch.js";
import { buildModule } from "../../src/executors/build.js";
import { BUILD_CACHE, newestServedRelease } from "../build/support.js";
import { CONTAINER_BUILDS, requireOrSkip } from "../support/prerequisites.js";
import { type CapturedStep, fakeId, startFakeSession } from "./support/fake-session.js";

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
async function containerBuild(kernel: string, arch: Arch) {
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

/** Runs Kmodforge.build against a fake engine and returns the builder's exec argument lists. */
async function daggerBuild(kernel: string, arch: Arch, buildDir: string): Promise<string[][]> {
  const chains = new Map<string, CapturedStep[]>();
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
    if (leaf === "contents") return record;
    if (leaf === "entries") return [];
    return null;
  });
  process.env.DAGGER_SESSION_PORT = String(session.port);
  process.env.DAGGER_SESSION_TOKEN = session.token;
  try {
    const { connection, dag } = await import("@dagger.io/dagger");
    const { Kmodforge } = await import("../../src/index.js");
    let final: CapturedStep[] = [];
    await connection(async () => {
      await (await new Kmodforge().build(kernel, "debian", "12", arch, dag.directory())).entries();
      final = session.captured.at(-1)?.chain ?? [];
    });
    const work = final.find((s) => s.field === "withDirectory" && s.args.path === "/work/out")?.args.source;
    const builder = chains.get(String(work)) ?? [];
    return builder.filter((s) => s.field === "withExec").map((s) => s.args.args as string[]);
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
});
