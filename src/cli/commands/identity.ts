import type { Command } from "commander";
import { loadTargets } from "../../adapters/targets-fs.js";
import { InvalidInputError } from "../../core/errors.js";
import type { KernelIdentity } from "../../core/identity.js";
import { artifactName } from "../../core/naming.js";
import { checkSupport } from "../../core/support.js";
import { addIdentityOptions, identityFromFlags } from "./identity-options.js";

interface IdentityOptions {
  kernel: string;
  distro: string;
  distroVersion: string;
  arch: string;
  driverVersion?: string;
  module?: string;
  targets?: string;
  json?: boolean;
}

export interface IdentityReport extends KernelIdentity {
  supported: boolean;
  reason: string;
  /** When targets/ marks the version end-of-life: its `eol` note (sweeps include it unless --exclude-eol). */
  eol?: string;
  artifactName?: string;
}

/** Parses the identity, checks it against targets/ and names its artifact. Throws InvalidInputError. */
export async function identityReport(opts: IdentityOptions): Promise<IdentityReport> {
  const id = identityFromFlags(opts);
  const verdict = checkSupport(id, await loadTargets(opts.targets));
  const report: IdentityReport = {
    ...id,
    supported: verdict.supported,
    reason: verdict.reason,
    ...(verdict.target?.eol !== undefined ? { eol: verdict.target.eol } : {}),
  };
  if (opts.module !== undefined) {
    if (!id.driverVersion) {
      throw new InvalidInputError([
        {
          field: "driverVersion",
          given: "",
          expected: "a version such as 1.2.3",
          message: "driverVersion: --module needs --driver-version to name the artifact",
        },
      ]);
    }
    const name = artifactName({ module: opts.module, driverVersion: id.driverVersion, identity: id });
    if (!name.ok) throw name.error;
    report.artifactName = name.value;
  }
  return report;
}

function printText(report: IdentityReport): void {
  for (const [key, value] of Object.entries(report)) {
    if (key === "headerPackages") continue;
    process.stdout.write(`${key}: ${value}\n`);
  }
  const packages = report.headerPackages.map((p) =>
    p.version ? `${p.name}-${p.version}` : p.versionPrefix ? `${p.name}-${p.versionPrefix}.*` : p.name,
  );
  process.stdout.write(`headerPackages: ${packages.join(" ")}\n`);
}

/**
 * `kmodforge identity`: the normalised identity of a kernel build (upstream version, ABI, flavour, distribution
 * tag, header packages), whether targets/ supports it and why, and the artifact name when a module is given.
 * Exit 0 for a valid identity (supported or not), 2 for invalid input.
 */
export function registerIdentity(program: Command): void {
  addIdentityOptions(program.command("identity"))
    .description(
      "Print the normalised identity of a kernel build, its support verdict and header package names.",
    )
    .option("--driver-version <version>", "version of the module being built")
    .option("--module <name>", "module name; with --driver-version, prints the artifact name")
    .option("--targets <dir>", "directory of targets/*.yaml (default: the repository's targets/)")
    .option("--json", "print JSON")
    .action(async (opts: IdentityOptions) => {
      const report = await identityReport(opts);
      if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printText(report);
    });
}
