/**
 * Sweep throughput: generate (matrix from discovered kernels) + diff (against a state holding most of them) +
 * chunk, for 1k, 10k and 100k entries. Each size runs in its own process so peak RSS is that size's alone.
 * Prints time and peak memory per size and the ratios against the 1k baseline measured in the same run.
 *
 *   npx tsx bench/sweep-bench.ts
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chunkEntries } from "../src/core/sweep/chunk.js";
import { diffMatrix } from "../src/core/sweep/diff.js";
import { buildMatrix } from "../src/core/sweep/matrix.js";
import { applyOps, emptyState, type StateOp } from "../src/core/sweep/state.js";
import { syntheticKernels, syntheticPolicy } from "../test/support/sweep-synthetic.js";

const SIZES = [1_000, 10_000, 100_000];

interface Sample {
  n: number;
  ms: number;
  generateMs: number;
  diffMs: number;
  chunkMs: number;
  peakRssMb: number;
  work: number;
  chunks: number;
}

function measure(n: number): Sample {
  const policy = syntheticPolicy();
  const kernels = syntheticKernels(n);
  // Previous state: 90% built with the same key, 5% with an older key, 5% unknown (new kernels).
  const previous = buildMatrix(kernels, policy).matrix;
  const at = new Date(0).toISOString();
  const ops: StateOp[] = previous.entries
    .filter((_, i) => i % 20 !== 0)
    .map((e, i) => ({
      op: "result",
      id: e.id,
      cacheKey: i % 19 === 0 ? "0".repeat(64) : e.cacheKey,
      at,
      outcome: "built",
    }));
  const state = applyOps(emptyState("bench", new Date(0)), ops, "bench", new Date(0));

  // Start the timed phase with a clean heap, so setup garbage is not billed to it.
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = performance.now();
  const matrix = buildMatrix(kernels, policy).matrix;
  const t1 = performance.now();
  const diff = diffMatrix(matrix, state, { now: new Date() });
  const t2 = performance.now();
  const set = chunkEntries(diff.work, 50);
  const t3 = performance.now();
  return {
    n,
    ms: t3 - t0,
    generateMs: t1 - t0,
    diffMs: t2 - t1,
    chunkMs: t3 - t2,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    work: diff.work.length,
    chunks: set.chunks.length,
  };
}

const arg = process.argv.indexOf("--one");
if (arg > 0) {
  // Warm the JIT with a small run first so the 1k baseline measures steady-state cost, not compilation.
  measure(500);
  process.stdout.write(JSON.stringify(measure(Number(process.argv[arg + 1]))));
} else {
  const self = fileURLToPath(import.meta.url);
  const samples: Sample[] = SIZES.map((n) =>
    JSON.parse(
      execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", self, "--one", String(n)], {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      }),
    ),
  );
  const base = samples[0]!;
  console.log(
    "entries   total ms  generate  diff   chunk  peak RSS MB  time/1k ratio  (n ratio)  work   chunks",
  );
  for (const s of samples) {
    console.log(
      [
        String(s.n).padStart(7),
        s.ms.toFixed(0).padStart(10),
        s.generateMs.toFixed(0).padStart(9),
        s.diffMs.toFixed(0).padStart(5),
        s.chunkMs.toFixed(0).padStart(7),
        s.peakRssMb.toFixed(0).padStart(12),
        (s.ms / base.ms).toFixed(1).padStart(14),
        `(${(s.n / base.n).toFixed(0)}x)`.padStart(10),
        String(s.work).padStart(6),
        String(s.chunks).padStart(8),
      ].join(" "),
    );
  }
  const big = samples.at(-1)!;
  console.log(`100k target < 2000 ms: ${big.ms.toFixed(0)} ms → ${big.ms < 2000 ? "met" : "NOT met"}`);
}
