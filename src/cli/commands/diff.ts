import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { readState } from "../../adapters/sweep-state.js";
import { type DiffMode, diffMatrix, type MatrixDiff, summariseDiff } from "../../core/sweep/diff.js";
import { serialiseMatrix } from "../../core/sweep/matrix.js";
import type { StateStore } from "../../core/sweep/store.js";
import type { Matrix } from "../../core/sweep/types.js";
import { addStateOptions, intOption, printResult, readMatrixFile, storeFrom } from "./sweep-common.js";

export interface DiffModeOptions {
  force?: boolean;
  onlyFailed?: boolean;
  since?: number;
}

/** Diffs a matrix against the newest state generation (or `since`), in the mode the flags select. */
export async function diffAgainstStore(
  store: StateStore,
  matrix: Matrix,
  opts: DiffModeOptions,
  now = new Date(),
): Promise<{ diff: MatrixDiff; generation: number }> {
  const state = await readState(store, opts.since);
  const mode: DiffMode = opts.onlyFailed ? "only-failed" : opts.force ? "force" : "changed";
  const diff = diffMatrix(matrix, state, {
    mode,
    now,
    ignoreBackoff: Boolean(opts.force && opts.onlyFailed),
  });
  return { diff, generation: state.generation };
}

export function registerDiff(program: Command): void {
  addStateOptions(
    program
      .command("diff")
      .description(
        "Compare a matrix with the sweep state: added, changed (cache key differs), removed, unchanged, failed; writes the entries to build.",
      )
      .requiredOption("--matrix <file>", "matrix JSON written by kmodforge matrix"),
  )
    .option("--force", "build every entry (with --only-failed: ignore retry backoff)")
    .option("--only-failed", "build only failed entries whose retry backoff has elapsed")
    .option(
      "--since <generation>",
      "diff against this state generation instead of the newest",
      intOption("since", 0, 1e10),
    )
    .option("--out <file>", "write the work (entries to build) as a matrix file")
    .option("--json", "print the summary as JSON")
    .action(async (opts) => {
      const matrix = await readMatrixFile(opts.matrix);
      const { diff, generation } = await diffAgainstStore(storeFrom(opts), matrix, opts);
      if (opts.out) await writeFile(opts.out, serialiseMatrix({ ...matrix, entries: diff.work }));
      const s = summariseDiff(diff);
      printResult(
        opts.json,
        {
          generation,
          ...s,
          addedIds: diff.added,
          changedIds: diff.changed,
          removedIds: diff.removed,
          failedRetryIds: diff.failedRetry,
        },
        `diff vs generation ${generation}: added ${s.added}, changed ${s.changed}, removed ${s.removed}, unchanged ${s.unchanged}, failed ${s.failed} (${s.failedRetry} due), to build ${s.work}`,
      );
    });
}
