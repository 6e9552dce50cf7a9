import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Report } from "../../src/core/report/model.js";
import { renderReport } from "../../src/core/report/render.js";
import { type Browser, CHROMIUM_PRESENT, launchBrowser, SCREENSHOTS } from "../support/browser.js";
import { requireOrSkip } from "../support/prerequisites.js";
import { syntheticReportInputs } from "../support/report-synthetic.js";

/**
 * The generated page in a real browser, asserting on what a user sees: counts, a failed kernel's reason, the filter
 * narrowing the table, keyboard navigation, the detail view, chart marks, and that hostile data stays text.
 */
const HOSTILE = `<img src=x onerror="window.__pwned=1">`;
let dir: string;
let browser: Browser;
let report: Report;
let url: string;

beforeAll(async () => {
  if (!CHROMIUM_PRESENT.present) return; // each test then skips, or fails under CI=true

  dir = await mkdtemp(join(tmpdir(), "kmodforge-report-page-"));
  const rendered = renderReport(
    syntheticReportInputs(300, { hostile: HOSTILE, detail: `</pre><script>window.__pwned=2</script>` }),
  );
  report = rendered.report;
  await writeFile(join(dir, "index.html"), rendered.html);
  url = pathToFileURL(join(dir, "index.html")).href;
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function open(width: number): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await browser.page(width);
  await page.goto(url);
  await page.waitForSelector("#cells-body tr");
  return { page, errors };
}
const rowCount = (page: Page) => page.locator("#cells-body tr").count();

describe("the report page in Chromium", () => {
  beforeEach((ctx) => requireOrSkip(ctx, CHROMIUM_PRESENT));
  it("shows the counts, the failed kernels' reasons and chart marks, with no script errors", async () => {
    const { page, errors } = await open(1280);
    const count = (status: string) => page.locator(`.cards [data-status="${status}"] .count`).textContent();
    expect(await count("built")).toBe(String(report.totals.built));
    expect(await count("failed")).toBe(String(report.totals.failed));
    expect(await count("headers-unavailable")).toBe(String(report.totals["headers-unavailable"]));
    expect(await page.textContent("#shown")).toBe(`Showing 300 of 300 kernels`);
    expect(await rowCount(page)).toBe(300);

    await page.selectOption("#f-status", "failed");
    await expect.poll(() => rowCount(page)).toBe(report.totals.failed);
    const first = report.cells.find((c) => c.status === "failed")!;
    const row = page.locator("#cells-body tr").first();
    expect(await row.locator(".badge").textContent()).toBe("failed");
    expect(await row.locator(".why").textContent()).toBe(first.reason);
    expect(await row.locator(".kr").textContent()).toBe(first.kernelRelease);

    const failureMarks = page.locator('svg[data-chart="chart-failures"] rect.mark');
    const values = await failureMarks.evaluateAll((els) =>
      els.map((e) => Number(e.getAttribute("data-value"))),
    );
    expect(values.reduce((a, b) => a + b, 0)).toBe(
      report.totals.failed + report.totals["headers-unavailable"],
    );
    const box = await failureMarks.first().boundingBox();
    expect(box?.width).toBeGreaterThan(0);
    expect(await page.locator('svg[data-chart="chart-coverage"] circle.mark').count()).toBe(
      report.history.length,
    );
    expect(await page.locator('svg[data-chart="chart-freshness"] rect.mark').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it("typing in the search box narrows the table; Arrow keys, Enter and Escape work the table and details", async () => {
    const { page, errors } = await open(1280);
    await page.click("#q");
    await page.keyboard.type("fedora aarch64");
    const expected = report.cells.filter((c) => c.distro === "fedora" && c.arch === "aarch64");
    await expect.poll(() => rowCount(page)).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(5);
    expect(expected.length).toBeLessThan(report.cells.length / 5);
    expect(await page.textContent("#shown")).toBe(`Showing ${expected.length} of 300 kernels`);

    await page.keyboard.press("ArrowDown");
    // Expressions run in the page (this project's TypeScript has no DOM types).
    const focused = () => page.evaluate(`document.activeElement?.querySelector(".kr")?.textContent`);
    expect(await focused()).toBe(expected[0]!.kernelRelease);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    expect(await focused()).toBe(expected[2]!.kernelRelease);
    await page.keyboard.press("End");
    expect(await focused()).toBe(expected.at(-1)!.kernelRelease);
    await page.keyboard.press("Home");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#detail").evaluate((d) => d.hasAttribute("open"))).toBe(true);
    expect(await page.textContent("#detail-title")).toContain(expected[0]!.kernelRelease);
    expect(await page.textContent("#detail-body")).toContain(expected[0]!.id);
    await page.keyboard.press("Escape");
    await expect.poll(() => page.locator("#detail").evaluate((d) => d.hasAttribute("open"))).toBe(false);
    expect(await focused()).toBe(expected[0]!.kernelRelease);
    // Up from the first row goes back to the search box; "/" from anywhere else too.
    await page.keyboard.press("ArrowUp");
    expect(await page.evaluate("document.activeElement?.id")).toBe("q");

    await page.fill("#q", "");
    await page.selectOption("#f-distro", "ubuntu");
    await page.selectOption("#f-arch", "x86_64");
    await expect
      .poll(() => rowCount(page))
      .toBe(report.cells.filter((c) => c.distro === "ubuntu" && c.arch === "x86_64").length);
    expect(errors).toEqual([]);
  });

  it("a failed kernel's details show its reason, log tail, compiler and headers; hostile text stays text", async () => {
    const { page, errors } = await open(1280);
    const failed = report.cells.find((c) => c.logTail?.includes("__pwned"))!;
    await page.fill("#q", failed.kernelRelease);
    await expect.poll(() => rowCount(page)).toBe(1);
    await page.locator("#cells-body tr").first().click();
    const body = page.locator("#detail-body");
    expect(await body.locator("pre").textContent()).toBe(failed.logTail);
    expect(await body.textContent()).toContain(failed.reason!);
    expect(await body.textContent()).toContain(failed.compiler!.text);
    const header = body.locator("ul li a").first();
    expect(await header.getAttribute("href")).toBe(failed.headers[0]!.url);
    await page.click("#detail-close");

    const hostile = report.cells.find((c) => c.kernelRelease === HOSTILE)!;
    await page.fill("#q", "onerror");
    // The filter applies on the next frame: until then the table still shows the previous single match.
    await expect.poll(() => page.locator("#cells-body .kr").allTextContents()).toEqual([HOSTILE]);
    await page.locator("#cells-body tr").first().click();
    expect(await page.textContent("#detail-title")).toContain(HOSTILE);
    if (hostile.artifact)
      expect(await page.locator("#detail-body a").first().getAttribute("href")).toBeTruthy();
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(await page.locator("#cells-body img").count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it("is readable at 1280 px and on a phone: screenshots for the CI artifacts", async () => {
    const desktop = await open(1280);
    await desktop.page.screenshot({ path: join(SCREENSHOTS, "synthetic-desktop-1280.png"), fullPage: true });
    const phone = await open(390);
    const overflow = await phone.page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    // On a phone each kernel is one block: its target moves under the release, the separate columns go.
    expect(await phone.page.locator("#cells-body tr td.d").first().isVisible()).toBe(false);
    expect(await phone.page.locator("#cells-body tr .tgt").first().isVisible()).toBe(true);
    await phone.page.screenshot({ path: join(SCREENSHOTS, "synthetic-phone-390.png"), fullPage: true });
    expect(desktop.errors.concat(phone.errors)).toEqual([]);
  });
});
