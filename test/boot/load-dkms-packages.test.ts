import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { kernelModuleName } from "../../src/core/boot/load-order.js";
import { buildModule } from "../../src/executors/build.js";
import { readLoadableModule } from "../../src/executors/initramfs.js";
import { BUILD_CACHE, newestServedRelease } from "../build/support.js";
import { type DkmsPackage, dkmsSource } from "../modules/dkms-sources.js";
import { kmodforge } from "../support/cli.js";
import { requireOrSkip, tool } from "../support/prerequisites.js";
import { BOOT_CACHE } from "./support/build-module.js";

/**
 * The generic load test on real DKMS packages in the real kernel: Falco's scap (one module that starts capture
 * machinery) and jool (three modules that depend on each other and on the kernel's netfilter modules), built for
 * the newest 6.1 amd64 ABI and loaded, checked and unloaded under QEMU by `verify --boot` — no exercise script.
 */

const BOOT_TIMEOUT = 300_000;
let work: string;
let kernel: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kmodforge-dkms-boot-"));
  kernel = await newestServedRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/);
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function buildAndBoot(pkg: DkmsPackage) {
  const source = dkmsSource(pkg);
  if (!source) return undefined;
  const built = await buildModule({
    kernelRelease: kernel,
    distro: "debian",
    distroVersion: "12",
    arch: "x86_64",
    moduleDir: source,
    outDir: join(work, "out"),
    cacheDir: BUILD_CACHE,
    executor: "host",
  });
  const serial = join(work, `${pkg}.serial.log`);
  const r = await kmodforge([
    "verify",
    "--boot",
    "--module",
    built.artifactDir,
    "--cache-dir",
    BOOT_CACHE,
    "--serial-log",
    serial,
    "--json",
  ]);
  return { built, r, result: JSON.parse(r.stdout), serial: await readFile(serial, "utf8") };
}

/** The order the guest ran insmod and rmmod in, from its console. */
function steps(serial: string, what: "insmod" | "rmmod"): string[] {
  return [...serial.matchAll(new RegExp(`@@kmodforge ${what} module=(\\S+) rc=0`, "g"))].map((m) => m[1]!);
}

function expectHealthy(result: {
  ok: boolean;
  failures: string[];
  taint: { added: string[] };
  kernelProblems: string[];
}) {
  expect(result.failures).toEqual([]);
  expect(result.ok).toBe(true);
  expect(result.kernelProblems).toEqual([]);
  for (const letter of result.taint.added) expect(["O", "E"]).toContain(letter);
}

describe("DKMS packages loaded and unloaded in the real Debian 12 kernel", () => {
  beforeEach((ctx) => requireOrSkip(ctx, tool("qemu-system-x86_64")));
  it(
    "falcosecurity-scap: loads (its driver starts), unloads, no exercise needed",
    async () => {
      const run = await buildAndBoot("falcosecurity-scap-dkms");
      if (!run) return;
      expect(run.r.code).toBe(0);
      expectHealthy(run.result);
      expect(run.result.guestRelease).toBe(kernel);
      expect(run.result.exercise.ran).toBe(false);
      expect(run.result.modules).toEqual([
        expect.objectContaining({ name: "scap", loaded: true, unloaded: true }),
      ]);
      expect(run.result.kernelLines.some((l: string) => /^scap: driver loading/.test(l))).toBe(true);
    },
    BOOT_TIMEOUT * 4,
  );

  it(
    "jool: its modules after the kernel's modules they need, each after its dependencies, unloaded in reverse",
    async () => {
      const run = await buildAndBoot("jool-dkms");
      if (!run) return;
      expect(run.r.code).toBe(0);
      expectHealthy(run.result);
      // What the package's modules say they need, read from the modules themselves.
      const own = await Promise.all(
        run.built.metadata.modules.map((m) =>
          readLoadableModule(join(run.built.artifactDir, m.file), "x86_64"),
        ),
      );
      const ownNames = new Set(own.map((m) => m.name));
      const fromKernel = new Set(own.flatMap((m) => m.depends).filter((d) => !ownNames.has(d)));
      expect(fromKernel.size).toBeGreaterThan(0);
      const loaded = steps(run.serial, "insmod");
      for (const name of ownNames) expect(loaded).toContain(name);
      for (const dep of fromKernel) expect(loaded).toContain(kernelModuleName(dep));
      for (const m of own)
        for (const dep of m.depends) expect(loaded.indexOf(dep)).toBeLessThan(loaded.indexOf(m.name));
      expect(steps(run.serial, "rmmod")).toEqual([...loaded].reverse());
      for (const m of run.result.modules) expect(m).toMatchObject({ loaded: true, unloaded: true });
      expect(run.result.kernelModules.files.length).toBeGreaterThanOrEqual(fromKernel.size);
    },
    BOOT_TIMEOUT * 4,
  );
});
