import type { Command } from "commander";
import { parseIdentity } from "../../core/identity.js";

export function registerIdentity(program: Command): void {
  program
    .command("identity")
    .description("Print the normalised identity of a kernel build (derived fields and header package names).")
    .requiredOption("--kernel <release>", "kernel release as uname -r prints it, e.g. 6.1.0-18-amd64")
    .requiredOption("--distro <name>", "distribution: ubuntu, debian, fedora, centos, almalinux, rocky, amazonlinux")
    .requiredOption("--distro-version <version>", "distribution version, e.g. 12, 22.04, 9, 2023")
    .requiredOption("--arch <arch>", "x86_64 or aarch64 (amd64 and arm64 accepted)")
    .option("--driver-version <version>", "version of the module being built")
    .option("--json", "print JSON")
    .action((opts) => {
      const result = parseIdentity({
        kernelRelease: opts.kernel,
        distro: opts.distro,
        distroVersion: opts.distroVersion,
        arch: opts.arch,
        driverVersion: opts.driverVersion,
      });
      if (!result.ok) throw result.error;
      const id = result.value;
      if (opts.json) process.stdout.write(`${JSON.stringify(id, null, 2)}\n`);
      else {
        for (const [k, v] of Object.entries(id)) {
          if (k === "headerPackages") continue;
          process.stdout.write(`${k}: ${v}\n`);
        }
        process.stdout.write(`headerPackages: ${id.headerPackages.map((p) => p.name).join(" ")}\n`);
      }
    });
}
