/**
 * Build benchmark: a warm `kmodforge build` (headers cached) against a bare `make` of the same module against the
 * same headers tree, measured in the same run (target ratio ≤ 1.2), plus one cold build from an empty cache.
 * Run: npx tsx bench/build-bench.ts [kernel-release] (default: the newest Debian 12 6.1 amd64 kernel)
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultModuleDir } from "../src/executors/build-scripts.js";
import { buildLocal } from "../src/executors/local.js";
import { BUILD_CACHE, newestRelease } from "../test/build/support.js";

const runs = 3;
const kernel =
  process.argv[2] ?? (await newestRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/));
const request = { kernelRelease: kernel, distro: "debian", distroVersion: "12", arch: "x86_64" };
const out = mkdtempSync(join(tmpdir(), "kmodforge-bench-"));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Cold: an empty cache, so resolve + download + extract are all paid.
const cold = await buildLocal({ ...request, outDir: out, cacheDir: join(out, "cold-cache") });
console.log(
  `cold build: ${Object.entries(cold.steps)
    .map(([k, v]) => `${k} ${v} ms`)
    .join(", ")}`,
);

const warm: number[] = [];
const bare: number[] = [];
let tree = "";
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const r = await buildLocal({ ...request, outDir: out, cacheDir: BUILD_CACHE });
  warm.push(performance.now() - t0);
  tree = r.headersTree;
  if (i === runs - 1)
    console.log(
      `warm build steps: ${Object.entries(r.steps)
        .map(([k, v]) => `${k} ${v} ms`)
        .join(", ")}`,
    );

  const src = join(out, `bare-${i}`);
  cpSync(defaultModuleDir(), src, { recursive: true });
  const t1 = performance.now();
  execFileSync("make", ["-C", tree, `M=${src}`, "modules"], { stdio: "ignore" });
  bare.push(performance.now() - t1);
  rmSync(src, { recursive: true, force: true });
}
const ratio = median(warm) / median(bare);
console.log(`bare make (median of ${runs}): ${median(bare).toFixed(0)} ms`);
console.log(`warm kmodforge build (median of ${runs}): ${median(warm).toFixed(0)} ms`);
console.log(`warm build / bare make = ${ratio.toFixed(2)} (target ≤ 1.2)`);
console.log(
  `cold build / bare make = ${(Object.values(cold.steps).reduce((a, b) => a + b, 0) / median(bare)).toFixed(2)}`,
);
rmSync(out, { recursive: true, force: true });
