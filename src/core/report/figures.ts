import { barChart, legend, percentLineChart } from "./charts.js";
import { formatHours, formatPercent, formatSeconds, formatTime } from "./format.js";
import { type CoveragePoint, coveragePercent } from "./history.js";
import { h, text } from "./markup.js";
import type { ReportStats } from "./stats.js";

/** The report's four pictures, each a <figure> with its chart and the same facts in words. */

function figure(id: string, heading: string, ...body: string[]): string {
  return wideFigure(false, id, heading, ...body);
}

/** A figure that takes the whole row (small multiples need the room). */
function wideFigure(wide: boolean, id: string, heading: string, ...body: string[]): string {
  return h(
    "figure",
    { class: wide ? "card figure wide" : "card figure", id: `fig-${id}` },
    h("figcaption", {}, h("h3", {}, text(heading))),
    ...body,
  );
}

const empty = (message: string) => h("p", { class: "empty" }, text(message));

export function coverageFigure(history: readonly CoveragePoint[]): string {
  const heading = "Coverage over sweep generations";
  if (history.length === 0) return figure("coverage", heading, empty("No sweep has been recorded yet."));
  const times = history.map((p) => Date.parse(p.at));
  const byTime = times.every((t) => Number.isFinite(t)) && Math.max(...times) > Math.min(...times);
  const points = history.map((p, i) => {
    const pct = coveragePercent(p.counts.built, p.total);
    return {
      x: byTime ? times[i]! : i,
      y: pct,
      tip: `generation ${p.generation} (${formatTime(p.at)}): ${formatPercent(pct)} built (${p.counts.built} of ${p.total})`,
    };
  });
  const first = history[0]!;
  const last = history.at(-1)!;
  const label = (p: CoveragePoint) => `gen ${p.generation} · ${formatTime(p.at).slice(0, 10)}`;
  const summary = `${formatPercent(coveragePercent(last.counts.built, last.total))} built at generation ${last.generation} (${last.counts.built} of ${last.total})${
    history.length > 1
      ? `; ${formatPercent(coveragePercent(first.counts.built, first.total))} at generation ${first.generation}`
      : ""
  }.`;
  return figure(
    "coverage",
    heading,
    percentLineChart({ id: "chart-coverage", title: heading, desc: summary }, points, {
      first: label(first),
      last: label(last),
    }),
    h("p", { class: "chart-note" }, text(summary)),
  );
}

export function failureFigure(stats: ReportStats): string {
  const heading = "Failure reasons by distribution";
  if (stats.failuresByDistro.length === 0) return figure("failures", heading, empty("No failures."));
  const rows = stats.failuresByDistro.map((d) => ({
    label: d.distro,
    segments: stats.failureReasons.map((r) => ({ value: d.counts[r] ?? 0, cls: `r-${r}`, name: r })),
  }));
  const desc = stats.failuresByDistro
    .map(
      (d) =>
        `${d.distro}: ${stats.failureReasons
          .filter((r) => d.counts[r])
          .map((r) => `${d.counts[r]} ${r}`)
          .join(", ")}`,
    )
    .join("; ");
  return figure(
    "failures",
    heading,
    barChart({ id: "chart-failures", title: heading, desc }, rows),
    legend(stats.failureReasons.map((r) => ({ cls: `r-${r}`, name: r }))),
  );
}

export function buildTimeFigure(stats: ReportStats): string {
  const heading = "Build time per distribution";
  if (stats.buildTime.byDistro.length === 0)
    return figure(
      "build-time",
      heading,
      empty(
        "No build times known: make the report with --artifacts <dir> (each metadata.json records its build's start and finish).",
      ),
    );
  const charts = stats.buildTime.byDistro.map((d, n) => {
    const title = `${d.distro}: ${d.n} build${d.n === 1 ? "" : "s"}${d.medianSeconds !== undefined ? `, median ${formatSeconds(d.medianSeconds)}` : ""}`;
    const rows = stats.buildTime.bins.map((label, i) => ({
      label,
      segments: [{ value: d.counts[i] ?? 0, cls: "bin", name: "builds" }],
    }));
    return h(
      "div",
      { class: "multiple" },
      h("h4", {}, text(title)),
      barChart(
        {
          id: `chart-build-time-${n}`,
          title,
          desc: rows.map((r) => `${r.label}: ${r.segments[0]!.value}`).join(", "),
        },
        rows,
        480,
        100,
      ),
    );
  });
  return wideFigure(charts.length > 1, "build-time", heading, h("div", { class: "multiples" }, ...charts));
}

export function freshnessFigure(stats: ReportStats): string {
  const heading = "Freshness: kernel first seen → module built";
  const f = stats.freshness;
  const unknown =
    f.unknownFirstSeen > 0
      ? h(
          "p",
          { class: "chart-note" },
          text(
            `${f.unknownFirstSeen} built kernel(s) have no recorded first sighting (seen before the state recorded it).`,
          ),
        )
      : "";
  if (f.n === 0)
    return figure("freshness", heading, empty("No built kernel with a known first sighting yet."), unknown);
  const rows = f.bins.map((label, i) => ({
    label,
    segments: [{ value: f.counts[i] ?? 0, cls: "bin", name: "kernels" }],
  }));
  const summary = `${f.n} kernel(s); median ${formatHours(f.medianHours ?? 0)} from first seen to built.`;
  const slowest = h(
    "table",
    { class: "slowest" },
    h("caption", {}, text("Slowest")),
    h(
      "thead",
      {},
      h("tr", {}, h("th", { scope: "col" }, "Kernel"), h("th", { scope: "col" }, "First seen → built")),
    ),
    h(
      "tbody",
      {},
      ...f.slowest.map((s) =>
        h(
          "tr",
          {},
          h("td", { class: "id" }, text(s.id)),
          h(
            "td",
            { title: `${formatTime(s.firstSeen)} → ${formatTime(s.builtAt)}` },
            text(formatHours(s.hours)),
          ),
        ),
      ),
    ),
  );
  return figure(
    "freshness",
    heading,
    barChart({ id: "chart-freshness", title: heading, desc: summary }, rows, 480, 80),
    h("p", { class: "chart-note" }, text(summary)),
    unknown,
    slowest,
  );
}
