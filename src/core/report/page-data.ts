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
  // Kernels first seen by one sweep share the time: format each distinct time once.
  const times = new Map<string, string>();
  const time = (iso: string) => times.get(iso) ?? times.set(iso, formatTime(iso)).get(iso)!;
  const out = cells.map((c): PageCell => {
    // Assignments, not spreads of optional fields: this runs once per kernel and dominates at 10,000.
    const p: PageCell = { i: c.id, s: statusIndex.get(c.status)! };
    if (c.reason) p.r = c.reason;
    if (c.pendingWhy) p.w = c.pendingWhy;
    if (c.rule) p.u = c.rule;
    if (c.logTail) p.l = c.logTail;
    if (c.attempts) p.n = c.attempts;
    if (c.nextRetryAt) p.x = time(c.nextRetryAt);
    if (c.recordedAt) p.t = time(c.recordedAt);
    if (c.firstSeen) p.f = time(c.firstSeen);
    if (c.builtAt) p.b = time(c.builtAt);
    if (c.buildSeconds !== undefined) p.d = formatSeconds(c.buildSeconds);
    if (c.freshnessHours !== undefined) p.q = formatHours(c.freshnessHours);
    if (c.compiler) {
      const text = c.compiler.text;
      p.c = compilers.add(text, () => text);
      if (c.compiler.from === "matrix") p.m = 1;
    }
    if (c.headers.length)
      p.h = c.headers.map((hd) => {
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
    if (c.artifact) {
      p.a = c.artifact.url;
      if (safeHref(c.artifact.url)) p.al = 1;
      if (c.artifact.sha256) p.z = c.artifact.sha256;
    }
    return p;
  });
  return {
    statuses: CELL_STATUSES,
    labels: CELL_STATUSES.map((s) => STATUS_LABELS[s]),
    compilers: compilers.rows,
    headers: headers.rows,
    cells: out,
  };
}
