import { CELL_STATUSES, type ReportCell, STATUS_LABELS } from "./cells.js";
import { formatHours, formatSeconds, formatTime } from "./format.js";
import { safeHref } from "./markup.js";

/**
 * The cells as the page's script reads them: short keys, header packages and compilers stored once, every time and
 * duration already written for people, and every link already checked (`safeHref`), so the script only displays
 * text. report.json keeps the full, readable model; this is the same data, encoded to keep a 10,000-kernel page
 * small.
 */
export interface PageCell {
  /** id */
  i: string;
  /** index into `statuses` */
  s: number;
  /** failure reason */
  r?: string;
  /** why pending: new | queued | rebuild */
  w?: string;
  /** build-exclusive rule */
  u?: string;
  /** log tail */
  l?: string;
  /** attempts, next retry */
  n?: number;
  x?: string;
  /** recorded, first seen, built (formatted times) */
  t?: string;
  f?: string;
  b?: string;
  /** build time, freshness (formatted durations) */
  d?: string;
  q?: string;
  /** index into `compilers`; `m` = 1 when the compiler is the matrix's plan, not what a build ran */
  c?: number;
  m?: 1;
  /** indexes into `headers` */
  h?: number[];
  /** artifact: url, whether it may be a link, sha256 */
  a?: string;
  al?: 1;
  z?: string;
}

/** A header package: name, version, url, 1 when url may be a link, sha256, source. */
export type PageHeader = [string, string, string, 0 | 1, string, string];

export interface PageData {
  statuses: readonly string[];
  labels: readonly string[];
  compilers: string[];
  headers: PageHeader[];
  cells: PageCell[];
}

/** Interns values: each distinct key is stored once and referenced by index. */
class Table<T> {
  readonly rows: T[] = [];
  private readonly index = new Map<string, number>();
  add(key: string, row: () => T): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.rows.push(row()) - 1;
      this.index.set(key, i);
    }
    return i;
  }
}

export function pageData(cells: readonly ReportCell[]): PageData {
  const compilers = new Table<string>();
  const headers = new Table<PageHeader>();
  const statusIndex = new Map(CELL_STATUSES.map((s, i) => [s, i]));
  const out = cells.map((c): PageCell => {
    const hs = c.headers.map((hd) => {
      const row: PageHeader = [
        hd.name,
        hd.version ?? "",
        hd.url,
        safeHref(hd.url) ? 1 : 0,
        hd.sha256 ?? "",
        hd.source ?? "",
      ];
      return headers.add(row.join("\u0000"), () => row);
    });
    return {
      i: c.id,
      s: statusIndex.get(c.status)!,
      ...(c.reason ? { r: c.reason } : {}),
      ...(c.pendingWhy ? { w: c.pendingWhy } : {}),
      ...(c.rule ? { u: c.rule } : {}),
      ...(c.logTail ? { l: c.logTail } : {}),
      ...(c.attempts ? { n: c.attempts } : {}),
      ...(c.nextRetryAt ? { x: formatTime(c.nextRetryAt) } : {}),
      ...(c.recordedAt ? { t: formatTime(c.recordedAt) } : {}),
      ...(c.firstSeen ? { f: formatTime(c.firstSeen) } : {}),
      ...(c.builtAt ? { b: formatTime(c.builtAt) } : {}),
      ...(c.buildSeconds !== undefined ? { d: formatSeconds(c.buildSeconds) } : {}),
      ...(c.freshnessHours !== undefined ? { q: formatHours(c.freshnessHours) } : {}),
      ...(c.compiler ? { c: compilers.add(c.compiler.text, () => c.compiler!.text) } : {}),
      ...(c.compiler?.from === "matrix" ? { m: 1 as const } : {}),
      ...(hs.length ? { h: hs } : {}),
      ...(c.artifact ? { a: c.artifact.url } : {}),
      ...(c.artifact && safeHref(c.artifact.url) ? { al: 1 as const } : {}),
      ...(c.artifact?.sha256 ? { z: c.artifact.sha256 } : {}),
    };
  });
  return {
    statuses: CELL_STATUSES,
    labels: CELL_STATUSES.map((s) => STATUS_LABELS[s]),
    compilers: compilers.rows,
    headers: headers.rows,
    cells: out,
  };
}
