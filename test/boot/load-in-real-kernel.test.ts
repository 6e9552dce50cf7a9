import { createHash } from "node:crypto";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProcess } from "../../src/adapters/run-process.js";
import type { Arch } from "../../src/core/arch.js";
import { EXERCISE_IN_SOURCE } from "../../src/core/boot/init-script.js";
import { parseIdentity } from "../../src/core/identity.js";
import { bootTestForIdentity } from "../../src/executors/kernel-boot-test.js";
import { unservedRelease } from "../support/mirror-releases.js";
import { BOOT_CACHE, buildModule } from "./support/build-module.js";
import { bookworm61Releases, sampleModuleDir } from "./support/kernels.js";

/**
 * Real load tests: the sample module is built against real Debian headers and loaded into the matching real
 * Debian kernel booted under QEMU (software emulation), on both arches; a module built for another ABI of the same
 * line must be refused by that kernel. Five boots of 5-10 s each.
 */

const root = join(import.meta.dirname, "../..");
// QEMU's hard limit for one boot: about 10 s on an idle machine, up to 2.5 min measured with two boots and two
// busy loops sharing 2 cores. The CLI gets the same limit and time of its own, so a slow boot is reported by the
// CLI ("did not finish within … s") instead of the CLI being killed; each test gets time for that report.
const BOOT_TIMEOUT = 240_000;
const CLI_TIMEOUT = BOOT_TIMEOUT + 60_000;
const TEST_TIMEOUT = CLI_TIMEOUT + 60_000;
/** The sample module ships its exercise where any source may: kmodforge/exercise.sh. */
const sampleExercise = () => readFile(join(sampleModuleDir(), EXERCISE_IN_SOURCE), "utf8");

function identity(kernelRelease: string, arch: Arch) {
  const id = parseIdentity({ kernelRelease, distro: "debian", distroVersion: "12", arch });
  if (!id.ok) throw id.error;
  return id.value;
}

async function cli(args: string[]) {
  return runProcess(
    process.execPath,
    [join(root, "bin/kmodforge.js"), ...args, "--timeout", String(BOOT_TIMEOUT / 1000)],
    { cwd: root, timeoutMs: CLI_TIMEOUT },
  );
}

