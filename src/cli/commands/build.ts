import { type Command, Option } from "commander";
import { defaultCacheRoot } from "../../adapters/cache-dir.js";
import { InvalidInputError } from "../../core/errors.js";
import { distroOptionHelp, versionOptionHelp } from "../../distros/registry.js";
import { buildModule, type ExecutorRequest } from "../../executors/build.js";
import { openPublisher, publishOption, publishSignKeyOption } from "./publish-step.js";
import { storeOptions } from "./store-options.js";
import { progress } from "./sweep-common.js";

/** `kmodforge build`: one kernel identity → a verified, packaged module package. */
export function registerBuild(program: Command): void {
  const command = program
    .command("build")
    .description(
      "Build the module package for one kernel: resolve → fetch → extract headers → compile → package → verify and seal. " +
        "Writes <out>/<artifact>/ with one .ko.xz per module, metadata.json, SHA256SUMS and build.log. " +
        "The compile runs on this host when it has the kernel's compiler, else in the kernel's builder image (podman).",
    )
    .requiredOption("--kernel <release>", "kernel release as uname -r prints it, e.g. 6.1.0-18-amd64")
    .requiredOption("--distro <name>", distroOptionHelp())
    .requiredOption("--distro-version <version>", versionOptionHelp())
    .requiredOption("--arch <arch>", "x86_64 or aarch64 (amd64 and arm64 accepted)")
    .option(
      "--driver-version <version>",
      "version recorded in the artifact names (default: the package's version, e.g. MODULE_VERSION)",
    )
    .option("--source <dir>", "module source directory (default: the sample module in kernel-module/)")
    .option("--out <dir>", "output directory", "out")
    .addOption(
      new Option(
        "--executor <kind>",
        "where the compile runs: auto (this host when it has the kernel's compiler and arch tools, else a container), host, container",
      )
        .choices(["auto", "host", "container"])
        .default("auto"),
    )
    .option("--targets <dir>", "targets policy directory (default: the repository's targets/)")
    .option(
      "--cache-dir <dir>",
      `package, header tree and apt cache (default ${defaultCacheRoot()}; see docs/cache.md)`,
    )
    .option(
      "--allow-compiler-mismatch",
      "build even when the compiler's major version differs from the kernel's",
    )
    .option("--sign-key <file>", "private key for sign-file (signs before compression)")
    .option("--sign-cert <file>", "X.509 certificate matching --sign-key")
    .option("--json", "print the result as JSON")
    .addOption(publishOption("none"))
    .addOption(publishSignKeyOption())
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
      const result = await buildModule({
        kernelRelease: opts.kernel,
        distro: opts.distro,
        distroVersion: opts.distroVersion,
        arch: opts.arch,
        executor: opts.executor as ExecutorRequest,
        ...(opts.driverVersion ? { driverVersion: opts.driverVersion } : {}),
        ...(opts.source ? { moduleDir: opts.source } : {}),
        outDir: opts.out,
        ...(opts.targets ? { targetsDir: opts.targets } : {}),
        ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
        ...(opts.allowCompilerMismatch ? { allowCompilerMismatch: true } : {}),
        ...(opts.signKey ? { signKey: opts.signKey, signCert: opts.signCert } : {}),
        onStep: opts.json ? undefined : (step, ms) => process.stderr.write(`  ${step.padEnd(8)} ${ms} ms\n`),
      });
      const publish = await publishBuilt(opts, result.artifactDir);
      if (opts.json) process.stdout.write(`${JSON.stringify({ ...result, ...publish }, null, 2)}\n`);
      else {
        const m = result.metadata;
        process.stdout.write(
          `built ${result.artifactDir} (${result.executor}${m.builder.image ? ` ${m.builder.image}` : ""})\n`,
        );
        for (const mod of m.modules)
          process.stdout.write(`  ${mod.file}: ${mod.checks.map((c) => `✓ ${c.check}`).join(" ")}\n`);
        for (const i of publish.published?.indexes ?? []) process.stdout.write(`published: ${i.url}\n`);
      }
    });
  for (const option of storeOptions()) command.addOption(option);
}

/** `--publish <store>`: the thin step after a successful build (a refused publish exits 12). */
async function publishBuilt(opts: Parameters<typeof openPublisher>[0], dir: string) {
  const publisher = await openPublisher(opts, "none", progress(true));
  if (!publisher) return {};
  try {
    return { published: await publisher.publish(dir) };
  } finally {
    publisher.close();
  }
}
