import type { Command } from "commander";
import { cacheSubdir } from "../../adapters/cache-dir.js";
import { resolveAndFetch } from "../../adapters/resolve-and-fetch.js";
import { planHeaders, resolveHeaders } from "../../adapters/resolver.js";
import { createSourceLinks } from "../../adapters/sources/index.js";
import { loadTargets } from "../../adapters/targets-fs.js";
import type { Arch } from "../../core/arch.js";
import { normaliseArch } from "../../core/arch.js";
import { InvalidInputError, KmodforgeError } from "../../core/errors.js";
import { explicitUrlLinkFromInputs } from "../../core/headers/explicit-url.js";
import type { PackageCandidate, TraceEntry } from "../../core/headers/types.js";
import { parseIdentity } from "../../core/identity.js";
import { findTarget } from "../../core/targets.js";
import { hostArch } from "../../executors/build.js";
import { collect } from "./sweep-common.js";

/**
 * `kmodforge resolve`: the exact header packages a kernel's build needs, found through its target's fallback
 * chain (repository metadata first, explicit URLs next, build-system archives last) and verified.
 */
export function registerResolve(program: Command): void {
  program
    .command("resolve")
    .description(
      "Resolve and verify the header packages for one kernel through its fallback chain. Prints each chosen package (name, version, url, sha256, source link) and the trace of every link tried; --offline prints the plan (every URL the chain would try, in order) without network.",
    )
    .requiredOption("--kernel <release>", "kernel release as uname -r prints it")
    .requiredOption("--distro <name>", "distribution")
    .requiredOption("--distro-version <version>", "distribution version")
    .requiredOption("--arch <arch>", "x86_64 or aarch64 (amd64 and arm64 accepted)")
    .option(
      "--host-arch <arch>",
      "arch of the machine that will compile (decides the kbuild package of cross builds)",
    )
    .option("--targets <dir>", "targets policy directory (default: the repository's targets/)")
    .option(
      "--header-url <url>",
      "extra package URL tried first, optionally with #sha256=<hex> (repeatable)",
      collect,
    )
    .option("--allow-unverified", "accept packages whose checksum is unknown")
    .option("--download <dir>", "also download the packages (verified) into this cache directory")
    .option("--offline", "print the plan only; no network")
    .option("--json", "print JSON")
    .action(async (opts) => {
      const host: Arch | undefined = opts.hostArch ? normaliseArch(opts.hostArch) : hostArch();
      if (!host)
        throw new InvalidInputError([
          {
            field: "host-arch",
            given: opts.hostArch,
            expected: "x86_64 or aarch64",
            message: `host-arch: unknown ${JSON.stringify(opts.hostArch)}`,
          },
        ]);
      const id = parseIdentity(
        {
          kernelRelease: opts.kernel,
          distro: opts.distro,
          distroVersion: opts.distroVersion,
          arch: opts.arch,
        },
        { hostArch: host },
      );
      if (!id.ok) throw id.error;
      const target = findTarget(await loadTargets(opts.targets), id.value.distro, id.value.distroVersion);
      if (!target)
        throw new KmodforgeError(
          "UNSUPPORTED_TARGET",
          `${id.value.distro} ${id.value.distroVersion} is not in the targets policy`,
        );
      const options = {
        target,
        hostArch: host,
        requireVerified: !opts.allowUnverified,
        links: createSourceLinks({ aptStateRoot: cacheSubdir("apt") }),
        ...(opts.headerUrl ? { extraLinks: [explicitUrlLinkFromInputs(opts.headerUrl)] } : {}),
      };
      if (opts.offline) {
        const plan = await planHeaders(id.value, options);
        if (opts.json) process.stdout.write(`${JSON.stringify({ identity: id.value, plan }, null, 2)}\n`);
        else
          for (const p of plan)
            process.stdout.write(`${p.source.padEnd(28)} ${p.kind.padEnd(7)} ${p.package}  ${p.url}\n`);
        return;
      }
      // --download goes through the one resolve-and-fetch path, which moves on past mirror gaps.
      const { resolved, fetched: downloaded } = opts.download
        ? await resolveAndFetch(id.value, {
            ...options,
            cacheDir: opts.download,
            allowUnverified: Boolean(opts.allowUnverified),
          })
        : { resolved: await resolveHeaders(id.value, options), fetched: [] };
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ ...resolved, downloaded: downloaded.map((d) => ({ name: d.candidate.name, path: d.path, sha256: d.sha256 })) }, null, 2)}\n`,
        );
        return;
      }
      process.stdout.write(renderPackages(resolved.packages));
      process.stdout.write(renderTrace(resolved.trace));
      for (const d of downloaded) process.stdout.write(`downloaded ${d.path}\n`);
    });
}

function renderPackages(packages: PackageCandidate[]): string {
  return packages
    .map(
      (p) =>
        `${p.name} ${p.version} (${p.packageArch})\n  url:    ${p.url}\n  sha256: ${p.sha256 ?? "unknown (unverified)"}\n  source: ${p.source}${p.signedBy ? `, signed by ${p.signedBy}` : ""}\n`,
    )
    .join("");
}

function renderTrace(trace: TraceEntry[]): string {
  return `trace:\n${trace.map((t) => `  ${t.outcome === "found" ? "found" : "miss "} ${t.source} ${t.package}${t.reason ? ` (${t.reason}: ${t.detail ?? ""})` : ""}`).join("\n")}\n`;
}