describe("load test in real Debian kernels", () => {
  let work: string;
  const built: Record<string, string> = {};
  const kernels: Partial<Record<Arch, { newest: string; oldest: string }>> = {};

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "kmodforge-boot-test-"));
    kernels.x86_64 = await bookworm61Releases("x86_64");
    kernels.aarch64 = await bookworm61Releases("aarch64");
    const source = sampleModuleDir();
    built.amd64 = await buildModule(source, kernels.x86_64.newest, "12", "x86_64", join(work, "amd64"));
    built.amd64Old = await buildModule(
      source,
      kernels.x86_64.oldest,
      "12",
      "x86_64",
      join(work, "amd64-old"),
    );
    built.arm64 = await buildModule(source, kernels.aarch64.newest, "12", "aarch64", join(work, "arm64"));
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  function expectCleanRun(r: Awaited<ReturnType<typeof bootTestForIdentity>>, release: string) {
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.guestRelease).toBe(release);
    const [m] = r.modules;
    expect(m).toMatchObject({ loaded: true, insmodRc: 0, unloaded: true, rmmodRc: 0 });
    expect(m!.procModulesLine).toMatch(new RegExp(`^${m!.name} \\d+ 0 - Live 0x[0-9a-f]+ \\(OE\\)$`));
    // The kernel's own words: an unsigned out-of-tree module taints with O and E, and nothing worse.
    expect(r.kernelLines).toContain(
      `${m!.name}: module verification failed: signature and/or required key missing - tainting kernel`,
    );
    expect(r.taint.added).toEqual(["O", "E"]);
    // The device and the parameter were really used.
    expect(r.exercise.rc).toBe(0);
    const labels = new Set(r.exercise.ops.filter((o) => o.rc === 0).map((o) => o.label));
    for (const l of ["read-param", "write-param", "write-dev", "read-dev"]) expect(labels).toContain(l);
    expect(r.exercise.devices.length).toBeGreaterThan(0);
  }

  it(
    "loads, exercises and unloads the sample module in the newest 6.1 amd64 kernel",
    async () => {
      const release = kernels.x86_64!.newest;
      const r = await bootTestForIdentity({
        identity: identity(release, "x86_64"),
        modules: [built.amd64!],
        cacheDir: BOOT_CACHE,
        timeoutMs: BOOT_TIMEOUT,
        exerciseScript: await sampleExercise(),
      });
      expectCleanRun(r, release);
      expect(r.kernelPackage?.name).toMatch(new RegExp(`^linux-image-${release}(-unsigned)?$`));
      expect(r.guestMachine).toBe("x86_64");
    },
    TEST_TIMEOUT,
  );

  it(
    "loads, exercises and unloads the cross-built sample module in the newest 6.1 arm64 kernel",
    async () => {
      const release = kernels.aarch64!.newest;
      const r = await bootTestForIdentity({
        identity: identity(release, "aarch64"),
        modules: [built.arm64!],
        cacheDir: BOOT_CACHE,
        timeoutMs: BOOT_TIMEOUT,
        exerciseScript: await sampleExercise(),
      });
      expectCleanRun(r, release);
      expect(r.guestMachine).toBe("aarch64");
      expect(r.modulesGiven[0]!.vermagic).toMatch(/ aarch64$/);
    },
    TEST_TIMEOUT,
  );

  it(
    "cuts off a hanging exercise, still unloads, and kills a guest that overruns the hard limit",
    async () => {
      const release = kernels.x86_64!.newest;
      const hang = await bootTestForIdentity({
        identity: identity(release, "x86_64"),
        modules: [built.amd64!],
        cacheDir: BOOT_CACHE,
        timeoutMs: BOOT_TIMEOUT,
        exerciseScript: "kmf_op hang /dev/null sleep 600\n",
        exerciseTimeoutSec: 2,
      });
      expect(hang.ok).toBe(false);
      expect(hang.exercise.rc).toBe(143); // SIGTERM from timeout
      expect(hang.modules[0]).toMatchObject({ loaded: true, unloaded: true });
      expect(hang.completed).toBe(true);

      const started = Date.now();
      const killed = await bootTestForIdentity({
        identity: identity(release, "x86_64"),
        modules: [built.amd64!],
        cacheDir: BOOT_CACHE,
        timeoutMs: 1500,
      });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(killed.qemu.timedOut).toBe(true);
      expect(killed.ok).toBe(false);
      expect(killed.failures[0]).toMatch(/did not finish within 2 s and was killed/);
    },
    TEST_TIMEOUT,
  );

  it(
    "`verify --boot` exits non-zero when the kernel refuses a module built for another ABI of the line",
    async () => {
      const { newest, oldest } = kernels.x86_64!;
      const r = await cli([
        "verify",
        "--boot",
        "--kernel",
        newest,
        "--distro",
        "debian",
        "--distro-version",
        "12",
        "--arch",
        "x86_64",
        "--module",
        built.amd64Old!,
        "--cache-dir",
        BOOT_CACHE,
        "--json",
      ]);
      expect(r.code).toBe(8);
      const result = JSON.parse(r.stdout);
      expect(result.ok).toBe(false);
      expect(result.guestRelease).toBe(newest);
      expect(result.modulesGiven[0].vermagic.startsWith(`${oldest} `)).toBe(true);
      expect(result.modules[0].loaded).toBe(false);
      expect(result.modules[0].insmodOutput).toMatch(/invalid module format/);
      expect(result.rejections).toContainEqual(
        expect.objectContaining({ kind: "symbol-version-mismatch", subject: "module_layout" }),
      );
      expect(r.stderr).toMatch(/disagrees about version of symbol module_layout/);
    },
    TEST_TIMEOUT,
  );

  it(
    "`verify --boot` passes a packaged .ko.xz artifact directory and exits 0",
    async () => {
      const release = kernels.x86_64!.newest;
      const dir = join(work, "artifact");
      await runProcess("mkdir", ["-p", dir]);
      const ko = join(dir, basename(built.amd64!));
      await copyFile(built.amd64!, ko);
      const xz = await runProcess("xz", ["--check=crc32", "-q", ko]);
      expect(xz.code).toBe(0);
      const sum = createHash("sha256")
        .update(await readFile(`${ko}.xz`))
        .digest("hex");
      await writeFile(join(dir, "SHA256SUMS"), `${sum}  ${basename(ko)}.xz\n`);
      const r = await cli([
        "verify",
        "--boot",
        "--kernel",
        release,
        "--distro",
        "debian",
        "--distro-version",
        "bookworm",
        "--arch",
        "amd64",
        "--module",
        dir,
        "--source",
        sampleModuleDir(),
        "--cache-dir",
        BOOT_CACHE,
        "--json",
      ]);
      expect(r.stderr.replace(/npm warn.*\n/g, "")).toBe("");
      expect(r.code).toBe(0);
      const result = JSON.parse(r.stdout);
      expect(result.ok).toBe(true);
      // The source's own exercise ran (kmodforge/exercise.sh of the sample module).
      expect(result.exercise).toMatchObject({ ran: true, rc: 0 });
      expect(result.modulesGiven[0].compressed).toBe(true);
      expect(result.modules[0]).toMatchObject({ loaded: true, unloaded: true });

      // A tampered artifact is refused before anything boots.
      await writeFile(join(dir, "SHA256SUMS"), `${"0".repeat(64)}  ${basename(ko)}.xz\n`);
      const tampered = await cli([
        "verify",
        "--boot",
        "--kernel",
        release,
        "--distro",
        "debian",
        "--distro-version",
        "12",
        "--arch",
        "x86_64",
        "--module",
        dir,
        "--cache-dir",
        BOOT_CACHE,
      ]);
      expect(tampered.code).toBe(5);
      expect(tampered.stderr).toMatch(/checksum mismatch/);
    },
    TEST_TIMEOUT,
  );
  it("`verify --boot` names the packages it looked for when the archive has no image for the release", async () => {
    const gone = unservedRelease(kernels.x86_64!.newest);
    const r = await cli([
      "verify",
      "--boot",
      "--kernel",
      gone,
      "--distro",
      "debian",
      "--distro-version",
      "12",
      "--arch",
      "x86_64",
      "--module",
      built.amd64!,
      "--cache-dir",
      BOOT_CACHE,
    ]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(
      `none of linux-image-${gone}-unsigned, linux-image-${gone} (amd64) is in Debian bookworm`,
    );
  });
});
