import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FsStateStore } from "../../src/adapters/state-fs.js";
import { buildEntries } from "../../src/adapters/sweep-build.js";
import { readState } from "../../src/adapters/sweep-state.js";
import { KmodforgeError } from "../../src/core/errors.js";
import { buildCell } from "../../src/core/report/cells.js";
import { diffMatrix } from "../../src/core/sweep/diff.js";
import { buildMatrix } from "../../src/core/sweep/matrix.js";
import { entryStateSchema } from "../../src/core/sweep/state.js";
import type { MatrixEntry } from "../../src/core/sweep/types.js";
import type { EntryBuilder } from "../../src/executors/sweep-local.js";
import { syntheticKernels, syntheticPolicy } from "../support/sweep-synthetic.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kmodforge-build-record-"));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

/** A builder with scripted outcomes: the executor boundary, where real builds plug in. */
function scripted(outcomes: Record<string, KmodforgeError | "ok">): EntryBuilder {
  return async (entry: MatrixEntry) => {
    const o = outcomes[entry.id] ?? "ok";
    if (o === "ok") return { ok: true, artifactDir: `artifacts/${entry.identity.kernelRelease}` };
    const rule = o.details.rule;
    return { ok: false, code: o.code, detail: o.message, ...(typeof rule === "string" ? { rule } : {}) };
  };
}

describe("recording build outcomes", () => {
  it("classifies failures, backs off, and retries only what is due", async () => {
    const store = new FsStateStore(dir);
    const matrix = buildMatrix(syntheticKernels(4), syntheticPolicy()).matrix;
    const [a, b, c] = matrix.entries;
    const report = await buildEntries(
      store,
      matrix.entries,
      scripted({
        [a!.id]: new KmodforgeError("HEADERS_UNAVAILABLE", "linux-headers not on any mirror"),
        [b!.id]: new KmodforgeError("COMPILE_FAILED", "error: implicit declaration"),
        [c!.id]: new KmodforgeError("VERIFY_FAILED", "vermagic mismatch"),
      }),
      "test",
      () => undefined,
    );
    expect(report).toMatchObject({ built: 1, failed: 3 });
    expect(report.failures.map((f) => f.reason)).toEqual([
      "headers-unavailable",
      "compile-error",
      "verify-failed",
    ]);
    const state = await readState(store);
    expect(state.generation).toBe(4);
    expect(state.entries[matrix.entries[3]!.id]).toMatchObject({ status: "built" });
    expect(state.entries[a!.id]?.failure).toMatchObject({ reason: "headers-unavailable", attempts: 1 });

    const tomorrow = new Date(Date.now() + 25 * 3_600_000);
    expect(diffMatrix(matrix, state, { now: new Date() }).work).toEqual([]);
    expect(diffMatrix(matrix, state, { now: tomorrow }).work.map((e) => e.id)).toEqual([a!.id]);
    const nextWeek = new Date(Date.now() + 8 * 24 * 3_600_000);
    expect(diffMatrix(matrix, state, { now: nextWeek, mode: "only-failed" }).work.map((e) => e.id)).toEqual([
      a!.id,
      b!.id,
      c!.id,
    ]);

    // A second failure of the same key doubles the wait.
    await buildEntries(
      store,
      [a!],
      scripted({ [a!.id]: new KmodforgeError("HEADERS_UNAVAILABLE", "still missing") }),
      "test",
      () => undefined,
    );
    const again = await readState(store);
    expect(again.entries[a!.id]?.failure?.attempts).toBe(2);
    expect(diffMatrix(matrix, again, { now: tomorrow }).failedWaiting).toContain(a!.id);
  });
});

describe("build-exclusive outcomes", () => {
  it("are recorded as excluded with their rule, never retried for the same key, and shown with the rule", async () => {
    const store = new FsStateStore(dir);
    const matrix = buildMatrix(syntheticKernels(3), syntheticPolicy()).matrix;
    const [a, b] = matrix.entries;
    const rule = 'BUILD_EXCLUSIVE_CONFIG="CONFIG_ACPI": CONFIG_ACPI is not set in this kernel';
    const report = await buildEntries(
      store,
      matrix.entries,
      scripted({
        [a!.id]: new KmodforgeError("BUILD_EXCLUDED", `acpi-call 1.2.2 is not built: ${rule}`, { rule }),
        [b!.id]: new KmodforgeError("COMPILE_FAILED", "error"),
      }),
      "test",
      () => undefined,
    );
    expect(report).toMatchObject({ built: 1, excluded: 1, failed: 1 });
    const state = await readState(store);
    expect(state.entries[a!.id]).toMatchObject({ status: "excluded", exclusion: { rule } });
    expect(state.entries[a!.id]?.failure).toBeUndefined();

    const muchLater = new Date(Date.now() + 365 * 24 * 3_600_000);
    for (const mode of ["changed", "only-failed"] as const) {
      const diff = diffMatrix(matrix, state, { now: muchLater, mode });
      expect(diff.work.map((e) => e.id)).not.toContain(a!.id);
      expect(diff.excluded).toEqual([a!.id]);
    }
    const forced = diffMatrix(matrix, state, { now: new Date(), mode: "only-failed", ignoreBackoff: true });
    expect(forced.work.map((e) => e.id)).toEqual([b!.id]);
    // A new cache key (new source, new headers) builds it again.
    const changed = {
      ...matrix,
      entries: matrix.entries.map((e) => (e.id === a!.id ? { ...e, cacheKey: "f".repeat(64) } : e)),
    };
    expect(diffMatrix(changed, state, { now: new Date() }).work.map((e) => e.id)).toContain(a!.id);

    const cell = buildCell(a!.id, a, state.entries[a!.id], undefined, undefined);
    expect(cell).toMatchObject({ status: "excluded", rule });
  });

  it("a state written before the status existed still parses", () => {
    const old = { cacheKey: "k", status: "built", at: "2025-01-01T00:00:00.000Z", generation: 1 };
    expect(entryStateSchema.parse(old)).toEqual(old);
  });
});
