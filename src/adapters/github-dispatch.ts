import { chunkSetKey, formatChunkRef } from "../core/sweep/chunk.js";
import {
  claimKey,
  claimSchema,
  DEFAULT_LEASE_MS,
  type DispatchClaim,
  type DispatchDone,
  doneKey,
  doneSchema,
  ledgerVerdict,
} from "../core/sweep/ledger.js";
import type { StateStore } from "../core/sweep/store.js";
import type { GithubClient } from "./github-client.js";

export interface WorkflowTarget {
  owner: string;
  repo: string;
  /** Workflow file name (`build.yml`) or id. */
  workflow: string;
  /** Branch or tag the workflow runs on. */
  ref: string;
}

export interface DispatchOptions {
  client: GithubClient;
  workflow: WorkflowTarget;
  /** The store URL passed to each job so it can read its chunk. */
  stateUrl: string;
  /** Who is dispatching (written into the ledger). */
  owner: string;
  now?: () => Date;
  leaseMs?: number;
  /** Re-dispatch chunks whose earlier dispatcher died between claim and record. */
  redispatchInDoubt?: boolean;
  onProgress?: (line: string) => void;
}

export interface DispatchReport {
  dispatched: number[];
  alreadyDone: number[];
  claimedByOther: number[];
  inDoubt: number[];
  failed: Array<{ index: number; error: string }>;
}

async function readJson<T>(
  store: StateStore,
  key: string,
  schema: { parse(v: unknown): T },
): Promise<T | undefined> {
  const body = await store.get(key);
  return body ? schema.parse(JSON.parse(body.toString("utf8"))) : undefined;
}

/**
 * Dispatches the build workflow once per chunk, at most once per chunk across re-runs and racing dispatchers:
 * claim (create-if-absent) → dispatch → record completion. A dispatch that fails releases its claim.
 */
export async function dispatchChunks(
  store: StateStore,
  setId: string,
  indexes: readonly number[],
  options: DispatchOptions,
): Promise<DispatchReport> {
  const now = options.now ?? (() => new Date());
  const report: DispatchReport = {
    dispatched: [],
    alreadyDone: [],
    claimedByOther: [],
    inDoubt: [],
    failed: [],
  };
  const key = chunkSetKey(setId);
  for (const index of indexes) {
    const ref = formatChunkRef({ key, index });
    const done = await readJson<DispatchDone>(store, doneKey(setId, index), doneSchema);
    const claim: DispatchClaim = { owner: options.owner, at: now().toISOString(), ref };
    let won = !done && (await store.createIfAbsent(claimKey(setId, index), JSON.stringify(claim)));
    if (!won) {
      const existing = done ? undefined : await readJson(store, claimKey(setId, index), claimSchema);
      const verdict = ledgerVerdict(done, existing, now(), options.leaseMs ?? DEFAULT_LEASE_MS);
      if (verdict === "done") report.alreadyDone.push(index);
      else if (verdict === "claimed-by-other") report.claimedByOther.push(index);
      else if (verdict === "in-doubt" && !options.redispatchInDoubt) report.inDoubt.push(index);
      else if (verdict === "in-doubt" || verdict === "dispatch") {
        // Take over: release the stale claim and claim again, so racing re-dispatchers still have one winner.
        await store.delete(claimKey(setId, index));
        won = await store.createIfAbsent(claimKey(setId, index), JSON.stringify(claim));
        if (!won) report.claimedByOther.push(index);
      }
      if (!won) continue;
    }
    try {
      await options.client.rest.actions.createWorkflowDispatch({
        owner: options.workflow.owner,
        repo: options.workflow.repo,
        workflow_id: options.workflow.workflow,
        ref: options.workflow.ref,
        inputs: { chunk: ref, state: options.stateUrl },
      });
    } catch (err) {
      const status = (err as { status?: number }).status;
      // A 4xx means GitHub refused it, so nothing ran: release the claim for a later run. A 5xx or network error
      // after all retries may still have been accepted; keep the claim so the chunk is reported in doubt.
      if (status !== undefined && status >= 400 && status < 500) await store.delete(claimKey(setId, index));
      report.failed.push({ index, error: (err as Error).message });
      options.onProgress?.(`dispatch ${ref} failed: ${(err as Error).message}`);
      continue;
    }
    const record: DispatchDone = {
      owner: options.owner,
      at: now().toISOString(),
      ref,
      target: `${options.workflow.owner}/${options.workflow.repo}/${options.workflow.workflow}@${options.workflow.ref}`,
    };
    await store.createIfAbsent(doneKey(setId, index), JSON.stringify(record));
    report.dispatched.push(index);
    options.onProgress?.(`dispatched ${ref} (${report.dispatched.length}/${indexes.length})`);
  }
  return report;
}
