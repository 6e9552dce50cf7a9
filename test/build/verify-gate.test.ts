import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { collectModuleFiles } from "../../src/adapters/module-files.js";
import { verifyModuleSignature } from "../../src/adapters/module-signature.js";
import { KmodforgeError, VerifyFailedError } from "../../src/core/errors.js";
import { assertVerified, runVerifyChecks, type VerifyInput } from "../../src/core/verify/gate.js";
import { type BuildResult, buildModule } from "../../src/executors/build.js";
import { unservedRelease } from "../support/mirror-releases.js";
import { BUILD_CACHE, newestRelease } from "./support.js";

/** Every check of the verify gate, passing on a real build and failing on each kind of wrong input. */

const work = mkdtempSync(join(tmpdir(), "kmodforge-gate-"));
let built: BuildResult;
let artifact = "";
let good: VerifyInput;

beforeAll(async () => {
  const kernel = await newestRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/);
  built = await buildModule({
    kernelRelease: kernel,
    distro: "debian",
    distroVersion: "12",
    arch: "x86_64",
    outDir: work,
    cacheDir: BUILD_CACHE,
    executor: "host",
  });
  artifact = join(built.artifactDir, built.metadata.modules[0]!.file);
  good = {
    module: execFileSync("xz", ["-dc", artifact]),
    kernelRelease: kernel,
    arch: "x86_64",
    kernelConfig: readFileSync(join(built.headersTree, "include/config/auto.conf"), "utf8"),
    symvers: readFileSync(join(built.headersTree, "Module.symvers"), "utf8"),
  };
}, 600_000);

function failedCheck(input: VerifyInput): VerifyFailedError {
  try {
    assertVerified(input);
  } catch (err) {
    if (err instanceof VerifyFailedError) return err;
    throw err;
  }
  throw new Error("the gate accepted a bad module");
}

describe("verify gate", () => {
  it("passes every check for a real build", () => {
    const results = runVerifyChecks(good);
    expect(results.map((r) => [r.check, r.ok])).toEqual([
      ["elf", true],
      ["vermagic-release", true],
      ["vermagic-flags", true],
      ["symbol-crcs", true],
      ["license", true],
    ]);
  });

  it("fails on a wrong kernel release, naming both values", () => {
    const other = unservedRelease(good.kernelRelease);
    const err = failedCheck({ ...good, kernelRelease: other });
    expect(err.details).toMatchObject({
      check: "vermagic-release",
      expected: other,
      actual: good.kernelRelease,
    });
  });

  it("fails on a wrong arch", () => {
    const err = failedCheck({ ...good, arch: "aarch64" });
    expect(err.details.check).toBe("elf");
    expect(String(err.details.expected)).toContain("AArch64");
  });

  it("fails when an imported CRC differs from Module.symvers", () => {
    const symvers = good.symvers.replace(/^0x[0-9a-f]+(\t_printk\t)/m, "0xdeadbeef$1");
    const err = failedCheck({ ...good, symvers });
    expect(err.details.check).toBe("symbol-crcs");
    expect(String(err.details.actual)).toContain("_printk: kernel 0xdeadbeef");
  });

  it("fails when the vermagic flags differ from the kernel's configuration", () => {
    const kernelConfig = good.kernelConfig.replace(/^CONFIG_PREEMPT_BUILD=y$/m, "");
    const err = failedCheck({ ...good, kernelConfig });
    expect(err.details.check).toBe("vermagic-flags");
    expect(err.details.actual).toContain("preempt");
  });

  it("fails on something that is not a kernel module", () => {
    expect(
      failedCheck({ ...good, module: Buffer.from("not an ELF file at all, just text") }).details.check,
    ).toBe("elf");
  });

  it("refuses a tampered artifact through SHA256SUMS", async () => {
    const bytes = readFileSync(artifact);
    const tampered = join(work, "tampered");
    execFileSync("cp", ["-r", built.artifactDir, tampered]);
    const file = join(tampered, built.metadata.modules[0]!.file);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 40) ^ 0xff, bytes.length - 40);
    writeFileSync(file, bytes);
    expect(() =>
      execFileSync("sha256sum", ["--quiet", "-c", "SHA256SUMS"], { cwd: tampered, stdio: "pipe" }),
    ).toThrow();
    const err = await collectModuleFiles([tampered]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmodforgeError);
    expect((err as KmodforgeError).code).toBe("CHECKSUM_MISMATCH");
  });
});

describe("signing", () => {
  it("signs before compression and the signature verifies; another certificate does not", async () => {
    const keys = mkdtempSync(join(tmpdir(), "kmodforge-keys-"));
    const makeKey = (name: string) =>
      execFileSync(
        "openssl",
        [
          "req",
          "-new",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "1",
          "-subj",
          `/CN=${name}`,
          "-keyout",
          join(keys, `${name}.key`),
          "-outform",
          "DER",
          "-out",
          join(keys, `${name}.der`),
        ],
        { stdio: "pipe" },
      );
    makeKey("signer");
    makeKey("stranger");
    const signed = await buildModule({
      kernelRelease: good.kernelRelease,
      distro: "debian",
      distroVersion: "12",
      arch: "x86_64",
      outDir: join(work, "signed"),
      cacheDir: BUILD_CACHE,
      signKey: join(keys, "signer.key"),
      signCert: join(keys, "signer.der"),
      executor: "host",
    });
    expect(signed.metadata.signed).toBe(true);
    const ko = join(keys, "module.ko");
    writeFileSync(
      ko,
      execFileSync("xz", ["-dc", join(signed.artifactDir, signed.metadata.modules[0]!.file)]),
    );
    expect(readFileSync(ko).subarray(-28).toString("latin1")).toBe("~Module signature appended~\n");
    await verifyModuleSignature(ko, join(keys, "signer.der"));
    await expect(verifyModuleSignature(ko, join(keys, "stranger.der"))).rejects.toThrow(/signature/);
    // A signed module still passes the gate: the signature sits after the ELF data.
    expect(runVerifyChecks({ ...good, module: readFileSync(ko) }).every((r) => r.ok)).toBe(true);
  });
});
