import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestSourceDir } from "../../src/adapters/source-digest.js";
import { FsStateStore } from "../../src/adapters/state-fs.js";
import { commitOps, getMatrix, readState } from "../../src/adapters/sweep-state.js";
import { KmodforgeError } from "../../src/core/errors.js";
import { classifyFailure } from "../../src/core/sweep/backoff.js";
import { CHROMIUM_PRESENT, launchBrowser, SCREENSHOTS } from "../support/browser.js";
import { kmodforge, SWEEP_APT_CACHE, writeBookwormTargets } from "../support/cli.js";
import { requireOrSkip } from "../support/prerequisites.js";

/**
 * A real sweep of Debian 12 kernels (the host's apt mirror, real header packages, real builds with the local
 * executor), a real compile failure, then `kmodforge report` on that state and the page in Chromium.
 */
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kmodforge-report-sweep-"));
  await writeBookwormTargets(dir);
  // The same module with a syntax error: a real compile failure.
  await cp("test/fixtures/sweep/hello-module", join(dir, "broken-module"), { recursive: true });
  await writeFile(join(dir, "broken-module", "hello.c"), "int broken( {\n", { flag: "a" });
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

// The failing build swaps in a broken copy of the module; both sweeps digest the same module into the cache keys
// (as one sweep over one source would), so the two good builds stay current in the state.
const sweep = async (extra: string[]) =>
  kmodforge([
    "sweep",
    "--module-digest",
    await digestSourceDir("test/fixtures/sweep/hello-module"),
    "--debian",
    "--targets",
    join(dir, "targets"),
    "--apt-root",
    SWEEP_APT_CACHE,
    "--state",
    `file://${join(dir, "state")}`,
    "--executor",
    "local",
    "--only",
    "debian/12/*",
    "--artifacts",
    join(dir, "artifacts"),
    "--json",
    ...extra,
  ]);

/** What a failed sweep said: its summary (with each failure's reason) and the end of its progress log. */
const said = (r: { stdout: string; stderr: string }) => `${r.stdout}\n${r.stderr.slice(-3000)}`;

