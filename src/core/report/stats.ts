import { byCodeUnit } from "../hash.js";
import { FAILURE_REASONS, type FailureReason } from "../sweep/backoff.js";
import type { CellStatus, ReportCell } from "./cells.js";
import { emptyCounts } from "./history.js";

/** The aggregates the charts and tables draw, computed once from the cells (and kept in report.json). */
export interface ReportStats {
  /** One row per distro × version × arch. */
  targets: Array<{
    distro: string;
    distroVersion: string;
    arch: string;
    total: number;
    counts: Record<CellStatus, number>;
  }>;
  /** Failure classes that occur, in FAILURE_REASONS order. */
  failureReasons: FailureReason[];
  failuresByDistro: Array<{ distro: string; total: number; counts: Partial<Record<FailureReason, number>> }>;
  buildTime: {
    bins: string[];
    byDistro: Array<{ distro: string; n: number; medianSeconds?: number; counts: number[] }>;
  };
  freshness: {
    bins: string[];
    counts: number[];
    n: number;
    medianHours?: number;
    /** Built kernels whose first sighting is not recorded (states written before it was). */
    unknownFirstSeen: number;
    slowest: Array<{ id: string; hours: number; firstSeen: string; builtAt: string }>;
  };
}

/** Upper bounds of the build-time bins (seconds); the last bin is open-ended. */
export const BUILD_TIME_BINS = [
  { upTo: 30, label: "< 30 s" },
  { upTo: 60, label: "30 s–1 min" },
  { upTo: 120, label: "1–2 min" },
  { upTo: 300, label: "2–5 min" },
  { upTo: 600, label: "5–10 min" },
  { upTo: 1800, label: "10–30 min" },
  { upTo: 3600, label: "30–60 min" },
  { label: "≥ 1 h" },
] as const;

/** Upper bounds of the freshness bins (hours from first seen to built). */
export const FRESHNESS_BINS = [
  { upTo: 1, label: "< 1 h" },
  { upTo: 6, label: "1–6 h" },
  { upTo: 24, label: "6–24 h" },
  { upTo: 48, label: "1–2 d" },
  { upTo: 168, label: "2–7 d" },
  { upTo: 720, label: "7–30 d" },
  { label: "≥ 30 d" },
] as const;

export const SLOWEST_LISTED = 10;

type Bins = ReadonlyArray<{ upTo?: number; label: string }>;

/** Counts values into bins by their upper bounds (a value equal to a bound goes to the next bin). */
export function binCounts(values: readonly number[], bins: Bins): number[] {
  const counts = bins.map(() => 0);
  for (const v of values) {
    const i = bins.findIndex((b) => b.upTo === undefined || v < b.upTo);
    counts[i === -1 ? bins.length - 1 : i]!++;
  }
  return counts;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Distro names and versions in the order people expect ("9" before "10"), the same on every machine. */
export const naturalOrder = new Intl.Collator("en", { numeric: true }).compare;

export function reportStats(cells: readonly ReportCell[]): ReportStats {
  return {
    targets: targetRows(cells),
    ...failures(cells),
    buildTime: buildTimes(cells),
    freshness: freshness(cells),
  };
}

function groupBy<K>(cells: readonly ReportCell[], key: (c: ReportCell) => K): Map<K, ReportCell[]> {
  const groups = new Map<K, ReportCell[]>();
  for (const c of cells) {
    const k = key(c);
    const list = groups.get(k);
    if (list) list.push(c);
    else groups.set(k, [c]);
  }
  return groups;
}

function targetRows(cells: readonly ReportCell[]): ReportStats["targets"] {
  const groups = groupBy(cells, (c) => `${c.distro}\u0000${c.distroVersion}\u0000${c.arch}`);
  const rows = [...groups.values()].map((list) => {
    const counts = emptyCounts();
    for (const c of list) counts[c.status]++;
    const { distro, distroVersion, arch } = list[0]!;
    return { distro, distroVersion, arch, total: list.length, counts };
  });
  return rows.sort(
    (a, b) =>
      naturalOrder(a.distro, b.distro) ||
      naturalOrder(a.distroVersion, b.distroVersion) ||
      naturalOrder(a.arch, b.arch),
  );
}

function failures(cells: readonly ReportCell[]): Pick<ReportStats, "failureReasons" | "failuresByDistro"> {
  const failed = cells.filter(
    (c) => c.reason && (c.status === "failed" || c.status === "headers-unavailable"),
  );
  const present = new Set(failed.map((c) => c.reason));
  const byDistro = [...groupBy(failed, (c) => c.distro)].map(([distro, list]) => {
    const counts: Partial<Record<FailureReason, number>> = {};
    for (const c of list) counts[c.reason!] = (counts[c.reason!] ?? 0) + 1;
    return { distro, total: list.length, counts };
  });
  return {
    failureReasons: FAILURE_REASONS.filter((r) => present.has(r)),
    failuresByDistro: byDistro.sort((a, b) => naturalOrder(a.distro, b.distro)),
  };
}

function buildTimes(cells: readonly ReportCell[]): ReportStats["buildTime"] {
  const timed = cells.filter((c) => c.status === "built" && c.buildSeconds !== undefined);
  const byDistro = [...groupBy(timed, (c) => c.distro)].map(([distro, list]) => {
    const seconds = list.map((c) => c.buildSeconds!);
    const m = median(seconds);
    return {
      distro,
      n: list.length,
      ...(m !== undefined ? { medianSeconds: m } : {}),
      counts: binCounts(seconds, BUILD_TIME_BINS),
    };
  });
  return {
    bins: BUILD_TIME_BINS.map((b) => b.label),
    byDistro: byDistro.sort((a, b) => naturalOrder(a.distro, b.distro)),
  };
}

function freshness(cells: readonly ReportCell[]): ReportStats["freshness"] {
  const built = cells.filter((c) => c.status === "built");
  const known = built.filter((c) => c.freshnessHours !== undefined && c.firstSeen && c.builtAt);
  const hours = known.map((c) => c.freshnessHours!);
  const m = median(hours);
  const slowest = [...known]
    .sort((a, b) => b.freshnessHours! - a.freshnessHours! || byCodeUnit(a.id, b.id))
    .slice(0, SLOWEST_LISTED)
    .map((c) => ({ id: c.id, hours: c.freshnessHours!, firstSeen: c.firstSeen!, builtAt: c.builtAt! }));
  return {
    bins: FRESHNESS_BINS.map((b) => b.label),
    counts: binCounts(hours, FRESHNESS_BINS),
    n: known.length,
    ...(m !== undefined ? { medianHours: m } : {}),
    unknownFirstSeen: built.length - known.length,
    slowest,
  };
}
