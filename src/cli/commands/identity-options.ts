import { type Command, Option } from "commander";
import { type KernelIdentity, parseIdentity } from "../../core/identity.js";
import { distroOptionHelp, versionOptionHelp } from "../../distros/registry.js";

/** Adds the four flags that name a kernel identity (`--kernel`, `--distro`, `--distro-version`, `--arch`). */
export function addIdentityOptions(cmd: Command): Command {
  for (const option of identityOptions()) cmd.addOption(option);
  return cmd;
}

function identityOptions(): Option[] {
  return [
    new Option(
      "--kernel <release>",
      "kernel release as uname -r prints it, e.g. 6.1.0-18-amd64",
    ).makeOptionMandatory(),
    new Option("--distro <name>", distroOptionHelp()).makeOptionMandatory(),
    new Option("--distro-version <version>", versionOptionHelp()).makeOptionMandatory(),
    new Option("--arch <arch>", "x86_64 or aarch64 (amd64 and arm64 accepted)").makeOptionMandatory(),
  ];
}

export interface IdentityFlags {
  kernel: string;
  distro: string;
  distroVersion: string;
  arch: string;
  driverVersion?: string;
}

/** The identity the flags name, validated and normalised; throws InvalidInputError (exit 2) naming each field. */
export function identityFromFlags(opts: IdentityFlags): KernelIdentity {
  const result = parseIdentity({
    kernelRelease: opts.kernel,
    distro: opts.distro,
    distroVersion: opts.distroVersion,
    arch: opts.arch,
    driverVersion: opts.driverVersion,
  });
  if (!result.ok) throw result.error;
  return result.value;
}
