import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import Bottleneck from "bottleneck";
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

/** Octokit with rate-limit handling (primary and secondary limits honour retry-after) and 5xx retries. */
function pluginOctokit() {
  return Octokit.plugin(retry, throttling);
}
export type GithubClient = InstanceType<ReturnType<typeof pluginOctokit>>;
// Built on first use, never at import time.
let RetryingOctokit: ReturnType<typeof pluginOctokit> | undefined;

/**
 * GitHub asks clients to leave a second between content-creating requests (three after requests that notify
 * people, such as creating a release); the throttling plugin does that with process-wide limiters. One limiter per
 * kind and time unit keeps that process-wide while letting tests shrink the unit.
 */
const limiters = new Map<string, Bottleneck.Group>();
function spacedLimiter(kind: "write" | "notifications", minTime: number): Bottleneck.Group {
  const id = `kmodforge-${kind}-${minTime}`;
  let group = limiters.get(id);
  if (!group) {
    group = new Bottleneck.Group({ id, maxConcurrent: 1, minTime });
    limiters.set(id, group);
  }
  return group;
}

export interface GithubClientOptions {
  token?: string;
  /** API root; a GitHub Enterprise Server or a local test server. */
  baseUrl?: string;
  /** How many times a rate-limited request is retried before giving up. */
  rateLimitRetries?: number;
  /** Multiplier for retry-after seconds, retry backoff and the spacing between writes, in ms (1000 in production). */
  retryBaseMs?: number;
  retries?: number;
  log?: (line: string) => void;
}

export function createGithubClient(options: GithubClientOptions = {}): GithubClient {
  const limit = options.rateLimitRetries ?? 5;
  const base = options.retryBaseMs ?? 1000;
  const log = options.log ?? (() => undefined);
  RetryingOctokit ??= pluginOctokit();
  return new RetryingOctokit({
    ...(options.token ? { auth: options.token } : {}),
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    userAgent: "kmodforge",
    // Set on the retry plugin, not as a request default: a request-level `retries` would also retry 4xx refusals.
    retry: { retryAfterBaseValue: base, retries: options.retries ?? 5 },
    throttle: {
      retryAfterBaseValue: base,
      write: spacedLimiter("write", base),
      notifications: spacedLimiter("notifications", 3 * base),
      onRateLimit: (after: number, opts: { method: string; url: string }, _o: unknown, count: number) => {
        log(`rate limited on ${opts.method} ${opts.url}; retry ${count + 1}/${limit} in ${after}s`);
        return count < limit;
      },
      onSecondaryRateLimit: (
        after: number,
        opts: { method: string; url: string },
        _o: unknown,
        count: number,
      ) => {
        log(`secondary rate limit on ${opts.method} ${opts.url}; retry ${count + 1}/${limit} in ${after}s`);
        return count < limit;
      },
    },
    log: { debug: () => undefined, info: () => undefined, warn: log, error: log },
  });
}

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
