import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { readArtifactDirectory } from "../../adapters/artifact-dir.js";
import { loadReportInputs } from "../../adapters/report-inputs.js";
import { summaryLine } from "../../core/report/markdown.js";
import { renderReport } from "../../core/report/render.js";
import { addStateOptions, intOption, printResult, progress, storeFrom } from "./sweep-common.js";

export function registerReport(program: Command): void {
  addStateOptions(
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
      const artifacts = opts.artifacts
        ? await readArtifactDirectory(opts.artifacts, {
            from: out,
            ...(opts.artifactsUrl ? { baseUrl: opts.artifactsUrl } : {}),
          })
        : undefined;
      if (artifacts)
        log(`artifacts: ${artifacts.summaries.length} read, ${artifacts.problems.length} unreadable`);
      for (const p of artifacts?.problems ?? []) log(`artifacts: ${p}`);
      const inputs = await loadReportInputs(storeFrom(opts), {
        historyLimit: opts.history,
        ...(artifacts ? { artifacts: artifacts.summaries, notes: artifacts.problems } : {}),
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
}
