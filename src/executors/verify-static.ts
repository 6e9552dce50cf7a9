import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readModuleBytes } from "../adapters/module-files.js";
import type { Arch } from "../core/arch.js";
import type { KernelIdentity } from "../core/identity.js";
import { type CheckResult, packageExports, runVerifyChecks } from "../core/verify/gate.js";
import { prepareHeaders } from "./prepare-headers.js";

/**
 * Runs the verify gate on already built modules (one package: they may import each other's symbols) against the
 * headers of the kernel they claim to be for; one check list per module, in the order given.
 */
export async function verifyStatic(options: {
  identity: KernelIdentity;
  modules: readonly string[];
  cacheDir: string;
  hostArch: Arch;
  targetsDir?: string;
}): Promise<CheckResult[][]> {
  const modules = await Promise.all(
    options.modules.map(async (path) => ({ name: path, bytes: await readModuleBytes(path) })),
  );
  const { tree } = await prepareHeaders(options.identity, {
    cacheDir: options.cacheDir,
    hostArch: options.hostArch,
    ...(options.targetsDir ? { targetsDir: options.targetsDir } : {}),
  });
  const [kernelConfig, symvers] = await Promise.all([
    readFile(join(tree.buildDir, "include/config/auto.conf"), "utf8"),
    readFile(join(tree.buildDir, "Module.symvers"), "utf8"),
  ]);
  const exports = packageExports(modules);
  return modules.map((m) =>
    runVerifyChecks({
      module: m.bytes,
      kernelRelease: options.identity.kernelRelease,
      arch: options.identity.arch,
      kernelConfig,
      symvers,
      packageExports: exports,
    }),
  );
}
