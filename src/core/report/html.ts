import { createHash } from "node:crypto";
import { CELL_STATUSES, STATUS_LABELS } from "./cells.js";
import { buildTimeFigure, coverageFigure, failureFigure, freshnessFigure } from "./figures.js";
import { formatPercent, formatTime } from "./format.js";
import { coveragePercent } from "./history.js";
import { h, jsonForScript, text } from "./markup.js";
import type { Report } from "./model.js";
import { pageData } from "./page-data.js";
import { PAGE_SCRIPT } from "./page-script.js";
import { PAGE_STYLE } from "./page-style.js";
import { naturalOrder } from "./stats.js";

/**
 * The report as one self-contained HTML page: inline CSS, inline SVG charts, the data and the script that draws the
 * kernel table. Works offline, from a GitHub Pages branch or an S3 website. Everything taken from the data is
 * escaped (markup.ts), and the Content-Security-Policy lets only the page's own script run and nothing load.
 */
export function renderReportHtml(report: Report): string {
  const title = `kmodforge coverage: ${formatPercent(report.totals.coveragePercent)} of ${report.totals.total} kernels built`;
  const scriptHash = createHash("sha256").update(PAGE_SCRIPT).digest("base64");
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${scriptHash}'; base-uri 'none'; form-action 'none'`;
  const head = [
    h("meta", { charset: "utf-8" }),
    h("meta", { "http-equiv": "Content-Security-Policy", content: csp }),
    h("meta", { name: "viewport", content: "width=device-width, initial-scale=1" }),
    h("meta", { name: "generator", content: "kmodforge report" }),
    h("title", {}, text(title)),
    h("style", {}, PAGE_STYLE),
  ].join("");
  const body = [
    h(
      "header",
      {},
      h("h1", {}, "Kernel module coverage"),
      h(
        "p",
        { class: "meta" },
        text(
          report.state.generation === 0
            ? `State ${report.state.url}: no sweep recorded yet; report made ${formatTime(report.generatedAt)}.`
            : `State ${report.state.url}, generation ${report.state.generation} (${formatTime(report.state.createdAt)}); report made ${formatTime(report.generatedAt)}.`,
        ),
      ),
    ),
    h(
      "main",
      {},
      summaryCards(report),
      h(
        "section",
        { "aria-labelledby": "h-charts" },
        h("h2", { id: "h-charts" }, "At a glance"),
        h(
          "div",
          { class: "charts" },
          coverageFigure(report.history),
          failureFigure(report.stats),
          buildTimeFigure(report.stats),
          freshnessFigure(report.stats),
        ),
      ),
      targetsTable(report),
      kernelsSection(report),
      notesSection(report),
    ),
    detailDialog(),
    h(
      "footer",
      {},
      text(
        "Made by kmodforge report. The same data, readable by programs, is in report.json next to this page.",
      ),
    ),
    h("script", { type: "application/json", id: "report-data" }, jsonForScript(pageData(report.cells))),
    h("script", {}, PAGE_SCRIPT),
  ].join("\n");
  return `<!doctype html>\n${h("html", { lang: "en" }, h("head", {}, head), h("body", {}, body))}\n`;
}

function summaryCards(report: Report): string {
  const t = report.totals;
  const card = (count: number, label: string, cls: string, extra = "") =>
    h(
      "div",
      { class: `card ${cls}`, "data-status": cls.replace(/^st-/, "") },
      h("span", { class: "count" }, text(count)),
      h("span", { class: "count-label" }, text(label)),
      extra,
    );
  return h(
    "section",
    { class: "cards", "aria-label": "Summary" },
    card(t.total, "kernels in the matrix", "total"),
    card(
      t.built,
      "built",
      "st-built",
      h("div", { class: "chart-note" }, text(`${formatPercent(t.coveragePercent)} coverage`)),
    ),
    ...CELL_STATUSES.filter((s) => s !== "built").map((s) => card(t[s], STATUS_LABELS[s], `st-${s}`)),
  );
}

