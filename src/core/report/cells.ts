import type { FailureReason } from "../sweep/backoff.js";
import type { EntryState } from "../sweep/state.js";
import type { MatrixEntry } from "../sweep/types.js";
import type { ArtifactSummary } from "./artifact-summary.js";

/**
 * One cell of the report: one kernel of the matrix and what happened to it. The status is what a user asks about
 * ("is my kernel built yet?"), always shown as a text label.
 */
export const CELL_STATUSES = ["built", "failed", "headers-unavailable", "excluded", "pending"] as const;
export type CellStatus = (typeof CELL_STATUSES)[number];

export const STATUS_LABELS: Record<CellStatus, string> = {
  built: "built",
  failed: "failed",
  "headers-unavailable": "headers unavailable",
  excluded: "excluded",
  pending: "pending",
};

/** Why a cell is pending: never built yet, handed to CI and waiting, or built before for an older cache key. */
export type PendingWhy = "new" | "queued" | "rebuild";

export interface ReportHeader {
  name: string;
  version?: string;
  url: string;
  sha256?: string;
  /** Where it came from: the header source (`apt:bookworm-security`), or the discovery sources of the matrix. */
  source?: string;
}

export interface ReportCell {
  /** `<distro>/<distroVersion>/<arch>/<kernelRelease>` */
  id: string;
  distro: string;
  distroVersion: string;
  arch: string;
  kernelRelease: string;
  status: CellStatus;
  /** Failure class of a failed or headers-unavailable cell. */
  reason?: FailureReason;
  pendingWhy?: PendingWhy;
  /** The build-exclusive rule that excluded the kernel (excluded cells). */
  rule?: string;
  /** The last failure's log tail as the state keeps it (≤ 2000 characters). */
  logTail?: string;
  attempts?: number;
  nextRetryAt?: string;
  /** When the state recorded the latest outcome. */
  recordedAt?: string;
  firstSeen?: string;
  /** When the artifact was built (the artifact's own time, else when the state recorded the build). */
  builtAt?: string;
  buildSeconds?: number;
  /** First seen → built, in hours (built cells whose first sighting is known). */
  freshnessHours?: number;
  /** The compiler the build ran (`artifact`), or the one the matrix plans (`matrix`). */
  compiler?: { text: string; from: "artifact" | "matrix" };
  headers: ReportHeader[];
  artifact?: { url: string; sha256?: string };
}

/**
 * The status of a kernel given its matrix entry (undefined when no matrix is known) and its state record. A record
 * for another cache key is history: the kernel is pending a rebuild.
 */
export function cellStatus(
  entry: Pick<MatrixEntry, "cacheKey"> | undefined,
  state: EntryState | undefined,
): { status: CellStatus; pendingWhy?: PendingWhy } {
  if (!state) return { status: "pending", pendingWhy: "new" };
  if (entry && entry.cacheKey !== state.cacheKey) return { status: "pending", pendingWhy: "rebuild" };
  switch (state.status) {
    case "built":
      return { status: "built" };
    case "pending":
      return { status: "pending", pendingWhy: "queued" };
    case "failed":
      return { status: state.failure?.reason === "headers-unavailable" ? "headers-unavailable" : "failed" };
    case "excluded":
      return { status: "excluded" };
    default: {
      // A state status this report does not know yet must be mapped here.
      const unknown: never = state.status;
      throw new Error(`unmapped sweep state status ${String(unknown)}`);
    }
  }
}

/** Splits an entry id; the kernel release is everything after the third slash (it may contain slashes). */
export function splitEntryId(
  id: string,
): Pick<ReportCell, "distro" | "distroVersion" | "arch" | "kernelRelease"> {
  const [distro = "", distroVersion = "", arch = "", ...rest] = id.split("/");
  return { distro, distroVersion, arch, kernelRelease: rest.join("/") };
}

/** Builds one cell from whatever is known about the kernel. */
export function buildCell(
  id: string,
  entry: MatrixEntry | undefined,
  state: EntryState | undefined,
  artifact: ArtifactSummary | undefined,
  firstSeen: string | undefined,
): ReportCell {
  const { status, pendingWhy } = cellStatus(entry, state);
  const where = entry ? entry.identity : splitEntryId(id);
  const current = status !== "pending" || pendingWhy === "queued";
  const builtAt = status === "built" ? (artifact?.builtAt ?? state?.at) : undefined;
  const freshness =
    builtAt && firstSeen ? Math.max(0, (Date.parse(builtAt) - Date.parse(firstSeen)) / 3_600_000) : undefined;
  return {
    id,
    distro: where.distro,
    distroVersion: where.distroVersion,
    arch: where.arch,
    kernelRelease: where.kernelRelease,
    status,
    ...(pendingWhy ? { pendingWhy } : {}),
    ...(state?.failure && current
      ? {
          reason: state.failure.reason,
          logTail: state.failure.detail,
          attempts: state.failure.attempts,
          nextRetryAt: state.failure.nextRetryAt,
        }
      : {}),
    ...(status === "excluded" && state?.exclusion ? { rule: state.exclusion.rule } : {}),
    ...(state ? { recordedAt: state.at } : {}),
    ...(firstSeen ? { firstSeen } : {}),
    ...(builtAt ? { builtAt } : {}),
    ...(artifact?.buildSeconds !== undefined ? { buildSeconds: artifact.buildSeconds } : {}),
    ...(freshness !== undefined && Number.isFinite(freshness) ? { freshnessHours: freshness } : {}),
    ...compilerOf(entry, artifact),
    headers: headersOf(entry, artifact),
    ...(artifact
      ? { artifact: { url: artifact.url, ...(artifact.sha256 ? { sha256: artifact.sha256 } : {}) } }
      : {}),
  };
}

function compilerOf(entry: MatrixEntry | undefined, artifact: ArtifactSummary | undefined) {
  if (artifact?.compiler) return { compiler: { text: artifact.compiler, from: "artifact" as const } };
  if (entry)
    return {
      compiler: { text: `${entry.compiler.family} ${entry.compiler.major}`, from: "matrix" as const },
    };
  return {};
}

function headerUrlInMatrix(entry: MatrixEntry | undefined, name: string): string | undefined {
  return entry?.headers.kind === "files" ? entry.headers.files.find((f) => f.name === name)?.url : undefined;
}

function headersOf(entry: MatrixEntry | undefined, artifact: ArtifactSummary | undefined): ReportHeader[] {
  if (artifact && artifact.headerPackages.length > 0)
    return artifact.headerPackages.map((h) => ({
      name: h.name,
      version: h.version,
      // A store's index keeps no download URL: the matrix's, when it names the same package.
      url: h.url ?? headerUrlInMatrix(entry, h.name) ?? "",
      sha256: h.sha256,
      source: h.source,
    }));
  if (entry?.headers.kind !== "files") return [];
  const source = entry.discoveredBy.join(", ");
  return entry.headers.files.map((f) => ({
    name: f.name,
    ...(f.version ? { version: f.version } : {}),
    url: f.url,
    ...(f.sha256 ? { sha256: f.sha256 } : {}),
    ...(source ? { source } : {}),
  }));
}
