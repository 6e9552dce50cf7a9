import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { readArtifactDirectory } from "../../adapters/artifact-dir.js";
import { cacheSubdir } from "../../adapters/cache-dir.js";
import { ReadCache } from "../../adapters/publish/read-cache.js";
import { readStoreSummaries } from "../../adapters/publish/store-summaries.js";
import { loadReportInputs } from "../../adapters/report-inputs.js";
import type { ArtifactSummary } from "../../core/report/artifact-summary.js";
import { summaryLine } from "../../core/report/markdown.js";
import { renderReport } from "../../core/report/render.js";
import { addStoreOptions, openStoreFrom, readPublicKey, type StoreCliOptions } from "./store-options.js";
import { addStateOptions, intOption, printResult, progress, storeFrom } from "./sweep-common.js";

interface ArtifactSources extends StoreCliOptions {
  artifacts?: string;
  artifactsUrl?: string;
  store?: string;
  driverVersion?: string;
  publicKey?: string;
}

/** Artifact summaries from --artifacts and --store (both may be given; the newest build of a kernel wins). */
async function readArtifactSources(opts: ArtifactSources, out: string, log: (line: string) => void) {
  const summaries: ArtifactSummary[] = [];
  const notes: string[] = [];
  if (opts.artifacts) {
    const read = await readArtifactDirectory(opts.artifacts, {
      from: out,
      ...(opts.artifactsUrl ? { baseUrl: opts.artifactsUrl } : {}),
    });
    log(`artifacts: ${read.summaries.length} read, ${read.problems.length} unreadable`);
    for (const p of read.problems) log(`artifacts: ${p}`);
    summaries.push(...read.summaries);
    notes.push(...read.problems);
  }
  if (opts.store) {
    const publicKey = await readPublicKey(opts.publicKey);
    const store = await openStoreFrom(opts.store, opts, log);
    try {
      const read = await readStoreSummaries(store, {
        ...(opts.driverVersion ? { driverVersion: opts.driverVersion } : {}),
        ...(publicKey ? { publicKey } : {}),
        cache: new ReadCache(cacheSubdir("lookup")),
      });
      log(read.note);
      summaries.push(...read.summaries);
      notes.push(read.note);
    } finally {
      store.destroy?.();
    }
  }
  return opts.artifacts || opts.store ? { summaries, notes } : undefined;
}

export function registerReport(program: Command): void {
  const command = addStateOptions(
    program
      .command("report")
      .description(
        "Render the sweep state as a coverage report: a self-contained index.html (matrix with per-kernel status, filter, details, charts), report.json with the same data, and optionally a Markdown summary for $GITHUB_STEP_SUMMARY (docs/report.md).",
      ),
  )
    .option(
      "--artifacts <dir>",
      "directory of artifact directories (<dir>/<artifact>/metadata.json, as sweeps and builds write them): adds build times, compilers, header provenance and artifact links",
    )
    .option(
      "--artifacts-url <url>",
      "public base URL the --artifacts directories are served under (default: links relative to --out)",
    )
    .option(
      "--store <url>",
      "artifact store whose index links the built kernels (file://<dir>, github:<owner>/<repo>, s3://<bucket>/<prefix>)",
    )
    .option("--driver-version <version>", "the --store index to read (default: the newest driver version)")
    .option(
      "--public-key <pem>",
      "ed25519 public key (PEM): refuse a --store index whose signature does not verify",
    )
    .option("--out <dir>", "where to write index.html and report.json", "report")
    .option("--markdown <file>", 'append a Markdown summary to this file (e.g. "$GITHUB_STEP_SUMMARY")')
    .option(
      "--history <n>",
      "state generations to sample for the coverage line",
      intOption("history", 1, 10_000),
      50,
    )
    .option("--json", "print the summary as JSON")
    .option("--quiet", "no progress on stderr")
    .action(async (opts) => {
      const log = progress(!opts.quiet);
      const out = resolve(opts.out);
      const artifacts = await readArtifactSources(opts, out, log);
      const inputs = await loadReportInputs(storeFrom(opts), {
        historyLimit: opts.history,
        ...(artifacts ? { artifacts: artifacts.summaries, notes: artifacts.notes } : {}),
        onProgress: log,
      });
      const rendered = renderReport(inputs);
      await mkdir(out, { recursive: true });
      const page = join(out, "index.html");
      await writeFile(page, rendered.html);
      await writeFile(join(out, "report.json"), rendered.json);
      if (opts.markdown) {
        await mkdir(dirname(resolve(opts.markdown)), { recursive: true });
        await writeFile(opts.markdown, rendered.markdown, { flag: "a" });
      }
      const { totals, state } = rendered.report;
      printResult(
        opts.json,
        {
          out: opts.out,
          page,
          generation: state.generation,
          ...totals,
          historyPoints: rendered.report.history.length,
          artifacts: artifacts?.summaries.length ?? 0,
          notes: rendered.report.notes,
        },
        summaryLine(rendered.report, join(opts.out, "index.html")),
      );
    });
  addStoreOptions(command);
}
