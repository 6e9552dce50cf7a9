import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { classifyFailure, MAX_DELAY_MS, retryDelayMs } from "../../src/core/sweep/backoff.js";
import {
  chunkEntries,
  formatChunkRef,
  MAX_CHUNKS_PER_PAGE,
  parseChunkRef,
} from "../../src/core/sweep/chunk.js";
import { githubMatrix, gitlabChildPipeline, renderFanOut } from "../../src/core/sweep/ci-output.js";
import { diffMatrix } from "../../src/core/sweep/diff.js";
import { ledgerVerdict } from "../../src/core/sweep/ledger.js";
import { buildMatrix } from "../../src/core/sweep/matrix.js";
import { applyOps, emptyState, type StateOp } from "../../src/core/sweep/state.js";
import { syntheticKernels, syntheticPolicy } from "../support/sweep-synthetic.js";

const DAY = 86_400_000;
const t0 = new Date("2026-01-01T00:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms).toISOString();

function matrixOf(n: number, revision = "1") {
  return buildMatrix(syntheticKernels(n, revision), syntheticPolicy()).matrix;
}

describe("diff", () => {
  it("classifies added, changed, removed, unchanged and failed entries", () => {
    const m = matrixOf(6);
    const [a, b, c, d] = m.entries;
    const ops: StateOp[] = [
      { op: "result", id: a!.id, cacheKey: a!.cacheKey, at: at(0), outcome: "built" },
      { op: "result", id: b!.id, cacheKey: "0".repeat(64), at: at(0), outcome: "built" },
      {
        op: "result",
        id: c!.id,
        cacheKey: c!.cacheKey,
        at: at(0),
        outcome: "failed",
        reason: "headers-unavailable",
        detail: "404",
      },
      {
        op: "result",
        id: d!.id,
        cacheKey: d!.cacheKey,
        at: at(0),
        outcome: "failed",
        reason: "compile-error",
        detail: "error: x",
      },
      {
        op: "result",
        id: "debian/12/x86_64/6.1.0-999-amd64",
        cacheKey: "1".repeat(64),
        at: at(0),
        outcome: "built",
      },
    ];
    const state = applyOps(emptyState("t", t0), ops, "t", t0);
    const now = new Date(t0.getTime() + 2 * DAY);
    const diff = diffMatrix(m, state, { now });
    expect(diff.unchanged).toEqual([a!.id]);
    expect(diff.changed).toEqual([b!.id]);
    expect(diff.failedRetry).toEqual([c!.id]); // headers: first retry after a day
    expect(diff.failedWaiting).toEqual([d!.id]); // compile error: first retry after a week
    expect(diff.added).toEqual([m.entries[4]!.id, m.entries[5]!.id]);
    expect(diff.removed).toEqual(["debian/12/x86_64/6.1.0-999-amd64"]);
    expect(diff.work.map((e) => e.id)).toEqual([b!.id, c!.id, m.entries[4]!.id, m.entries[5]!.id]);
    expect(diffMatrix(m, state, { now, mode: "force" }).work).toHaveLength(6);
    expect(diffMatrix(m, state, { now, mode: "only-failed" }).work.map((e) => e.id)).toEqual([c!.id]);
    expect(
      diffMatrix(m, state, { now, mode: "only-failed", ignoreBackoff: true }).work.map((e) => e.id),
    ).toEqual([c!.id, d!.id]);
  });

  it("does not rebuild queued entries until their job is presumed lost", () => {
    const m = matrixOf(1);
    const e = m.entries[0]!;
    const state = applyOps(
      emptyState("t", t0),
      [{ op: "queued", id: e.id, cacheKey: e.cacheKey, at: at(0) }],
      "t",
      t0,
    );
    expect(diffMatrix(m, state, { now: new Date(t0.getTime() + DAY) }).work).toHaveLength(0);
    expect(diffMatrix(m, state, { now: new Date(t0.getTime() + 3 * DAY) }).work).toHaveLength(1);
  });
});

describe("failure backoff", () => {
  it("doubles per consecutive failure, is capped, and resets when the cache key changes", () => {
    expect(retryDelayMs("headers-unavailable", 1)).toBe(DAY);
    expect(retryDelayMs("headers-unavailable", 3)).toBe(4 * DAY);
    expect(retryDelayMs("compile-error", 50)).toBe(MAX_DELAY_MS);
    let s = emptyState("t", t0);
    const fail = (key: string, ms: number): StateOp => ({
      op: "result",
      id: "x",
      cacheKey: key,
      at: at(ms),
      outcome: "failed",
      reason: "headers-unavailable",
      detail: "",
    });
    s = applyOps(s, [fail("k1", 0)], "t", t0);
    s = applyOps(s, [fail("k1", DAY)], "t", t0);
    s = applyOps(s, [fail("k1", 3 * DAY)], "t", t0);
    expect(s.entries.x!.failure).toMatchObject({ attempts: 3, nextRetryAt: at(7 * DAY) });
    s = applyOps(s, [fail("k2", 4 * DAY)], "t", t0);
    expect(s.entries.x!.failure?.attempts).toBe(1);
    expect(classifyFailure("HEADERS_UNAVAILABLE")).toBe("headers-unavailable");
    expect(classifyFailure("COMPILE_FAILED")).toBe("compile-error");
    expect(classifyFailure("VERIFY_FAILED")).toBe("verify-failed");
    expect(classifyFailure("whatever")).toBe("unknown");
  });

  it("merges concurrent results by observation time regardless of commit order", () => {
    const early: StateOp = {
      op: "result",
      id: "x",
      cacheKey: "k",
      at: at(1),
      outcome: "failed",
      reason: "infrastructure",
      detail: "",
    };
    const late: StateOp = { op: "result", id: "x", cacheKey: "k", at: at(2), outcome: "built" };
    const ab = applyOps(applyOps(emptyState("t", t0), [early], "a", t0), [late], "b", t0);
    const ba = applyOps(applyOps(emptyState("t", t0), [late], "b", t0), [early], "a", t0);
    expect(ab.entries.x!.status).toBe("built");
    expect(ba.entries.x!.status).toBe("built");
  });
});

describe("chunking", () => {
  it("keeps every chunk within the size and every page within 256 chunks", () => {
    const m = matrixOf(1000);
    for (const size of [1, 7, 50, 256]) {
      const set = chunkEntries(m.entries, size);
      expect(set.chunks.every((c) => c.entries.length >= 1 && c.entries.length <= size)).toBe(true);
      expect(set.chunks.flatMap((c) => c.entries.map((e) => e.id))).toEqual(m.entries.map((e) => e.id));
      expect(set.pages.every((p) => p.length <= MAX_CHUNKS_PER_PAGE)).toBe(true);
      expect(set.pages.flat()).toEqual(set.chunks.map((c) => c.index));
    }
    expect(() => chunkEntries(m.entries, 0)).toThrow(RangeError);
    expect(() => chunkEntries(m.entries, 257)).toThrow(RangeError);
    expect(chunkEntries(m.entries, 50).setId).toBe(chunkEntries(matrixOf(1000).entries, 50).setId);
    expect(chunkEntries([], 50)).toMatchObject({ chunks: [], pages: [] });
  });

  it("at 65,536 entries, job outputs stay far below 1 MB and a run far below 50 MB", () => {
    const m = matrixOf(65_536);
    expect(m.entries).toHaveLength(65_536);
    for (const size of [50, 256]) {
      const set = chunkEntries(m.entries, size);
      let runBytes = 0;
      for (let page = 0; page < set.pages.length; page++) {
        // A generator job's output is one page of references; the run's outputs are those of its jobs.
        const out = Buffer.byteLength(
          renderFanOut(set, "github-matrix", { state: "s3://bucket/prefix", page }),
        );
        expect(out).toBeLessThan(64 * 1024);
        runBytes += out;
      }
      expect(runBytes).toBeLessThan(2 * 1024 * 1024);
      const largestChunk = Math.max(...set.chunks.map((c) => Buffer.byteLength(JSON.stringify(c))));
      expect(largestChunk).toBeLessThan(1024 * 1024);
    }
    expect(chunkEntries(m.entries, 256).pages).toHaveLength(1);
    expect(chunkEntries(m.entries, 50).pages).toHaveLength(Math.ceil(Math.ceil(65_536 / 50) / 256));
  });

  it("round-trips chunk references", () => {
    const ref = { key: `chunks/${"a".repeat(32)}`, index: 12 };
    expect(parseChunkRef(formatChunkRef(ref))).toEqual(ref);
    expect(parseChunkRef("chunks/../x#1")).toBeUndefined();
  });
});

describe("fan-out outputs", () => {
  const set = chunkEntries(matrixOf(120).entries, 50);
  it("github-matrix lists one chunk reference per job", () => {
    expect(githubMatrix(set).include).toEqual([0, 1, 2].map((i) => ({ chunk: `chunks/${set.setId}#${i}` })));
  });
  it("gitlab emits a child pipeline with one job per chunk", () => {
    const doc = parseYaml(
      gitlabChildPipeline(set, { state: "s3://b/p", extraArgs: ["--s3-endpoint", "http://minio:9000"] }),
    );
    expect(doc.stages).toEqual(["build"]);
    const jobs = Object.keys(doc).filter((k) => k.startsWith("build-chunk-"));
    expect(jobs).toHaveLength(3);
    expect(doc[jobs[1]!].variables).toEqual({
      KMODFORGE_CHUNK: `chunks/${set.setId}#1`,
      KMODFORGE_STATE: "s3://b/p",
    });
    expect(doc[jobs[1]!].script[0]).toContain("kmodforge sweep --build-chunk");
    const empty = parseYaml(gitlabChildPipeline(chunkEntries([], 50), { state: "s3://b/p" }));
    expect(Object.keys(empty)).toContain("sweep-nothing-to-build");
  });
});

describe("dispatch ledger verdicts", () => {
  it("dispatches unclaimed chunks once and treats stale claims as in doubt", () => {
    const now = new Date("2026-01-01T01:00:00Z");
    expect(ledgerVerdict(undefined, undefined, now)).toBe("dispatch");
    expect(ledgerVerdict({ owner: "a", at: "", ref: "r", target: "t" }, undefined, now)).toBe("done");
    expect(ledgerVerdict(undefined, { owner: "a", at: "2026-01-01T00:59:00Z", ref: "r" }, now)).toBe(
      "claimed-by-other",
    );
    expect(ledgerVerdict(undefined, { owner: "a", at: "2026-01-01T00:00:00Z", ref: "r" }, now)).toBe(
      "in-doubt",
    );
  });
});
