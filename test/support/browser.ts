import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { file, type Prerequisite } from "./prerequisites.js";

/**
 * Headless Chromium for page tests: Debian's `chromium` package (test/env/steps/70-browser.sh installs it), driven
 * by playwright-core with no browser download, a fresh profile per launch and nothing that phones home.
 */
export const CHROMIUM = "/usr/bin/chromium";

/** Where page tests keep their screenshots (a CI artifact; git-ignored). */
export const SCREENSHOTS = join(import.meta.dirname, "../../test-output/report");

/** Page tests need it: `requireOrSkip(ctx, CHROMIUM_PRESENT)` skips them locally and fails them under CI=true. */
export const CHROMIUM_PRESENT: Prerequisite = file(CHROMIUM, `${CHROMIUM} (test/env/steps/70-browser.sh)`);

export interface Browser {
  context: BrowserContext;
  /** A new page at this viewport width, recording console errors and page errors. */
  page(width: number, height?: number): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "kmodforge-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    context,
    async page(width, height = 900) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
      return { page, errors };
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
