import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { putChunkSet } from "../../adapters/sweep-state.js";
import { chunkEntries, DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE } from "../../core/sweep/chunk.js";
import { FAN_OUT_FORMATS, type FanOutFormat, renderFanOut } from "../../core/sweep/ci-output.js";
import {
  addStateOptions,
  choiceOption,
  intOption,
  printResult,
  progress,
  readMatrixFile,
  storeFrom,
} from "./sweep-common.js";

export function registerChunk(program: Command): void {
  addStateOptions(
    program
      .command("chunk")
      .description(
        "Split a matrix into chunks of at most --size entries (pages of 256 chunks); write one file per chunk and/or store them, and print CI fan-out outputs.",
      )
      .requiredOption("--matrix <file>", "matrix (or diff --out work) JSON")
      .option(
        "--size <n>",
        `entries per chunk (1-${MAX_CHUNK_SIZE})`,
        intOption("size", 1, MAX_CHUNK_SIZE),
        DEFAULT_CHUNK_SIZE,
      )
      .option("--out-dir <dir>", "write chunk-NNNNNN.json files here"),
  )
    .option("--store", "also store the chunks in the state store (jobs read them by reference)")
    .addOption(
      choiceOption("--format <format>", "print a fan-out output instead of the summary", FAN_OUT_FORMATS),
    )
    .option("--page <n>", "page for github-matrix/gitlab output", intOption("page", 0, 1e6), 0)
    .option("--json", "print the summary as JSON")
    .option("--quiet", "no progress on stderr")
    .action(async (opts) => {
      const log = progress(!opts.quiet);
      const matrix = await readMatrixFile(opts.matrix);
      const set = chunkEntries(matrix.entries, opts.size);
      let largest = 0;
      if (opts.outDir) {
        await mkdir(opts.outDir, { recursive: true });
        for (const c of set.chunks) {
          const body = `${JSON.stringify(c)}\n`;
          largest = Math.max(largest, Buffer.byteLength(body));
          await writeFile(join(opts.outDir, `chunk-${String(c.index).padStart(6, "0")}.json`), body);
        }
      } else {
        for (const c of set.chunks) largest = Math.max(largest, Buffer.byteLength(`${JSON.stringify(c)}\n`));
      }
      const store = storeFrom(opts);
      if (opts.store)
        await putChunkSet(store, set, (d, t) => (d % 100 === 0 || d === t) && log(`stored ${d}/${t} chunks`));
      if (opts.format) {
        process.stdout.write(
          renderFanOut(set, opts.format as FanOutFormat, { state: store.url, page: opts.page }),
        );
        return;
      }
      const summary = {
        setId: set.setId,
        entries: matrix.entries.length,
        chunkCount: set.chunks.length,
        pageCount: set.pages.length,
        largestChunkBytes: largest,
        outDir: opts.outDir ?? null,
      };
      printResult(
        opts.json,
        summary,
        `${set.chunks.length} chunks (${set.pages.length} pages), largest ${largest} bytes, set ${set.setId}`,
      );
    });
}