describe("the report of a real local sweep of Debian 12 kernels", () => {
  it("renders two built kernels, a compile failure and unavailable headers, as a user sees them", async (ctx) => {
    const storeUrl = `file://${join(dir, "store")}`;
    const built = await sweep([
      "--limit",
      "2",
      "--module-dir",
      "test/fixtures/sweep/hello-module",
      "--publish",
      storeUrl,
    ]);
    expect(built.code, said(built)).toBe(0);
    expect(JSON.parse(built.stdout)).toMatchObject({ scheduled: 2, built: 2, failed: 0 });
    const failed = await sweep([
      "--limit",
      "1",
      "--module-dir",
      join(dir, "broken-module"),
      "--publish",
      "none",
    ]);
    expect(failed.code, said(failed)).toBe(7);
    expect(JSON.parse(failed.stdout)).toMatchObject({ scheduled: 1, built: 0, failed: 1 });

    // A headers failure as the build reports it, recorded through the state adapter like a CI job would.
    const store = new FsStateStore(join(dir, "state"));
    const state = await readState(store);
    const matrix = (await getMatrix(store, state.matrixKey!))!;
    const waiting = matrix.entries.filter((e) => !state.entries[e.id]);
    const missing = waiting.at(-1)!;
    const err = new KmodforgeError(
      "HEADERS_UNAVAILABLE",
      `no header source serves ${missing.identity.kernelRelease}`,
    );
    await commitOps(
      store,
      [
        {
          op: "result",
          id: missing.id,
          cacheKey: missing.cacheKey,
          at: new Date().toISOString(),
          outcome: "failed",
          reason: classifyFailure(err.code),
          detail: err.message,
        },
      ],
      { writer: "test" },
    );

    const out = join(dir, "report");
    const r = await kmodforge([
      "report",
      "--state",
      `file://${join(dir, "state")}`,
      "--artifacts",
      join(dir, "artifacts"),
      "--out",
      out,
      "--markdown",
      join(dir, "summary.md"),
      "--json",
      "--quiet",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const total = matrix.entries.length;
    expect(JSON.parse(r.stdout)).toMatchObject({
      total,
      built: 2,
      failed: 1,
      "headers-unavailable": 1,
      pending: total - 4,
      artifacts: 2,
      notes: [],
    });
    const report = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
    const compileError = report.cells.find((c: { status: string }) => c.status === "failed");
    expect(compileError).toMatchObject({ reason: "compile-error", attempts: 1 });
    expect(await readFile(join(dir, "summary.md"), "utf8")).toContain(
      `| ${compileError.id.replace(/_/g, "\\_")} | compile-error | 1 | `,
    );

    // The same report from the store's index instead of the artifact directories: links where lookup points.
    const fromStore = await kmodforge([
      "report",
      "--state",
      `file://${join(dir, "state")}`,
      "--store",
      storeUrl,
      "--out",
      join(dir, "report-store"),
      "--json",
      "--quiet",
    ]);
    expect(fromStore.code, fromStore.stderr).toBe(0);
    expect(JSON.parse(fromStore.stdout)).toMatchObject({ built: 2, artifacts: 2 });
    const storeCells = JSON.parse(await readFile(join(dir, "report-store", "report.json"), "utf8")).cells;
    const linked = storeCells.filter((c: { artifact?: unknown }) => c.artifact);
    expect(linked).toHaveLength(2);
    for (const cell of linked) {
      expect(cell.artifact.url).toMatch(/^file:\/\/.+\.ko\.xz$/);
      const bytes = await readFile(new URL(cell.artifact.url));
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(cell.artifact.sha256);
    }

    // The page in the browser: a machine without Chromium reports this test skipped (with the reason) from here on.
    requireOrSkip(ctx, CHROMIUM_PRESENT);

    const browser = await launchBrowser();
    try {
      for (const width of [1280, 390]) {
        const { page, errors } = await browser.page(width);
        await page.goto(pathToFileURL(join(out, "index.html")).href);
        await page.waitForSelector("#cells-body tr");
        expect(await page.locator('.cards [data-status="built"] .count').textContent()).toBe("2");
        expect(await page.locator('.cards [data-status="failed"] .count').textContent()).toBe("1");
        await page.screenshot({
          path: join(SCREENSHOTS, `real-sweep-${width}.png`),
          fullPage: width !== 1280,
        });
        if (width !== 1280) continue;

        await page.selectOption("#f-status", "failed");
        await expect.poll(() => page.locator("#cells-body tr").count()).toBe(1);
        expect(await page.locator("#cells-body .why").textContent()).toBe("compile-error");
        await page.locator("#cells-body tr").click();
        expect(await page.locator("#detail-body pre").textContent()).toMatch(/error/i);
        await page.screenshot({ path: join(SCREENSHOTS, "real-sweep-failure-1280.png") });
        await page.click("#detail-close");

        await page.selectOption("#f-status", "built");
        await expect.poll(() => page.locator("#cells-body tr").count()).toBe(2);
        await page.locator("#cells-body tr").first().click();
        const body = page.locator("#detail-body");
        expect(await body.textContent()).toMatch(/gcc-12|gcc \(Debian 12/);
        expect(await body.locator("ul li a").first().getAttribute("href")).toMatch(/^https?:\/\/.+\.deb$/);
        const artifact = await body.locator("dd a").first().getAttribute("href");
        expect(artifact).toMatch(/^\.\.\/artifacts\/.+\.ko\.xz$/);
        await expect(readFile(join(out, artifact!))).resolves.toBeInstanceOf(Buffer);
        expect(errors).toEqual([]);
      }
    } finally {
      await browser.close();
    }
  }, 1_500_000);
});
