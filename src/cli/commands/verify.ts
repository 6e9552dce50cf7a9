import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { cacheSubdir, defaultCacheRoot } from "../../adapters/cache-dir.js";
import { collectModuleFiles } from "../../adapters/module-files.js";
import { EXERCISE_IN_SOURCE } from "../../core/boot/init-script.js";
import { EXIT_CODES, KmodforgeError } from "../../core/errors.js";
import { type KernelIdentity, parseIdentity } from "../../core/identity.js";
import { distroOptionHelp, hostAptFamily, versionOptionHelp } from "../../distros/registry.js";
import { hostArch } from "../../executors/build.js";
import { bootTestForIdentity, type IdentityBootTestResult } from "../../executors/kernel-boot-test.js";
import { verifyStatic } from "../../executors/verify-static.js";
import { collect } from "./sweep-common.js";

interface VerifyOptions {
  kernel?: string;
  distro?: string;
  distroVersion?: string;
  arch?: string;
  module: string[];
  boot?: boolean;
  exercise?: string;
  source?: string;
  kernelImage?: string;
  busybox?: string;
  timeout: string;
  cacheDir?: string;
  serialLog?: string;
  loader?: string;
  json?: boolean;
}

/**
 * `kmodforge verify --boot`: boots the real kernel of the target under QEMU, loads the module(s) in dependency
 * order (with the kernel's own modules they depend on), runs the source's exercise script when it has one, unloads
 * them, and exits 0 only if all of that worked in that kernel.
 */
