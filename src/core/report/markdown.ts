import { CELL_STATUSES, STATUS_LABELS } from "./cells.js";
import { formatHours, formatPercent, formatTime } from "./format.js";
import { coveragePercent } from "./history.js";
import type { Report } from "./model.js";

/** Failed kernels listed in the Markdown summary (the page lists them all). */
export const MARKDOWN_FAILURES_LISTED = 20;

/**
 * Text inside a Markdown table cell: GitHub renders HTML and Markdown there, so both are neutralised and the cell
 * stays on one line.
 */
export function markdownCell(value: string | number): string {
  return String(value)
    .replace(/[\r\n]+/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]|#~!()])/g, "\\$1");
}

const row = (cells: ReadonlyArray<string | number>) => `| ${cells.map(markdownCell).join(" | ")} |`;
const table = (head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>) =>
  [row(head), `|${head.map(() => "---").join("|")}|`, ...rows.map(row)].join("\n");

/** A Markdown summary for `$GITHUB_STEP_SUMMARY`: totals, coverage per target, failures and the slowest kernels. */
export function renderMarkdown(report: Report): string {
  const t = report.totals;
  const out = [
    `## kmodforge coverage: ${formatPercent(t.coveragePercent)} built (${t.built} of ${t.total} kernels)`,
    "",
    report.state.generation === 0
      ? "No sweep recorded yet."
      : `State generation ${report.state.generation} (${formatTime(report.state.createdAt)}).`,
    "",
    table(
      ["status", "kernels"],
      CELL_STATUSES.map((s) => [STATUS_LABELS[s], t[s]]),
    ),
  ];
  if (report.stats.targets.length > 0)
    out.push(
      "",
      "### Coverage by target",
      "",
      table(
        [
          "distribution",
          "version",
          "arch",
          "kernels",
          ...CELL_STATUSES.map((s) => STATUS_LABELS[s]),
          "coverage",
        ],
        report.stats.targets.map((r) => [
          r.distro,
          r.distroVersion,
          r.arch,
          r.total,
          ...CELL_STATUSES.map((s) => r.counts[s]),
          formatPercent(coveragePercent(r.counts.built, r.total)),
        ]),
      ),
    );
  const failed = report.cells.filter((c) => c.status === "failed" || c.status === "headers-unavailable");
  if (failed.length > 0)
    out.push(
      "",
      `### Failed kernels (${failed.length}${failed.length > MARKDOWN_FAILURES_LISTED ? `, first ${MARKDOWN_FAILURES_LISTED}` : ""})`,
      "",
      table(
        ["kernel", "reason", "attempts", "log"],
        failed
          .slice(0, MARKDOWN_FAILURES_LISTED)
          .map((c) => [c.id, c.reason ?? "", c.attempts ?? "", keyLine(c.logTail ?? "")]),
      ),
    );
  const slow = report.stats.freshness.slowest;
  if (slow.length > 0)
    out.push(
      "",
      "### Slowest from first seen to built",
      "",
      table(
        ["kernel", "first seen → built"],
        slow.map((s) => [s.id, formatHours(s.hours)]),
      ),
    );
  if (report.notes.length > 0) out.push("", ...report.notes.map((n) => `- ${markdownCell(n)}`));
  return `${out.join("\n")}\n`;
}

/** The line of a log tail that says what went wrong: the last one naming an error, else the last one. */
export function keyLine(log: string): string {
  const lines = log.split("\n").filter((l) => l.trim() !== "");
  const line = lines.findLast((l) => /\berror\b|fatal|failed/i.test(l)) ?? lines.at(-1) ?? "";
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}

/** One line for CI logs. */
export function summaryLine(report: Report, where: string): string {
  const t = report.totals;
  return `report: ${t.total} kernels, ${t.built} built (${formatPercent(t.coveragePercent)}), ${t.failed} failed, ${t["headers-unavailable"]} headers unavailable, ${t.excluded} excluded, ${t.pending} pending (generation ${report.state.generation}) → ${where}`;
}
