import type { Command } from "commander";
import { defaultCacheRoot } from "../../adapters/cache-dir.js";
import { InvalidInputError } from "../../core/errors.js";
import { buildLocal } from "../../executors/local.js";
import { choiceOption } from "./sweep-common.js";

/** `kmodforge build`: one kernel identity → a verified, packaged module. */
export function registerBuild(program: Command): void {
  program
    .command("build")
    .description(
      "Build the module for one kernel: resolve → fetch → extract → compile → verify → package. Writes <out>/<artifact>/ with the .ko.xz, metadata.json, SHA256SUMS and build.log.",
    )
    .requiredOption("--kernel <release>", "kernel release as uname -r prints it, e.g. 6.1.0-18-amd64")
    .requiredOption(
      "--distro <name>",
      "distribution: ubuntu, debian, fedora, centos, almalinux, rocky, amazonlinux",
    )
    .requiredOption("--distro-version <version>", "distribution version, e.g. 12, 22.04, 9, 2023")
    .requiredOption("--arch <arch>", "x86_64 or aarch64 (amd64 and arm64 accepted)")
    .option(
      "--driver-version <version>",
      "version recorded in the artifact name (default: the module's MODULE_VERSION)",
    )
    .option("--source <dir>", "module source directory (default: the sample module in kernel-module/)")
    .option("--out <dir>", "output directory", "out")
    .addOption(
      choiceOption(
        "--executor <kind>",
        "where to build: local (this host; containers are `dagger call build`)",
        ["local"],
        "local",
      ),
    )
    .option("--targets <dir>", "targets policy directory (default: the repository's targets/)")
    .option(
      "--cache-dir <dir>",
      `package, header tree and apt cache (default ${defaultCacheRoot()}; see docs/cache.md)`,
    )
    .option(
      "--toolchain-root <dir>",
      "a root filesystem of the kernel's own suite to compile in (chroot), when this host lacks its compiler",
    )
    .option(
      "--allow-compiler-mismatch",
      "build even when the compiler's major version differs from the kernel's",
    )
    .option("--sign-key <file>", "private key for sign-file (signs before compression)")
    .option("--sign-cert <file>", "X.509 certificate matching --sign-key")
    .option("--json", "print the result as JSON")
    .action(async (opts) => {
      if (Boolean(opts.signKey) !== Boolean(opts.signCert)) {
        throw new InvalidInputError([
          {
            field: "sign-cert",
            given: "",
            expected: "--sign-key and --sign-cert together",
            message: "--sign-key and --sign-cert go together",
          },
        ]);
      }
      const result = await buildLocal({
        kernelRelease: opts.kernel,
        distro: opts.distro,
        distroVersion: opts.distroVersion,
        arch: opts.arch,
        ...(opts.driverVersion ? { driverVersion: opts.driverVersion } : {}),
        ...(opts.source ? { moduleDir: opts.source } : {}),
        outDir: opts.out,
        ...(opts.targets ? { targetsDir: opts.targets } : {}),
        ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
        ...(opts.toolchainRoot ? { toolchainRoot: opts.toolchainRoot } : {}),
        ...(opts.allowCompilerMismatch ? { allowCompilerMismatch: true } : {}),
        ...(opts.signKey ? { signKey: opts.signKey, signCert: opts.signCert } : {}),
        onStep: opts.json ? undefined : (step, ms) => process.stderr.write(`  ${step.padEnd(8)} ${ms} ms\n`),
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else {
        process.stdout.write(`built ${result.artifact}\n`);
        for (const c of result.checks) process.stdout.write(`  ✓ ${c.check}: ${c.actual}\n`);
      }
    });
}
