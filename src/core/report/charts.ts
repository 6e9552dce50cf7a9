import { h, num, text } from "./markup.js";

/**
 * Chart primitives as inline SVG strings: pure functions of their data, no chart library. Every drawn mark carries
 * class `mark`, its value in `data-value` and a `<title>` tooltip, and every chart has a title and a description
 * for screen readers; colours come from CSS classes, and values are written as text, never colour alone.
 */

export interface BarSegment {
  value: number;
  /** CSS class that colours it (also names it in the legend). */
  cls: string;
  name: string;
}
export interface BarRow {
  label: string;
  segments: BarSegment[];
}

export interface ChartText {
  /** Unique within the page (element ids derive from it). */
  id: string;
  title: string;
  desc: string;
}

const ROW_H = 22;
const BAR_H = 14;

function svg(chart: ChartText, width: number, height: number, body: string): string {
  return h(
    "svg",
    {
      class: "chart",
      viewBox: `0 0 ${width} ${num(height)}`,
      role: "img",
      "aria-labelledby": `${chart.id}-t ${chart.id}-d`,
      "data-chart": chart.id,
    },
    h("title", { id: `${chart.id}-t` }, text(chart.title)),
    h("desc", { id: `${chart.id}-d` }, text(chart.desc)),
    body,
  );
}

/** Horizontal bars, one row per label, stacked segments, the row total written at the end of each bar. */
export function barChart(chart: ChartText, rows: readonly BarRow[], width = 480, labelWidth = 120): string {
  const max = Math.max(1, ...rows.map((r) => r.segments.reduce((s, g) => s + g.value, 0)));
  const area = width - labelWidth - 44;
  const height = rows.length * ROW_H + 8;
  const body = rows
    .map((row, i) => {
      const y = 4 + i * ROW_H;
      let x = labelWidth;
      const segs = row.segments
        .filter((g) => g.value > 0)
        .map((g) => {
          const w = (g.value / max) * area;
          const seg = h(
            "rect",
            {
              class: `mark ${g.cls}`,
              x: num(x),
              y: num(y + (ROW_H - BAR_H) / 2),
              width: num(Math.max(w, 1)),
              height: BAR_H,
              "data-value": g.value,
              "data-name": g.name,
            },
            h("title", {}, text(`${row.label} — ${g.name}: ${g.value}`)),
          );
          const inner =
            w >= 22 && row.segments.filter((s) => s.value > 0).length > 1
              ? h(
                  "text",
                  {
                    class: "seg-label",
                    x: num(x + w / 2),
                    y: num(y + ROW_H / 2 + 4),
                    "text-anchor": "middle",
                  },
                  text(g.value),
                )
              : "";
          x += w;
          return seg + inner;
        })
        .join("");
      const total = row.segments.reduce((s, g) => s + g.value, 0);
      return (
        h(
          "text",
          { class: "axis-label", x: labelWidth - 6, y: num(y + ROW_H / 2 + 4), "text-anchor": "end" },
          text(row.label),
        ) +
        segs +
        h("text", { class: "value-label", x: num(x + 4), y: num(y + ROW_H / 2 + 4) }, text(total))
      );
    })
    .join("");
  return svg(chart, width, height, body);
}

export interface LinePoint {
  /** Position on the x axis (a time in ms, or an index). */
  x: number;
  /** 0–100. */
  y: number;
  tip: string;
}

const PAD = { left: 44, right: 54, top: 12, bottom: 30 };

/** A percentage line over time: gridlines at 0/25/50/75/100 %, one marked point per value, first and last x labels. */
export function percentLineChart(
  chart: ChartText,
  points: readonly LinePoint[],
  xLabels: { first: string; last: string },
  width = 520,
  height = 220,
): string {
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const xs = points.map((p) => p.x);
  const minX = Math.min(...xs);
  const spanX = Math.max(...xs) - minX;
  const px = (x: number) => PAD.left + (spanX > 0 ? ((x - minX) / spanX) * plotW : plotW / 2);
  const py = (y: number) => PAD.top + plotH - (Math.min(100, Math.max(0, y)) / 100) * plotH;
  const grid = [0, 25, 50, 75, 100]
    .map(
      (g) =>
        h("line", { class: "grid", x1: PAD.left, x2: PAD.left + plotW, y1: num(py(g)), y2: num(py(g)) }) +
        h(
          "text",
          { class: "axis-label", x: PAD.left - 6, y: num(py(g) + 4), "text-anchor": "end" },
          text(`${g}%`),
        ),
    )
    .join("");
  const path =
    points.length > 1
      ? h("polyline", {
          class: "line",
          points: points.map((p) => `${num(px(p.x))},${num(py(p.y))}`).join(" "),
        })
      : "";
  const marks = points
    .map((p) =>
      h(
        "circle",
        { class: "mark point", cx: num(px(p.x)), cy: num(py(p.y)), r: 3.5, "data-value": num(p.y) },
        h("title", {}, text(p.tip)),
      ),
    )
    .join("");
  const last = points.at(-1);
  const lastLabel = last
    ? h(
        "text",
        { class: "value-label", x: num(px(last.x) + 6), y: num(py(last.y) + 4) },
        text(`${num(last.y)}%`),
      )
    : "";
  const axis =
    h("text", { class: "axis-label", x: PAD.left, y: height - 8 }, text(xLabels.first)) +
    h(
      "text",
      { class: "axis-label", x: PAD.left + plotW, y: height - 8, "text-anchor": "end" },
      text(xLabels.last),
    );
  return svg(chart, width, height, grid + path + marks + lastLabel + axis);
}

/** A legend for the classes a chart uses: a swatch and the name as text. */
export function legend(items: ReadonlyArray<{ cls: string; name: string }>): string {
  return h(
    "ul",
    { class: "legend" },
    ...items.map((i) =>
      h("li", {}, h("span", { class: `swatch ${i.cls}`, "aria-hidden": "true" }), text(i.name)),
    ),
  );
}
