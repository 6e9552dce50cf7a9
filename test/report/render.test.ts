import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { barChart, percentLineChart } from "../../src/core/report/charts.js";
import { renderReportHtml } from "../../src/core/report/html.js";
import { keyLine, markdownCell, summaryLine } from "../../src/core/report/markdown.js";
import { escapeHtml, jsonForScript, safeHref } from "../../src/core/report/markup.js";
import { buildReport } from "../../src/core/report/model.js";
import type { PageData } from "../../src/core/report/page-data.js";
import { PAGE_SCRIPT } from "../../src/core/report/page-script.js";
import { renderReport, renderReportPage } from "../../src/core/report/render.js";
import { applyOps, emptyState } from "../../src/core/sweep/state.js";
import { syntheticReportInputs } from "../support/report-synthetic.js";

const HOSTILE_KERNEL = `<script>alert(1)</script>"onload=alert(2) x='`;
const HOSTILE_DETAIL = `</script><script>alert(3)</script><img src=x onerror=alert(4)>\u2028`;

/** The page's embedded data, read back the way the browser reads it. */
function embedded(html: string): PageData {
  const m = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error("no embedded data");
  return JSON.parse(m[1]!) as PageData;
}

describe("escaping everything that comes from data", () => {
  it("kernel strings, log tails, distro names and URLs never become markup", () => {
    const inputs = syntheticReportInputs(50, { hostile: HOSTILE_KERNEL, detail: HOSTILE_DETAIL });
    // A state-only entry (no matrix) brings an unvalidated distro name, and hostile links.
    const state = applyOps(
      inputs.state,
      [
        {
          op: "result",
          id: `"><svg onload=alert(5)>/1/x86_64/k`,
          cacheKey: "k",
          at: inputs.state.createdAt,
          outcome: "failed",
          reason: "unknown",
          detail: "x",
        },
      ],
      "t",
      new Date(),
    );
    const artifacts = [
      ...(inputs.artifacts ?? []).slice(1),
      {
        ...inputs.artifacts![0]!,
        url: "javascript:alert(6)",
        headerPackages: [{ ...inputs.artifacts![0]!.headerPackages[0]!, url: " javascript:alert(7)" }],
      },
    ];
    for (const withMatrix of [true, false]) {
      const html = renderReportPage({
        ...inputs,
        state,
        artifacts,
        ...(withMatrix ? {} : { matrix: undefined }),
      });
      // Outside the embedded data no hostile fragment survives; inside it nothing can end the script element.
      const markup = html.replace(/<script type="application\/json" id="report-data">[^<]*<\/script>/, "");
      expect(markup.length).toBeLessThan(html.length);
      for (const bad of ["<script>alert", "<img src=x", "<svg onload", `"onload=`, "alert(3)</script>"])
        expect(markup.includes(bad), `${bad} (matrix: ${withMatrix})`).toBe(false);
      expect(html.match(/<script\b/g)).toHaveLength(2);
      // The data survives intact for the script, which only ever writes it as text.
      const data = embedded(html);
      if (!withMatrix) expect(data.cells.map((c) => c.i)).toContain(`"><svg onload=alert(5)>/1/x86_64/k`);
      if (withMatrix) {
        expect(data.cells.some((c) => c.i.endsWith(HOSTILE_KERNEL))).toBe(true);
        expect(data.cells.some((c) => c.l === HOSTILE_DETAIL)).toBe(true);
        const bad = data.cells.find((c) => c.a === "javascript:alert(6)");
        expect(bad?.al).toBeUndefined();
        expect(data.headers.find((hd) => hd[2] === " javascript:alert(7)")?.[3]).toBe(0);
      }
    }
  });

  it("the Markdown summary neutralises HTML, table pipes and emphasis", () => {
    const inputs = syntheticReportInputs(50, {
      hostile: "a|b<script>*x*</script>",
      detail: "boom | <b>bad</b>",
    });
    const md = renderReport(inputs).markdown;
    expect(md).not.toMatch(/<script>|<b>/);
    expect(md).toContain("a\\|b&lt;script&gt;\\*x\\*&lt;/script&gt;");
    expect(markdownCell("x\ny|z")).toBe("x y\\|z");
    expect(keyLine("CC hello.o\nhello.c:3: error: expected ')'\nmake: Leaving directory '/x'\n")).toBe(
      "hello.c:3: error: expected ')'",
    );
    expect(keyLine("one\ntwo\n\n")).toBe("two");
  });

  it("safeHref allows http(s), file and relative links only", () => {
    expect(safeHref("https://mirror.test/a.deb")).toBe("https://mirror.test/a.deb");
    expect(safeHref("HTTP://x")).toBe("HTTP://x");
    expect(safeHref("file:///srv/a.ko.xz")).toBe("file:///srv/a.ko.xz");
    expect(safeHref("../artifacts/a/b.ko.xz")).toBe("../artifacts/a/b.ko.xz");
    for (const bad of [
      "javascript:alert(1)",
      "JaVaScRiPt:x",
      "data:text/html,x",
      " javascript:x",
      "java\tscript:x",
      "vbscript:x",
      "",
    ])
      expect(safeHref(bad), bad).toBeUndefined();
  });

  it("embedded JSON round-trips any string and never contains < > & or line separators", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const json = jsonForScript({ s });
        expect(json).not.toMatch(/[<>&\u2028\u2029]/);
        expect((JSON.parse(json) as { s: string }).s).toBe(s);
      }),
    );
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });

  it("only the page's own script may run: the CSP carries its hash, and the script parses", () => {
    const html = renderReportPage(syntheticReportInputs(5));
    const hash = createHash("sha256").update(PAGE_SCRIPT).digest("base64");
    expect(html).toContain(escapeHtml(`script-src 'sha256-${hash}'`));
    expect(html).toContain(`<script>${PAGE_SCRIPT}</script>`);
    expect(() => new Function(PAGE_SCRIPT)).not.toThrow();
    expect(PAGE_SCRIPT).toContain("split(/\\s+/)");
    expect(html).not.toMatch(/<(link|img|iframe)\b|\bsrc=|@import|url\(/);
  });
});

