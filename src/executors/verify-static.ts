import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { runProcess } from "../adapters/run-process.js";
import type { Arch } from "../core/arch.js";
import { KmodforgeError } from "../core/errors.js";
import type { KernelIdentity } from "../core/identity.js";
import { type CheckResult, runVerifyChecks } from "../core/verify/gate.js";
import { prepareHeaders } from "./prepare-headers.js";

/** Runs the verify gate on an already built module against the headers of the kernel it claims to be for. */
export async function verifyStatic(options: {
  identity: KernelIdentity;
  module: string;
  cacheDir: string;
  hostArch: Arch;
  targetsDir?: string;
}): Promise<CheckResult[]> {
  let bytes: Buffer;
  if (options.module.endsWith(".xz")) {
    const r = await runProcess("xz", ["-dc", options.module], {
      timeoutMs: 120_000,
      maxOutputBytes: 512 * 1024 * 1024,
    });
    if (r.code !== 0)
      throw new KmodforgeError("VERIFY_FAILED", `cannot decompress ${options.module}: ${r.stderr.trim()}`);
    bytes = r.stdoutBytes;
  } else bytes = await readFile(options.module);
  const { tree } = await prepareHeaders(options.identity, {
    cacheDir: options.cacheDir,
    hostArch: options.hostArch,
    ...(options.targetsDir ? { targetsDir: options.targetsDir } : {}),
  });
  const [kernelConfig, symvers] = await Promise.all([
    readFile(join(tree.buildDir, "include/config/auto.conf"), "utf8"),
    readFile(join(tree.buildDir, "Module.symvers"), "utf8"),
  ]);
  return runVerifyChecks({
    module: bytes,
    kernelRelease: options.identity.kernelRelease,
    arch: options.identity.arch,
    kernelConfig,
    symvers,
  });
}