function targetsTable(report: Report): string {
  const th = (label: string, cls?: string) => h("th", { scope: "col", class: cls }, text(label));
  const rows = report.stats.targets.map((r) =>
    h(
      "tr",
      {},
      h("td", {}, text(r.distro)),
      h("td", {}, text(r.distroVersion)),
      h("td", {}, text(r.arch)),
      h("td", { class: "n" }, text(r.total)),
      ...CELL_STATUSES.map((s) => h("td", { class: "n" }, text(r.counts[s]))),
      h("td", { class: "n" }, text(formatPercent(coveragePercent(r.counts.built, r.total)))),
    ),
  );
  return h(
    "section",
    { "aria-labelledby": "h-targets" },
    h("h2", { id: "h-targets" }, "Coverage by target"),
    rows.length === 0
      ? h("p", { class: "empty" }, "No kernels yet: run a sweep first.")
      : h(
          "div",
          { class: "scroll" },
          h(
            "table",
            { id: "targets" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                th("Distribution"),
                th("Version"),
                th("Arch"),
                th("Kernels", "n"),
                ...CELL_STATUSES.map((s) => th(STATUS_LABELS[s], "n")),
                th("Coverage", "n"),
              ),
            ),
            h("tbody", {}, ...rows),
          ),
        ),
  );
}

function options<T extends string>(values: readonly T[], label: (v: T) => string = (v) => v): string {
  return [
    h("option", { value: "" }, "all"),
    ...values.map((v) => h("option", { value: v }, text(label(v)))),
  ].join("");
}

function kernelsSection(report: Report): string {
  return h(
    "section",
    { id: "kernels", "aria-labelledby": "h-kernels" },
    h("h2", { id: "h-kernels" }, "Kernels"),
    filterBar(report),
    h(
      "p",
      { id: "kbd-hint", class: "hint" },
      "Type to filter (every word must match). ↓ or Enter moves into the table, ↑/↓/Home/End/PageUp/PageDown move between kernels, Enter opens a kernel's details, Esc closes them, / returns to the search box.",
    ),
    h(
      "p",
      { id: "shown", "aria-live": "polite" },
      text(`Showing ${report.cells.length} of ${report.cells.length} kernels`),
    ),
    kernelTable(),
    h(
      "p",
      { class: "more" },
      h("button", { id: "more", type: "button", hidden: true }, "Show more"),
      " ",
      h("button", { id: "show-all", type: "button", hidden: true }, "Show all"),
    ),
    h(
      "noscript",
      {},
      h("p", {}, "The kernel table needs JavaScript; report.json next to this page holds the same data."),
    ),
  );
}

function filterBar(report: Report): string {
  const distros = [...new Set(report.cells.map((c) => c.distro))].sort(naturalOrder);
  const arches = [...new Set(report.cells.map((c) => c.arch))].sort(naturalOrder);
  const select = (id: string, label: string, inner: string) =>
    h("label", { for: id }, text(label), h("select", { id }, inner));
  return h(
    "div",
    { class: "filters", role: "search" },
    h(
      "label",
      { for: "q" },
      "Search",
      h("input", {
        id: "q",
        type: "search",
        placeholder: "kernel, distribution, status or reason",
        autocomplete: "off",
        "aria-describedby": "kbd-hint",
      }),
    ),
    select("f-distro", "Distribution", options(distros)),
    select("f-arch", "Arch", options(arches)),
    select(
      "f-status",
      "Status",
      options(CELL_STATUSES, (s) => `${STATUS_LABELS[s]} (${report.totals[s]})`),
    ),
  );
}

/** The kernel table's frame; the page's script fills the body from the embedded data. */
function kernelTable(): string {
  const th = (label: string, cls: string) =>
    h("th", { scope: "col", class: cls, role: "columnheader" }, text(label));
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      // Explicit roles: the table is laid out as a grid (page-style.ts), and the roles keep it a table to assistive
      // technology whatever the CSS display.
      { id: "cells", role: "table", "aria-label": "Kernels with their build status" },
      h(
        "thead",
        { role: "rowgroup" },
        h(
          "tr",
          { role: "row" },
          th("Kernel", "k"),
          th("Distribution", "d"),
          th("Version", "v"),
          th("Arch", "a"),
          th("Status", "st"),
          th("Built / recorded", "t"),
        ),
      ),
      h("tbody", { id: "cells-body", role: "rowgroup" }),
    ),
  );
}

function notesSection(report: Report): string {
  if (report.notes.length === 0) return "";
  return h(
    "section",
    { "aria-labelledby": "h-notes" },
    h("h2", { id: "h-notes" }, "Notes"),
    h("ul", { class: "notes" }, ...report.notes.map((n) => h("li", {}, text(n)))),
  );
}

function detailDialog(): string {
  return h(
    "dialog",
    { id: "detail", "aria-labelledby": "detail-title" },
    h(
      "div",
      { class: "dlg-head" },
      h("h2", { id: "detail-title" }),
      h("button", { id: "detail-close", type: "button", "aria-label": "Close details" }, "Close"),
    ),
    h("div", { class: "dlg-body", id: "detail-body" }),
  );
}