export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description(
      "Verify built modules against a kernel. Without --boot: the static gate (vermagic release and flags, ELF machine, imported symbol CRCs against the kernel's Module.symvers). With --boot: boot the distribution's real kernel image for that release " +
        "under QEMU (software emulation, ~10 s), insmod every module in dependency order (the kernel's own modules they depend on first), " +
        "run the source's exercise script if it has one, rmmod them in reverse, and report what the kernel said. " +
        "Exit 0 only when every module loaded and unloaded cleanly, the kernel logged no oops, BUG or WARNING and added no taint beyond O and E, and the exercise (if any) passed.",
    )
    .option(
      "--kernel <release>",
      "kernel release as uname -r prints it, e.g. 6.1.0-18-amd64 (default: the artifact's metadata.json)",
    )
    .option(
      "--distro <name>",
      `${distroOptionHelp()}; kernel images are fetched for the host's apt family (${hostAptFamily().distros.join(", ")}), others need --kernel-image; default: the artifact's`,
    )
    .option("--distro-version <version>", `${versionOptionHelp()} (default: the artifact's)`)
    .option("--arch <arch>", "x86_64 or aarch64 (amd64 and arm64 accepted; default: the artifact's)")
    .requiredOption(
      "--module <path>",
      "a .ko / .ko.xz file or an artifact directory; repeat for several (load order)",
      collect,
    )
    .option("--boot", "load test: boot the real kernel under QEMU and load the module(s)")
    .option(
      "--source <dir>",
      `the module source: its ${EXERCISE_IN_SOURCE}, when present, runs in the guest after loading`,
    )
    .option(
      "--exercise <script>",
      `shell script run in the guest after loading (instead of the source's ${EXERCISE_IN_SOURCE}; default: none)`,
    )
    .option("--kernel-image <vmlinuz>", "boot this kernel image instead of fetching the distribution's")
    .option(
      "--busybox <path>",
      "static busybox for the target arch (default: Debian's busybox-static, fetched)",
    )
    .option("--timeout <seconds>", "hard limit for the boot; QEMU is killed after it", "180")
    .option(
      "--cache-dir <dir>",
      `cache directory (default ${defaultCacheRoot()}, with --boot ${cacheSubdir("boot")}; see docs/cache.md)`,
    )
    .option("--serial-log <file>", "write the guest's full serial console here")
    .option(
      "--loader <script>",
      "with --boot: load through the node loader (scripts/kmodforge-loader.sh --from-dir) from the one artifact directory given, as a node does (docs/service.md)",
    )
    .option("--json", "print the result as JSON on stdout")
    .action(async (opts: VerifyOptions) => {
      const set = await collectModuleFiles(opts.module);
      const id = parseIdentity({
        kernelRelease: opts.kernel ?? set.identity?.kernelRelease,
        distro: opts.distro ?? set.identity?.distro,
        distroVersion: opts.distroVersion ?? set.identity?.distroVersion,
        arch: opts.arch ?? set.identity?.arch,
      });
      if (!id.ok) throw id.error;
      const loader = opts.loader ? await loaderInput(opts.loader, opts) : undefined;
      if (!opts.boot) {
        await runStatic(id.value, set.files, opts);
        return;
      }
      const timeoutSec = Number(opts.timeout);
      if (!Number.isInteger(timeoutSec) || timeoutSec < 10 || timeoutSec > 3600) {
        throw new KmodforgeError(
          "INVALID_INPUT",
          `--timeout: expected whole seconds between 10 and 3600, got ${JSON.stringify(opts.timeout)}`,
        );
      }
      const modules = set.files;
      const exerciseScript = await exerciseOf(opts);
      const result = await bootTestForIdentity({
        identity: id.value,
        modules,
        cacheDir: opts.cacheDir ?? cacheSubdir("boot"),
        timeoutMs: timeoutSec * 1000,
        ...(exerciseScript !== undefined ? { exerciseScript } : {}),
        ...(opts.kernelImage ? { kernelImage: opts.kernelImage } : {}),
        ...(opts.busybox ? { busybox: opts.busybox } : {}),
        ...(opts.serialLog ? { serialLogPath: opts.serialLog } : {}),
        ...(loader ? { loader } : {}),
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(renderText(result));
      if (!result.ok) {
        for (const failure of result.failures) process.stderr.write(`kmodforge: load test: ${failure}\n`);
        process.exitCode = EXIT_CODES.VERIFY_FAILED;
      }
    });
}

/** --exercise, else the source's own exercise script, else none. */
async function exerciseOf(opts: VerifyOptions): Promise<string | undefined> {
  if (opts.exercise) return readFile(opts.exercise, "utf8");
  if (!opts.source) return undefined;
  if (!existsSync(opts.source))
    throw new KmodforgeError("INVALID_INPUT", `--source ${opts.source} does not exist`);
  const path = join(opts.source, EXERCISE_IN_SOURCE);
  return existsSync(path) ? readFile(path, "utf8") : undefined;
}

/** `--loader`: the loader script and the one artifact directory it loads in the guest. */
async function loaderInput(
  script: string,
  opts: VerifyOptions,
): Promise<{ script: string; artifactDir: string }> {
  const [dir] = opts.module;
  if (!opts.boot) throw new KmodforgeError("INVALID_INPUT", "--loader needs --boot");
  if (opts.module.length !== 1 || !dir || !existsSync(join(dir, "metadata.json")))
    throw new KmodforgeError(
      "INVALID_INPUT",
      "--loader loads one artifact directory: pass exactly one --module <dir> holding metadata.json",
    );
  if (!(await stat(script).catch(() => undefined))?.isFile())
    throw new KmodforgeError("INVALID_INPUT", `--loader ${script} is not a file`);
  return { script, artifactDir: dir };
}

/** The static gate: vermagic, ELF machine and symbol CRCs against the kernel's own headers. */
async function runStatic(identity: KernelIdentity, modules: string[], opts: VerifyOptions): Promise<void> {
  const cacheDir = opts.cacheDir ?? defaultCacheRoot();
  const results = await verifyStatic({ identity, modules, cacheDir, hostArch: hostArch() });
  const report = modules.map((module, i) => ({
    module,
    ok: results[i]!.every((c) => c.ok),
    checks: results[i]!,
  }));
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else
    for (const r of report) {
      process.stdout.write(`${r.ok ? "PASSED" : "FAILED"} ${r.module}\n`);
      for (const c of r.checks)
        process.stdout.write(
          `  ${c.ok ? "✓" : "✗"} ${c.check}: ${c.ok ? c.actual : `expected ${c.expected}, got ${c.actual}`}\n`,
        );
    }
  const failed = report.flatMap((r) => r.checks.filter((c) => !c.ok));
  if (failed.length) {
    const first = failed[0]!;
    process.stderr.write(
      `kmodforge: verify gate: ${first.check} failed: expected ${first.expected}, got ${first.actual}\n`,
    );
    process.exitCode = EXIT_CODES.VERIFY_FAILED;
  }
}

function renderText(r: IdentityBootTestResult): string {
  const out: string[] = [
    `load test ${r.ok ? "PASSED" : "FAILED"}: ${r.kernelRelease} (${r.arch}) in ${(r.durationMs / 1000).toFixed(1)} s`,
    `kernel image: ${r.kernelPackage ? `${r.kernelPackage.name} ${r.kernelPackage.version}` : r.kernelImage}`,
  ];
  if (r.kernelModules?.files.length)
    out.push(
      `kernel modules loaded first: ${r.kernelModules.files.map((f) => f.replace(/^.*\//, "")).join(" ")}`,
    );
  for (const m of r.modules) {
    out.push(
      `module ${m.name}: ${m.loaded ? "loaded" : "NOT loaded"}, ${m.unloaded ? "unloaded" : "not unloaded"}${m.procModulesLine ? ` [${m.procModulesLine}]` : ""}`,
    );
  }
  for (const op of r.exercise.ops)
    out.push(`  ${op.label} ${op.target}: rc ${op.rc}${op.output ? ` (${op.output})` : ""}`);
  out.push(r.exercise.ran ? `exercise: rc ${r.exercise.rc}` : "exercise: none");
  if (r.taint.added.length) out.push(`taint added: ${r.taint.added.join("")}`);
  if (r.kernelLines.length) out.push("kernel log:", ...r.kernelLines.map((l) => `  ${l}`));
  if (!r.booted) out.push("serial console (tail):", ...r.serialTail.slice(-30).map((l) => `  ${l}`));
  return `${out.join("\n")}\n`;
}
