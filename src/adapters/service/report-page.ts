import { renderReportPage } from "../../core/report/render.js";
import type { StateStore } from "../../core/sweep/store.js";
import { loadReportInputs } from "../report-inputs.js";

/**
 * The coverage report page (docs/report.md) rendered live from the state store, kept for `ttlMs` so a busy `/`
 * reads the state once per period; concurrent requests for an expired page wait for one rendering.
 */
export function cachedReportPage(
  state: StateStore,
  ttlMs: number,
  options: { historyLimit?: number } = {},
): () => Promise<string> {
  let page: { html: string; at: number } | undefined;
  let rendering: Promise<string> | undefined;
  return () => {
    if (page && Date.now() - page.at < ttlMs) return Promise.resolve(page.html);
    rendering ??= loadReportInputs(state, { historyLimit: options.historyLimit ?? 50 })
      .then((inputs) => {
        const html = renderReportPage(inputs);
        page = { html, at: Date.now() };
        return html;
      })
      .finally(() => {
        rendering = undefined;
      });
    return rendering;
  };
}
