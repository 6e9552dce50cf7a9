/**
 * Build benchmark: a warm `kmodforge build` (headers cached) on the host and in the builder container, against a
 * bare `make` of the same module against the same headers tree, all measured in the same run (targets: host / bare
 * make ≤ 1.2, container / host ≤ 1.3), plus one cold build from an empty cache.
 * Run: npx tsx bench/build-bench.ts [kernel-release] (default: the newest Debian 12 6.1 amd64 kernel)
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildModule } from "../src/executors/build.js";
import { defaultModuleDir } from "../src/executors/build-scripts.js";
import { BUILD_CACHE, newestServedRelease } from "../test/build/support.js";

const runs = 3;
const kernel =
  process.argv[2] ?? (await newestServedRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/));
const request = { kernelRelease: kernel, distro: "debian", distroVersion: "12", arch: "x86_64" };
const out = mkdtempSync(join(tmpdir(), "kmodforge-bench-"));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Cold: an empty cache, so resolve + download + extract are all paid.
const cold = await buildModule({
  ...request,
  outDir: out,
  cacheDir: join(out, "cold-cache"),
  executor: "host",
});
console.log(
  `cold build: ${Object.entries(cold.steps)
    .map(([k, v]) => `${k} ${v} ms`)
    .join(", ")}`,
);

const warm: number[] = [];
const container: number[] = [];
const bare: number[] = [];
let tree = "";
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const r = await buildModule({ ...request, outDir: out, cacheDir: BUILD_CACHE, executor: "host" });
  warm.push(performance.now() - t0);
  const t2 = performance.now();
  await buildModule({ ...request, outDir: out, cacheDir: BUILD_CACHE, executor: "container" });
  container.push(performance.now() - t2);
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
console.log(`warm container build (median of ${runs}): ${median(container).toFixed(0)} ms`);
console.log(`warm build / bare make = ${ratio.toFixed(2)} (target ≤ 1.2)`);
console.log(`container build / host build = ${(median(container) / median(warm)).toFixed(2)} (target ≤ 1.3)`);
console.log(
  `cold build / bare make = ${(Object.values(cold.steps).reduce((a, b) => a + b, 0) / median(bare)).toFixed(2)}`,
);
rmSync(out, { recursive: true, force: true });