describe("rendering", () => {
  it("an empty state renders a page that says so", () => {
    const html = renderReportPage({
      state: emptyState("none", new Date(0)),
      stateUrl: "file:///s",
      history: [],
      generatedAt: new Date(0),
    });
    expect(html).toContain("No sweep has been recorded yet.");
    expect(html).toContain("No failures.");
    expect(html).toContain("No kernels yet: run a sweep first.");
    expect(embedded(html).cells).toEqual([]);
  });

  it("a small state: summary counts, target rows, chart marks, Markdown and the one-line summary", () => {
    const inputs = syntheticReportInputs(100);
    const { report, html, markdown, json } = renderReport(inputs);
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(report)));
    expect(html).toContain(
      `<span class="count">${report.totals.built}</span><span class="count-label">built</span>`,
    );
    expect(html.match(/<tr><td>/g)).toHaveLength(report.stats.targets.length);
    const failureMarks = [...html.matchAll(/<rect class="mark r-[a-z-]+"[^>]*data-value="(\d+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(failureMarks.reduce((a, b) => a + b, 0)).toBe(
      report.totals.failed + report.totals["headers-unavailable"],
    );
    expect(html.match(/<circle class="mark point"/g)).toHaveLength(report.history.length);
    expect(markdown).toMatch(/^## kmodforge coverage: 80\.0% built \(80 of 100 kernels\)/);
    expect(markdown).toContain("| failed | ");
    expect(summaryLine(report, "out/index.html")).toBe(
      `report: 100 kernels, 80 built (80.0%), ${report.totals.failed} failed, ${report.totals["headers-unavailable"]} headers unavailable, 0 excluded, ${report.totals.pending} pending (generation 5) → out/index.html`,
    );
  });

  it("10,000 kernels: one page of compact data, every kernel in it", () => {
    const inputs = syntheticReportInputs(10_000);
    const report = buildReport(inputs);
    const html = renderReportHtml(report);
    const data = embedded(html);
    expect(data.cells).toHaveLength(10_000);
    expect(data.compilers.length).toBeLessThan(10);
    // Rough size budget: well under a kilobyte per kernel, header URLs and checksums included.
    expect(html.length).toBeLessThan(10_000 * 600);
  });

  it("an excluded kernel carries its build-exclusive rule to the page", () => {
    // Nothing records exclusions in the state yet; the model and the page already show them.
    const report = buildReport(syntheticReportInputs(10));
    const rule = `BUILD_EXCLUSIVE_KERNEL="^6\\.(1|6)\\."`;
    report.cells[0] = { ...report.cells[0]!, status: "excluded", rule };
    const data = embedded(renderReportHtml(report));
    expect(data.labels[data.cells[0]!.s]).toBe("excluded");
    expect(data.cells[0]!.u).toBe(rule);
    expect(renderReportHtml(report)).toContain('<option value="excluded">excluded (0)</option>');
  });

  it("charts draw one mark per non-zero value and write every value as text", () => {
    const svg = barChart({ id: "c", title: "T", desc: "D" }, [
      {
        label: "a",
        segments: [
          { value: 3, cls: "x", name: "x" },
          { value: 0, cls: "y", name: "y" },
        ],
      },
      { label: "b", segments: [{ value: 5, cls: "x", name: "x" }] },
    ]);
    expect(svg.match(/class="mark /g)).toHaveLength(2);
    expect(svg).toMatch(/<text class="value-label"[^>]*>3<\/text>/);
    expect(svg).toMatch(/<title id="c-t">T<\/title><desc id="c-d">D<\/desc>/);
    const line = percentLineChart(
      { id: "l", title: "L", desc: "D" },
      [
        { x: 0, y: 10, tip: "a" },
        { x: 1, y: 90, tip: "b" },
      ],
      { first: "f", last: "l" },
    );
    expect(line.match(/<circle/g)).toHaveLength(2);
    expect(line).toContain("<polyline");
    expect(line).toContain(">90%</text>");
  });
});
