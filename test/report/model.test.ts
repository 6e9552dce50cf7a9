import { describe, expect, it } from "vitest";
import type { ArtifactSummary } from "../../src/core/report/artifact-summary.js";
import { cellStatus } from "../../src/core/report/cells.js";
import { coveragePoint, sampleGenerations } from "../../src/core/report/history.js";
import { buildReport, type ReportInputs } from "../../src/core/report/model.js";
import { BUILD_TIME_BINS, binCounts, median } from "../../src/core/report/stats.js";
import { applyOps, emptyState, type StateOp } from "../../src/core/sweep/state.js";
import { syntheticMatrix, syntheticReportInputs } from "../support/report-synthetic.js";

const T0 = Date.parse("2025-05-01T00:00:00Z");
const at = (hours: number) => new Date(T0 + hours * 3_600_000).toISOString();
const NOW = new Date(T0 + 1000 * 3_600_000);

/** Six kernels, one per situation a user asks about. */
function small(): ReportInputs {
  const matrix = syntheticMatrix(6);
  const [built, failed, headers, queued, never, rebuild] = matrix.entries;
  const ops: StateOp[] = [
    { op: "matrix", key: "matrices/m.json" },
    { op: "seen", ids: matrix.entries.map((e) => e.id), at: at(0) },
    { op: "result", id: built!.id, cacheKey: built!.cacheKey, at: at(30), outcome: "built" },
    {
      op: "result",
      id: failed!.id,
      cacheKey: failed!.cacheKey,
      at: at(2),
      outcome: "failed",
      reason: "compile-error",
      detail: "hello.c:3: error: implicit declaration of function 'x'",
    },
    {
      op: "result",
      id: headers!.id,
      cacheKey: headers!.cacheKey,
      at: at(3),
      outcome: "failed",
      reason: "headers-unavailable",
      detail: "no mirror serves kernel-headers",
    },
    { op: "queued", id: queued!.id, cacheKey: queued!.cacheKey, at: at(4) },
    {
      op: "result",
      id: rebuild!.id,
      cacheKey: "0".repeat(64),
      at: at(5),
      outcome: "failed",
      reason: "verify-failed",
      detail: "old",
    },
  ];
  void never;
  const artifact: ArtifactSummary = {
    id: built!.id,
    url: "https://artifacts.test/hello.ko.xz",
    sha256: "a".repeat(64),
    compiler: "gcc (Debian 12.2.0-14) 12.2.0",
    headerPackages: [
      {
        name: "linux-headers-x",
        version: "1",
        url: "https://mirror.test/x.deb",
        sha256: "b".repeat(64),
        source: "apt:bookworm",
      },
    ],
    buildSeconds: 75,
    builtAt: at(36),
  };
  return {
    state: applyOps(emptyState("t", new Date(T0)), ops, "t", new Date(T0 + 40 * 3_600_000)),
    stateUrl: "file:///state",
    matrix,
    history: [],
    artifacts: [artifact, { ...artifact, id: "debian/12/x86_64/not-in-matrix" }],
    generatedAt: NOW,
  };
}

