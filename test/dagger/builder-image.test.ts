import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { COLLECT_AND_PACKAGE } from "../../src/dagger/build-pipeline.js";
import { verifyFacts } from "../../src/dagger/facts.js";
import { newestRelease } from "../build/support.js";

/**
 * The real thing up to the engine: dockerfiles/debian.Dockerfile built with buildah (runc) from a debootstrapped
 * bookworm imported as debian:bookworm, then the pipeline's scripts run inside it against real Debian headers.
 */
const run = promisify(execFile);
const HERE = import.meta.dirname;
const ROOT = join(HERE, "../..");
const canRun = process.getuid?.() === 0 && existsSync("/usr/bin/buildah") && existsSync("/usr/bin/podman");
const dirs: string[] = [];

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The newest bookworm 6.1 ABI the mirror serves today (ABIs roll off the archive). */
let abiOnce: Promise<string> | undefined;
const currentAbi = () =>
  (abiOnce ??= newestRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/).then((r) =>
    r.replace(/-amd64$/, ""),
  ));

async function buildIn(image: string, darch: "amd64" | "arm64", arch: "x86_64" | "aarch64") {
  const abi = await currentAbi();
  const pkgs = (await run("bash", [join(HERE, "fetch-debian-headers.sh"), abi, darch])).stdout.trim();
  const out = await mkdtemp(join(tmpdir(), `kmodforge-builder-${darch}-`));
  dirs.push(out);
  const release = `${abi}-${darch}`;
  await run(
    "bash",
    [
      join(HERE, "run-in-builder.sh"),
      image,
      pkgs,
      join(ROOT, "kernel-module"),
      out,
      arch,
      release,
      COLLECT_AND_PACKAGE,
    ],
    { timeout: 300_000 },
  );
  const files = await readdir(join(out, "out"));
  expect(files.filter((f) => f.endsWith(".ko.xz"))).toEqual(["kmodforge_sample.ko.xz"]);
  const xz = await readFile(join(out, "out/kmodforge_sample.ko.xz"));
  expect(xz.subarray(0, 6).toString("latin1")).toBe("\xfd7zXZ\x00");
  const facts = await readFile(join(out, "out/facts.txt"), "utf8");
  return {
    release,
    facts,
    compiler: (await readFile(join(out, "out/compiler.txt"), "utf8")).trim(),
  };
}

describe.skipIf(!canRun)("Debian builder image (buildah, runc)", () => {
  let image = "";

  it("builds from dockerfiles/debian.Dockerfile", async () => {
    image = (
      await run("bash", [join(HERE, "build-debian-image.sh")], { timeout: 900_000, maxBuffer: 64 << 20 })
    ).stdout
      .trim()
      .split("\n")
      .at(-1) as string;
    expect(image).toBe("localhost/kmodforge-builder-debian:bookworm-cross");
  }, 900_000);

  it("compiles a verified x86_64 module against real bookworm 6.1 headers", async () => {
    const r = await buildIn(image, "amd64", "x86_64");
    const gate = verifyFacts(
      { identity: { distro: "debian", distroVersion: "12", arch: "x86_64", kernelRelease: r.release } },
      r.facts,
    );
    expect(gate).toMatchObject({ ok: true, problems: [] });
    expect(gate.facts.elf_machine).toBe("62");
    expect(Number(gate.facts.crc_checked)).toBeGreaterThan(10);
    expect(gate.facts.crc_mismatch).toBe("0");
    expect(r.compiler).toMatch(/^gcc-12 \(Debian 12\.2\.0/);
  }, 300_000);

  it("cross-compiles a verified aarch64 module with host kbuild tools (no emulation)", async () => {
    const r = await buildIn(image, "arm64", "aarch64");
    const gate = verifyFacts(
      { identity: { distro: "debian", distroVersion: "12", arch: "aarch64", kernelRelease: r.release } },
      r.facts,
    );
    expect(gate).toMatchObject({ ok: true, problems: [] });
    expect(gate.facts.vermagic).toMatch(/ aarch64$/);
    expect(r.compiler).toMatch(/^aarch64-linux-gnu-gcc-12 /);
  }, 300_000);

  it("the gate rejects the amd64 module for the arm64 kernel", async () => {
    const r = await buildIn(image, "amd64", "x86_64");
    const gate = verifyFacts(
      {
        identity: {
          distro: "debian",
          distroVersion: "12",
          arch: "aarch64",
          kernelRelease: `${await currentAbi()}-arm64`,
        },
      },
      r.facts,
    );
    expect(gate.ok).toBe(false);
    expect(gate.problems.join("\n")).toMatch(/ELF machine/);
    expect(gate.problems.join("\n")).toMatch(/does not start with 6\.1\.0-56-arm64/);
  }, 300_000);
});
