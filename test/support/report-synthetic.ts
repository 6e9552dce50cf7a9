import { cacheKey } from "../../src/core/cache-key.js";
import type { ArtifactSummary } from "../../src/core/report/artifact-summary.js";
import type { CoveragePoint } from "../../src/core/report/history.js";
import type { ReportInputs } from "../../src/core/report/model.js";
import { FAILURE_REASONS } from "../../src/core/sweep/backoff.js";
import { entryId } from "../../src/core/sweep/matrix.js";
import { applyOps, emptyState, type StateOp } from "../../src/core/sweep/state.js";
import type { Matrix, MatrixEntry } from "../../src/core/sweep/types.js";

/**
 * A sweep state of `n` kernels across five distributions and both arches, with every status the report shows,
 * build times, first sightings and a history — for report tests and the report benchmark. Deterministic in `n`.
 */
const TARGETS = [
  { distro: "debian", distroVersion: "12", flavour: "amd64", up: "6.1.0", gcc: 12 },
  { distro: "ubuntu", distroVersion: "22.04", flavour: "aws", up: "6.8.0", gcc: 12 },
  { distro: "fedora", distroVersion: "40", flavour: "", up: "6.10.3", gcc: 14 },
  { distro: "almalinux", distroVersion: "9", flavour: "", up: "5.14.0", gcc: 11 },
  { distro: "amazonlinux", distroVersion: "2023", flavour: "", up: "6.1.102", gcc: 11 },
] as const;
const ARCHES = ["x86_64", "aarch64"] as const;
export const T0 = Date.parse("2025-03-01T00:00:00Z");
const HOUR = 3_600_000;

function release(t: (typeof TARGETS)[number], arch: string, abi: number): string {
  switch (t.distro) {
    case "debian":
      return `6.1.0-${abi}-${arch === "x86_64" ? "amd64" : "arm64"}`;
    case "ubuntu":
      return `6.8.0-${abi}-aws`;
    case "fedora":
      return `6.10.${abi}-200.fc40.${arch}`;
    case "almalinux":
      return `5.14.0-${abi}.el9_4.${arch}`;
    default:
      return `6.1.${abi}-1.amzn2023.${arch}`;
  }
}

export function syntheticMatrix(n: number, hostileKernel?: string): Matrix {
  const entries: MatrixEntry[] = [];
  for (let i = 0; i < n; i++) {
    const t = TARGETS[i % TARGETS.length]!;
    const arch = ARCHES[Math.floor(i / TARGETS.length) % 2]!;
    const abi = Math.floor(i / (TARGETS.length * 2)) + 1;
    const kernelRelease = i === 0 && hostileKernel ? hostileKernel : release(t, arch, abi);
    const identity = {
      distro: t.distro,
      distroVersion: t.distroVersion,
      arch,
      kernelRelease,
      flavour: t.flavour,
      upstreamVersion: t.up,
    };
    const id = entryId(identity);
    const base = {
      id,
      identity,
      headers: {
        kind: "files" as const,
        files: [
          {
            name: `kernel-headers-${kernelRelease}`,
            version: `${abi}`,
            url: `https://mirror.test/pool/${t.distro}/kernel-headers-${abi}.pkg`,
            sha256: (i + 1).toString(16).padStart(64, "a"),
          },
        ],
      },
      compiler: { family: "gcc" as const, major: t.gcc },
      builderImage: `${t.distro}:${t.distroVersion}`,
    };
    entries.push({
      ...base,
      discoveredBy: [`synthetic:${t.distro}`],
      cacheKey: cacheKey({
        identity: base.identity,
        moduleSourceDigest: "",
        compiler: base.compiler,
        builderImage: base.builderImage,
        headers: base.headers,
        buildFlags: [],
      }),
    });
  }
  entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { schemaVersion: 1, kind: "kmodforge-matrix", moduleDigest: "", entries };
}

/** What happened to entry i: about 80% built, 8% failed, 3% headers unavailable, the rest pending. */
function outcome(i: number): "built" | "failed" | "headers" | "queued" | "new" {
  const r = (i * 37) % 100;
  if (r < 80) return "built";
  if (r < 88) return "failed";
  if (r < 91) return "headers";
  return r < 95 ? "queued" : "new";
}

export function syntheticReportInputs(
  n: number,
  options: { hostile?: string; detail?: string } = {},
): ReportInputs {
  const matrix = syntheticMatrix(n, options.hostile);
  const at = (h: number) => new Date(T0 + h * HOUR).toISOString();
  const ops: StateOp[] = [
    { op: "matrix", key: "matrices/synthetic.json" },
    { op: "seen", ids: matrix.entries.map((e) => e.id), at: at(0) },
  ];
  const artifacts: ArtifactSummary[] = [];
  let detailUsed = 0; // the first failure carries options.detail
  matrix.entries.forEach((e, i) => {
    const o = outcome(i);
    const done = at(1 + ((i * 7) % 240));
    if (o === "built") {
      ops.push({ op: "result", id: e.id, cacheKey: e.cacheKey, at: done, outcome: "built" });
      artifacts.push({
        id: e.id,
        url: `https://artifacts.test/${encodeURIComponent(e.identity.kernelRelease)}/hello.ko.xz`,
        sha256: (i + 7).toString(16).padStart(64, "0"),
        compiler: `gcc (GCC) ${e.compiler.major}.2.1`,
        headerPackages: [
          {
            name: `kernel-headers-${e.identity.kernelRelease}`,
            version: "1",
            url: `https://mirror.test/h/${i}.pkg`,
            sha256: (i + 1).toString(16).padStart(64, "a"),
            source: `repo:${e.identity.distro}`,
          },
        ],
        buildSeconds: 20 + ((i * 13) % 400) + (e.identity.distro === "fedora" ? 300 : 0),
        builtAt: done,
      });
    } else if (o === "failed" || o === "headers") {
      const reason =
        o === "headers"
          ? "headers-unavailable"
          : FAILURE_REASONS.filter((r) => r !== "headers-unavailable")[i % 6]!;
      ops.push({
        op: "result",
        id: e.id,
        cacheKey: e.cacheKey,
        at: done,
        outcome: "failed",
        reason,
        detail:
          options.detail && detailUsed++ === 0
            ? options.detail
            : `make: *** [Makefile:${i}] Error 2\nbuild of ${e.id} failed (${reason})`,
      });
    } else if (o === "queued") ops.push({ op: "queued", id: e.id, cacheKey: e.cacheKey, at: done });
  });
  // Generation 5 follows the four generations of the history below.
  const base = { ...emptyState("synthetic", new Date(T0)), generation: 4 };
  const state = applyOps(base, ops, "synthetic", new Date(T0 + 300 * HOUR));
  const history: CoveragePoint[] = [0.2, 0.45, 0.6, 0.72].map((share, g) => ({
    generation: g + 1,
    at: at(g * 60),
    total: n,
    counts: {
      built: Math.round(n * share),
      failed: Math.round(n * 0.05),
      "headers-unavailable": 0,
      excluded: 0,
      pending: n - Math.round(n * share) - Math.round(n * 0.05),
    },
  }));
  return {
    state,
    stateUrl: "file:///var/lib/kmodforge/state",
    matrix,
    history,
    artifacts,
    generatedAt: new Date(T0 + 301 * HOUR),
  };
}
