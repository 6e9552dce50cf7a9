import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Command } from "commander";
import { cacheSubdir } from "../../adapters/cache-dir.js";
import { digestSourceDir } from "../../adapters/source-digest.js";
import { discoverDebian, readCrawlerFiles } from "../../adapters/sweep-discovery.js";
import { loadTargets } from "../../adapters/targets-fs.js";
import type { UnmappedCrawlerEntry } from "../../core/sweep/crawler.js";
import { buildMatrix, type DiscoveredKernel, serialiseMatrix } from "../../core/sweep/matrix.js";
import type { TargetsPolicy } from "../../core/targets.js";
import { printResult, progress } from "./sweep-common.js";

export interface DiscoverOptions {
  targets: string;
  kernels?: string[];
  debian?: boolean;
  /** Leave out versions targets/ marks end-of-life. */
  excludeEol?: boolean;
  aptRoot: string;
  moduleDigest?: string;
  moduleSource?: string;
}

export const EXCLUDE_EOL_HELP =
  "leave out distribution versions targets/ marks end-of-life (eol); by default they are built like the others, since fleets run old kernels";

/** Discovery + matrix, shared by `matrix` and `sweep`. */
export async function discoverAndBuild(opts: DiscoverOptions, log: (l: string) => void) {
  const policy: TargetsPolicy = await loadTargets(opts.targets);
  const moduleDigest =
    opts.moduleDigest ?? (opts.moduleSource ? await digestSourceDir(opts.moduleSource) : undefined);
  const kernels: DiscoveredKernel[] = [];
  let unmapped: UnmappedCrawlerEntry[] = [];
  if (opts.kernels?.length) {
    const crawler = await readCrawlerFiles(opts.kernels);
    kernels.push(...crawler.kernels);
    unmapped = crawler.unmapped;
    log(`crawler: ${crawler.kernels.length} entries mapped, ${unmapped.length} unmappable`);
  }
  if (opts.debian)
    kernels.push(...(await discoverDebian(policy, { aptRoot: opts.aptRoot, onProgress: log })));
  const result = buildMatrix(kernels, policy, {
    ...(moduleDigest ? { moduleDigest } : {}),
    ...(opts.excludeEol ? { excludeEol: true } : {}),
  });
  log(
    `matrix: ${result.matrix.entries.length} entries, ${result.skipped.length} kernels outside the policy or unreadable`,
  );
  return { ...result, unmapped };
}

export function registerMatrix(program: Command): void {
  program
    .command("matrix")
    .description(
      "Discover kernels (kernel-crawler lists and/or Debian's apt indexes), apply the targets/ policy and write the deterministic build matrix (docs/matrix.md).",
    )
    .requiredOption("--targets <dir>", "directory of targets/*.yaml")
    .option(
      "--kernels <files...>",
      "kernel-crawler list.json files, one per arch (arch from the path or arch=<file>)",
    )
    .option(
      "--debian",
      "also enumerate every Debian kernel from the apt Packages indexes of the target suites",
    )
    .option("--apt-root <dir>", "private apt state for --debian", cacheSubdir("apt"))
    .option("--exclude-eol", EXCLUDE_EOL_HELP)
    .option("--module-digest <hex>", "digest of the module source, part of every cache key")
    .option("--module-source <dir>", "module source tree to digest (instead of --module-digest)")
    .requiredOption("--out <file>", "where to write the matrix JSON")
    .option("--json", "print the summary as JSON")
    .option("--quiet", "no progress on stderr")
    .action(async (opts) => {
      const log = progress(!opts.quiet);
      const { matrix, skipped, unmapped } = await discoverAndBuild(opts, log);
      await mkdir(dirname(opts.out), { recursive: true });
      await writeFile(opts.out, serialiseMatrix(matrix));
      const summary = {
        out: opts.out,
        entries: matrix.entries.length,
        skipped: skipped.length,
        unmapped: unmapped.length,
        skippedKernels: skipped,
        unmappedEntries: unmapped,
      };
      printResult(
        opts.json,
        summary,
        `matrix: ${matrix.entries.length} entries → ${opts.out} (skipped ${skipped.length}, unmappable ${unmapped.length})`,
      );
    });
}
