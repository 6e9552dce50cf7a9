/** How the report writes durations, times and shares, the same on the page, in Markdown and on the console. */

export function formatSeconds(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${round1(seconds / 60)} min`;
  return formatHours(seconds / 3600);
}

export function formatHours(hours: number): string {
  if (hours < 1.5) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${round1(hours)} h`;
  return `${round1(hours / 24)} d`;
}

/** ISO time → `2025-03-01 12:34 UTC` (unparseable input is shown as given). */
export function formatTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function formatPercent(p: number): string {
  return `${p.toFixed(1)}%`;
}

function round1(n: number): string {
  return String(Math.round(n * 10) / 10);
}
