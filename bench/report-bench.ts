/**
 * Report render budget: for 100, 1,000 and 10,000 kernels, the time to make the report (model + index.html +
 * report.json + Markdown) and the page's size, and — when Debian's Chromium is installed — the time until the
 * page shows its table and the time one filter takes in the browser. Ratios are against the 100-kernel baseline
 * measured in the same run, so a loaded machine shifts all sizes alike.
 *
 *   npx tsx bench/report-bench.ts
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { renderReport } from "../src/core/report/render.js";
import { CHROMIUM, launchBrowser } from "../test/support/browser.js";
import { syntheticReportInputs } from "../test/support/report-synthetic.js";

const SIZES = [100, 1_000, 10_000];
const RUNS = 3;
/** The budget at 10,000 kernels (ms). */
const BUDGET = { generate: 2_000, pageReady: 3_000, filter: 500 };

interface Sample {
  n: number;
  generateMs: number;
  htmlBytes: number;
  jsonBytes: number;
  pageReadyMs?: number;
  filterMs?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function generate(n: number): { ms: number; html: string; json: string } {
  const inputs = syntheticReportInputs(n);
  const times: number[] = [];
  let last = renderReport(inputs);
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    last = renderReport(inputs);
    times.push(performance.now() - t0);
  }
  return { ms: median(times), html: last.html, json: last.json };
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), "kmodforge-report-bench-"));
  const browser = existsSync(CHROMIUM) ? await launchBrowser() : undefined;
  generate(100); // warm the JIT so the baseline measures steady-state cost
  const samples: Sample[] = [];
  try {
    for (const n of SIZES) {
      const g = generate(n);
      const sample: Sample = { n, generateMs: g.ms, htmlBytes: g.html.length, jsonBytes: g.json.length };
      if (browser) {
        const file = join(dir, `${n}.html`);
        await writeFile(file, g.html);
        const ready: number[] = [];
        const filter: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const { page } = await browser.page(1280);
          const t0 = performance.now();
          await page.goto(pathToFileURL(file).href);
          await page.waitForSelector("#cells-body tr");
          await page.evaluate("document.body.offsetHeight");
          ready.push(performance.now() - t0);
          // One filter as the page runs it: type, wait for the next frame's update and its layout.
          filter.push(
            Number(
              await page.evaluate(`new Promise((done) => {
                const q = document.getElementById("q"), t0 = performance.now();
                q.value = "fedora";
                q.dispatchEvent(new Event("input"));
                requestAnimationFrame(() => requestAnimationFrame(() => { document.body.offsetHeight; done(performance.now() - t0); }));
              })`),
            ),
          );
          await page.close();
        }
        sample.pageReadyMs = median(ready);
        sample.filterMs = median(filter);
      }
      samples.push(sample);
    }
  } finally {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  }
  print(samples, Boolean(browser));
}

function print(samples: Sample[], withBrowser: boolean) {
  const base = samples[0]!;
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? (a / b).toFixed(1) : "-");
  console.log(
    "kernels  generate ms (ratio)  index.html KB (ratio)  report.json KB  page ready ms (ratio)  filter ms (ratio)",
  );
  for (const s of samples)
    console.log(
      [
        String(s.n).padStart(7),
        `${s.generateMs.toFixed(0)} (${ratio(s.generateMs, base.generateMs)}x)`.padStart(20),
        `${(s.htmlBytes / 1024).toFixed(0)} (${ratio(s.htmlBytes, base.htmlBytes)}x)`.padStart(22),
        (s.jsonBytes / 1024).toFixed(0).padStart(15),
        `${s.pageReadyMs?.toFixed(0) ?? "-"} (${ratio(s.pageReadyMs, base.pageReadyMs)}x)`.padStart(22),
        `${s.filterMs?.toFixed(0) ?? "-"} (${ratio(s.filterMs, base.filterMs)}x)`.padStart(18),
      ].join(" "),
    );
  const big = samples.at(-1)!;
  const met = (v: number | undefined, budget: number) =>
    v === undefined ? "not measured" : v < budget ? "met" : "NOT met";
  console.log(
    `10k budget: generate < ${BUDGET.generate} ms ${met(big.generateMs, BUDGET.generate)}; page ready < ${BUDGET.pageReady} ms ${met(big.pageReadyMs, BUDGET.pageReady)}; filter < ${BUDGET.filter} ms ${met(big.filterMs, BUDGET.filter)}${withBrowser ? "" : ` (no ${CHROMIUM})`}`,
  );
}

await main();