describe("report model", () => {
  it("an empty state: no cells, no history, and a note saying why", () => {
    const r = buildReport({
      state: emptyState("none", new Date(0)),
      stateUrl: "file:///nowhere",
      history: [],
      generatedAt: NOW,
    });
    expect(r.totals).toEqual({
      built: 0,
      failed: 0,
      "headers-unavailable": 0,
      excluded: 0,
      pending: 0,
      total: 0,
      coveragePercent: 0,
    });
    expect(r.cells).toEqual([]);
    expect(r.history).toEqual([]);
    expect(r.notes.join(" ")).toMatch(/holds no sweep yet/);
    expect(r.stats.freshness.n).toBe(0);
  });

  it("a small state: each kernel's status, reason, log tail, freshness, compiler, headers and artifact", () => {
    const inputs = small();
    const r = buildReport(inputs);
    const [built, failed, headers, queued, never, rebuild] = inputs.matrix!.entries.map((e) =>
      r.cells.find((c) => c.id === e.id),
    );
    expect(r.totals).toMatchObject({
      total: 6,
      built: 1,
      failed: 1,
      "headers-unavailable": 1,
      pending: 3,
      excluded: 0,
    });
    expect(r.totals.coveragePercent).toBeCloseTo(100 / 6);
    expect(built).toMatchObject({
      status: "built",
      firstSeen: at(0),
      builtAt: at(36),
      freshnessHours: 36,
      buildSeconds: 75,
      compiler: { text: "gcc (Debian 12.2.0-14) 12.2.0", from: "artifact" },
      artifact: { url: "https://artifacts.test/hello.ko.xz", sha256: "a".repeat(64) },
    });
    expect(built?.headers).toEqual([
      {
        name: "linux-headers-x",
        version: "1",
        url: "https://mirror.test/x.deb",
        sha256: "b".repeat(64),
        source: "apt:bookworm",
      },
    ]);
    expect(failed).toMatchObject({
      status: "failed",
      reason: "compile-error",
      attempts: 1,
      compiler: { from: "matrix" },
    });
    expect(failed?.logTail).toContain("implicit declaration");
    expect(failed?.headers[0]?.source).toMatch(/^synthetic:/);
    expect(headers).toMatchObject({ status: "headers-unavailable", reason: "headers-unavailable" });
    expect(queued).toMatchObject({ status: "pending", pendingWhy: "queued" });
    expect(never).toMatchObject({ status: "pending", pendingWhy: "new" });
    // A failure recorded for an older cache key is history: the kernel waits for a rebuild, with no stale reason.
    expect(rebuild).toMatchObject({ status: "pending", pendingWhy: "rebuild" });
    expect(rebuild?.reason).toBeUndefined();
    expect(r.notes).toEqual(["1 artifact(s) are for kernels outside the current matrix (not shown)."]);
    expect(r.stats.failuresByDistro.flatMap((d) => Object.entries(d.counts))).toEqual(
      expect.arrayContaining([
        ["compile-error", 1],
        ["headers-unavailable", 1],
      ]),
    );
    expect(r.stats.freshness).toMatchObject({
      n: 1,
      medianHours: 36,
      slowest: [{ id: built!.id, hours: 36 }],
    });
    expect(r.history).toEqual([coveragePoint(inputs.state, inputs.matrix)]);
  });

  it("without the matrix, shows the state's own entries and says kernels never built are missing", () => {
    const inputs = small();
    const r = buildReport({ ...inputs, matrix: undefined });
    expect(r.cells.map((c) => c.status).sort()).toEqual([
      "built",
      "failed",
      "failed",
      "headers-unavailable",
      "pending",
    ]);
    expect(r.notes.some((n) => n.includes("matrices/m.json") && n.includes("never built"))).toBe(true);
  });

  it("10,000 kernels: every kernel counted once, in matrix order, with every status and chart input", () => {
    const inputs = syntheticReportInputs(10_000);
    const r = buildReport(inputs);
    expect(r.cells).toHaveLength(10_000);
    expect(r.cells.map((c) => c.id)).toEqual(inputs.matrix!.entries.map((e) => e.id));
    const sum =
      r.totals.built +
      r.totals.failed +
      r.totals["headers-unavailable"] +
      r.totals.pending +
      r.totals.excluded;
    expect(sum).toBe(10_000);
    expect(r.totals.built).toBe(8000);
    expect(r.stats.targets).toHaveLength(10);
    expect(r.stats.targets.reduce((s, t) => s + t.total, 0)).toBe(10_000);
    expect(r.stats.buildTime.byDistro.map((d) => d.distro)).toEqual([
      "almalinux",
      "amazonlinux",
      "debian",
      "fedora",
      "ubuntu",
    ]);
    expect(r.stats.buildTime.byDistro.reduce((s, d) => s + d.n, 0)).toBe(8000);
    expect(r.stats.freshness.counts.reduce((a, b) => a + b, 0)).toBe(8000);
    expect(r.stats.freshness.slowest).toHaveLength(10);
    expect(r.history.map((p) => p.generation)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe("statuses, history and statistics", () => {
  it("maps every state record to a status; another cache key means a rebuild is due", () => {
    const rec = (
      status: "built" | "failed" | "pending" | "excluded",
      reason?: "headers-unavailable" | "unknown",
    ) => ({
      cacheKey: "k",
      status,
      at: at(0),
      generation: 1,
      ...(reason ? { failure: { reason, detail: "", attempts: 1, nextRetryAt: at(1) } } : {}),
    });
    expect(cellStatus({ cacheKey: "k" }, undefined)).toEqual({ status: "pending", pendingWhy: "new" });
    expect(cellStatus({ cacheKey: "k" }, rec("built"))).toEqual({ status: "built" });
    expect(cellStatus({ cacheKey: "other" }, rec("built"))).toEqual({
      status: "pending",
      pendingWhy: "rebuild",
    });
    expect(cellStatus({ cacheKey: "k" }, rec("pending"))).toEqual({
      status: "pending",
      pendingWhy: "queued",
    });
    expect(cellStatus({ cacheKey: "k" }, rec("failed", "unknown"))).toEqual({ status: "failed" });
    expect(cellStatus(undefined, rec("failed", "headers-unavailable"))).toEqual({
      status: "headers-unavailable",
    });
    expect(cellStatus({ cacheKey: "k" }, rec("excluded"))).toEqual({ status: "excluded" });
  });

  it("samples at most n generations, always the first and the newest", () => {
    const gens = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(sampleGenerations(gens, 200)).toEqual(gens);
    const s = sampleGenerations(gens, 5);
    expect(s).toEqual([1, 26, 51, 75, 100]);
    expect(sampleGenerations(gens, 1)).toEqual([100]);
    expect(sampleGenerations([], 5)).toEqual([]);
  });

  it("bins values by upper bound and takes medians", () => {
    expect(binCounts([0, 29.9, 30, 59, 3600, 99999], BUILD_TIME_BINS)).toEqual([2, 2, 0, 0, 0, 0, 0, 2]);
    expect(median([])).toBeUndefined();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});
