import { renderReportHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import { buildReport, type Report, type ReportInputs } from "./model.js";

/**
 * Entry points of the report: the CLI writes all three files; a service can serve `renderReportPage` at `/` from the
 * same inputs. Pure (the inputs are read by src/adapters/report-inputs.ts).
 */
export interface RenderedReport {
  report: Report;
  /** index.html */
  html: string;
  /** report.json */
  json: string;
  /** Markdown summary for `$GITHUB_STEP_SUMMARY` */
  markdown: string;
}

export function renderReport(inputs: ReportInputs): RenderedReport {
  const report = buildReport(inputs);
  return {
    report,
    html: renderReportHtml(report),
    // Compact: at 10,000 kernels indentation doubles the file and its writing time (`jq .` pretty-prints it).
    json: `${JSON.stringify(report)}\n`,
    markdown: renderMarkdown(report),
  };
}

/** The page alone, for a server that renders it live. */
export function renderReportPage(inputs: ReportInputs): string {
  return renderReportHtml(buildReport(inputs));
}
