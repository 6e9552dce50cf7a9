import { describe, expect, it } from "vitest";
import { diffMatrix } from "../../src/core/sweep/diff.js";
import { buildMatrix } from "../../src/core/sweep/matrix.js";
import { applyOps, emptyState, type StateOp, sweepStateSchema } from "../../src/core/sweep/state.js";
import { syntheticKernels, syntheticPolicy } from "../support/sweep-synthetic.js";

const t0 = new Date("2025-03-01T00:00:00Z");
const at = (hours: number) => new Date(t0.getTime() + hours * 3_600_000).toISOString();

describe("first-seen times in the sweep state", () => {
  it("records the earliest sighting of every matrix entry, built or not", () => {
    const seen1: StateOp = { op: "seen", ids: ["a", "b"], at: at(1) };
    const seen2: StateOp = { op: "seen", ids: ["b", "c"], at: at(2) };
    const built: StateOp = { op: "result", id: "b", cacheKey: "k", at: at(3), outcome: "built" };
    const s = applyOps(emptyState("t", t0), [seen1, seen2, built], "t", t0);
    expect(s.firstSeen).toEqual({ a: at(1), b: at(1), c: at(2) });
    expect(Object.keys(s.entries)).toEqual(["b"]);
  });

  it("agrees whichever racing sweep commits first", () => {
    const early: StateOp = { op: "seen", ids: ["x", "y"], at: at(1) };
    const late: StateOp = { op: "seen", ids: ["y", "z"], at: at(5) };
    const ab = applyOps(applyOps(emptyState("t", t0), [early], "a", t0), [late], "b", t0);
    const ba = applyOps(applyOps(emptyState("t", t0), [late], "b", t0), [early], "a", t0);
    expect(ab.firstSeen).toEqual({ x: at(1), y: at(1), z: at(5) });
    expect(ba.firstSeen).toEqual(ab.firstSeen);
  });

  it("forgets a kernel that left the matrix, so it is new if it comes back", () => {
    let s = applyOps(emptyState("t", t0), [{ op: "seen", ids: ["a", "b"], at: at(1) }], "t", t0);
    s = applyOps(s, [{ op: "removed", id: "a", at: at(2) }], "t", t0);
    expect(s.firstSeen).toEqual({ b: at(1) });
    s = applyOps(s, [{ op: "seen", ids: ["a"], at: at(3) }], "t", t0);
    expect(s.firstSeen?.a).toBe(at(3));
    // A removal observed before the sighting does not delete it.
    s = applyOps(s, [{ op: "removed", id: "a", at: at(2.5) }], "t", t0);
    expect(s.firstSeen?.a).toBe(at(3));
  });

  it("keeps states written before the field existed readable, and writes none when nothing was seen", () => {
    const old = {
      schemaVersion: 1,
      generation: 3,
      parent: 2,
      createdAt: at(0),
      writer: "old",
      entries: { a: { cacheKey: "k", status: "built", at: at(0), generation: 3 } },
    };
    const parsed = sweepStateSchema.parse(old);
    expect(parsed.firstSeen).toBeUndefined();
    const next = applyOps(
      parsed,
      [{ op: "result", id: "a", cacheKey: "k2", at: at(1), outcome: "built" }],
      "t",
      t0,
    );
    expect(next).not.toHaveProperty("firstSeen");
    const round = sweepStateSchema.parse(
      JSON.parse(JSON.stringify(applyOps(next, [{ op: "seen", ids: ["a"], at: at(2) }], "t", t0))),
    );
    expect(round.firstSeen).toEqual({ a: at(2) });
  });

  it("diff reports a seen-but-never-built kernel that left the matrix as removed", () => {
    const matrix = buildMatrix(syntheticKernels(3), syntheticPolicy()).matrix;
    const ids = matrix.entries.map((e) => e.id);
    const s = applyOps(
      emptyState("t", t0),
      [{ op: "seen", ids: [...ids, "debian/12/x86_64/gone"], at: at(0) }],
      "t",
      t0,
    );
    const d = diffMatrix(matrix, s, { now: t0 });
    expect(d.removed).toEqual(["debian/12/x86_64/gone"]);
    expect(d.added).toEqual(ids);
  });
});
