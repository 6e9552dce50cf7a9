import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { collectModuleFiles } from "../../src/adapters/module-files.js";
import { runProcess } from "../../src/adapters/run-process.js";
import { parseIdentity } from "../../src/core/identity.js";
import { LOADER_EXIT_CODES } from "../../src/core/service/loader-exit-codes.js";
import { bootTestForIdentity } from "../../src/executors/kernel-boot-test.js";
import { BUILD_CACHE } from "../build/support.js";
import { file, requireOrSkip, tool } from "../support/prerequisites.js";
import { BOOT_CACHE } from "./support/build-module.js";
import { bookworm61Releases } from "./support/kernels.js";

/**
 * The node loader's verify → decompress → insmod path inside a real Debian kernel: a real artifact directory (built
 * by `kmodforge build` for the newest bookworm 6.1 amd64 kernel) and scripts/kmodforge-loader.sh go into the load
 * test's initramfs, and the guest's /init runs the loader under busybox sh with no network. The kernel must list
 * the module afterwards, exactly as when the load test insmods it itself.
 */

const root = join(import.meta.dirname, "../..");
// One boot: ~10 s on an idle machine, minutes on a busy one (see load-in-real-kernel.test.ts).
const BOOT_TIMEOUT = 240_000;

let work: string;
let release: string;
let artifactDir: string;

beforeEach((ctx) =>
  requireOrSkip(ctx, tool("qemu-system-x86_64"), tool("make"), file(BUILD_CACHE), file(BOOT_CACHE)),
);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kmodforge-loader-boot-"));
  release = (await bookworm61Releases("x86_64")).newest;
  const built = await runProcess(
    process.execPath,
    [
      join(root, "bin/kmodforge.js"),
      "build",
      ...["--kernel", release, "--distro", "debian", "--distro-version", "12", "--arch", "x86_64"],
      ...["--executor", "host", "--out", join(work, "out"), "--cache-dir", BUILD_CACHE, "--json"],
    ],
    { cwd: root, timeoutMs: 300_000 },
  );
  if (built.code !== 0) throw new Error(`kmodforge build failed:\n${built.stderr}`);
  artifactDir = (JSON.parse(built.stdout) as { artifactDir: string }).artifactDir;
}, 360_000);

function identity() {
  const parsed = parseIdentity({
    kernelRelease: release,
    distro: "debian",
    distroVersion: "12",
    arch: "x86_64",
  });
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the node loader in a real kernel", () => {
  it(
    "verifies, decompresses and loads a real artifact in the Debian kernel it was built for (verify --boot --loader)",
    async () => {
      const loader = join(root, "scripts/kmodforge-loader.sh");
      const cli = await runProcess(
        process.execPath,
        [
          join(root, "bin/kmodforge.js"),
          ...["verify", "--boot", "--module", artifactDir, "--loader", loader, "--json"],
          ...["--cache-dir", BOOT_CACHE, "--timeout", String(BOOT_TIMEOUT / 1000)],
        ],
        { cwd: root, timeoutMs: BOOT_TIMEOUT + 60_000 },
      );
      expect(cli.code, cli.stderr).toBe(0);
      const r = JSON.parse(cli.stdout) as Awaited<ReturnType<typeof bootTestForIdentity>>;
      expect(r.failures).toEqual([]);
      expect(r.guestRelease).toBe(release);
      const [m] = r.modules;
      expect(m).toMatchObject({ name: "kmodforge_sample", loaded: true, insmodRc: 0, unloaded: true });
      // The loader did it: its own words, after checking every SHA-256 of the artifact.
      expect(m!.insmodOutput).toContain("kmodforge-loader: loaded kmodforge_sample");
      expect(m!.procModulesLine).toMatch(/^kmodforge_sample \d+ 0 - Live 0x[0-9a-f]+ \(OE\)$/);
      expect(r.taint.added).toEqual(["O", "E"]);
      // --loader takes exactly one artifact directory, and only with --boot.
      const misuse = await runProcess(
        process.execPath,
        [join(root, "bin/kmodforge.js"), "verify", "--module", artifactDir, "--loader", loader],
        { cwd: root, timeoutMs: 60_000 },
      );
      expect(misuse.code).toBe(2);
      expect(misuse.stderr).toContain("--loader needs --boot");
    },
    BOOT_TIMEOUT + 120_000,
  );

  it(
    "refuses a tampered artifact in the guest: nothing is loaded, the loader's checksum code is reported",
    async () => {
      const tampered = join(work, "tampered");
      await cp(artifactDir, tampered, { recursive: true });
      const modules = (await collectModuleFiles([artifactDir])).files;
      // SHA256SUMS names another module hash: the module itself is intact (the host reads it), the loader refuses.
      const sums = join(tampered, "SHA256SUMS");
      await writeFile(
        sums,
        (await readFile(sums, "utf8")).replace(/^[0-9a-f]/, (c) => (c === "0" ? "1" : "0")),
      );
      const r = await bootTestForIdentity({
        identity: identity(),
        modules,
        loader: { script: join(root, "scripts/kmodforge-loader.sh"), artifactDir: tampered },
        cacheDir: BOOT_CACHE,
        timeoutMs: BOOT_TIMEOUT,
      });
      expect(r.booted).toBe(true);
      expect(r.ok).toBe(false);
      const [m] = r.modules;
      expect(m).toMatchObject({ loaded: false, insmodRc: LOADER_EXIT_CODES.CHECKSUM });
      expect(m!.insmodOutput).toContain("checksum mismatch");
    },
    BOOT_TIMEOUT + 60_000,
  );
});
