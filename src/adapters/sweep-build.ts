import { settleLimited } from "../core/limiter.js";
import { classifyFailure } from "../core/sweep/backoff.js";
import type { StateOp } from "../core/sweep/state.js";
import type { StateStore } from "../core/sweep/store.js";
import type { MatrixEntry } from "../core/sweep/types.js";
import type { EntryBuilder } from "../executors/sweep-local.js";
import { commitOps } from "./sweep-state.js";

export interface BuildReport {
  built: number;
  /** Left out by the package's build-exclusive rules: recorded as `excluded`, not failures. */
  excluded: number;
  failed: number;
  failures: Array<{ id: string; reason: string; detail: string }>;
  /** Outcomes of the publish step after each successful build (when one is given). */
  publish?: Record<PublishOutcome, number>;
}

export type PublishOutcome = "published" | "unchanged" | "kept-published";

/** A step after each successful build (publishing); throwing records the entry as failed. */
export type AfterBuild = (artifactDir: string) => Promise<PublishOutcome>;

/**
 * Builds entries, `jobs` at a time, and records each outcome in the state store as it happens, so an interrupted
 * run keeps what it finished and the next sweep only redoes the rest.
 */
export async function buildEntries(
  store: StateStore,
  entries: readonly MatrixEntry[],
  build: EntryBuilder,
  writer: string,
  log: (l: string) => void,
  options: { jobs?: number; afterBuild?: AfterBuild } = {},
): Promise<BuildReport> {
  const { afterBuild } = options;
  const report: BuildReport = {
    built: 0,
    excluded: 0,
    failed: 0,
    failures: [],
    ...(afterBuild ? { publish: { published: 0, unchanged: 0, "kept-published": 0 } } : {}),
  };
  let started = 0;
  const settled = await settleLimited(entries, options.jobs ?? 1, async (entry) => {
    log(`build ${++started}/${entries.length}: ${entry.id}`);
    const r = await withAfterBuild(await build(entry), afterBuild, report);
    const at = new Date().toISOString();
    let op: StateOp;
    if (r.ok) {
      report.built++;
      op = {
        op: "result",
        id: entry.id,
        cacheKey: entry.cacheKey,
        at,
        outcome: "built",
        artifact: r.artifactDir,
      };
    } else if (r.code === "BUILD_EXCLUDED") {
      report.excluded++;
      const rule = r.rule ?? r.detail;
      log(`excluded: ${entry.id}: ${rule}`);
      op = { op: "result", id: entry.id, cacheKey: entry.cacheKey, at, outcome: "excluded", rule };
    } else {
      const reason = classifyFailure(r.code);
      report.failed++;
      report.failures.push({ id: entry.id, reason, detail: r.detail.slice(0, 500) });
      log(`build failed (${reason}): ${entry.id}: ${r.detail.slice(0, 300)}`);
      op = {
        op: "result",
        id: entry.id,
        cacheKey: entry.cacheKey,
        at,
        outcome: "failed",
        reason,
        detail: r.detail,
      };
    }
    await commitOps(store, [op], { writer });
  });
  // A failure to record a result (the state store) is not a build failure: it stops the sweep.
  const lost = settled.find((s) => s.status === "rejected");
  if (lost?.status === "rejected") throw lost.reason;
  return report;
}

/** Runs the step after a successful build; its failure turns the build's result into a failure. */
async function withAfterBuild(
  r: Awaited<ReturnType<EntryBuilder>>,
  afterBuild: AfterBuild | undefined,
  report: BuildReport,
): Promise<Awaited<ReturnType<EntryBuilder>>> {
  if (!r.ok || !afterBuild) return r;
  try {
    const outcome = await afterBuild(r.artifactDir);
    report.publish![outcome]++;
    return r;
  } catch (err) {
    // The module built; its store did not take it. Retried like any infrastructure fault.
    return { ok: false, code: "infrastructure", detail: `publish failed: ${(err as Error).message}` };
  }
}
