import type { Command } from "commander";
import { createGithubClient } from "../../adapters/github-client.js";
import { type DispatchReport, dispatchChunks } from "../../adapters/github-dispatch.js";
import { EXIT_CODES, InvalidInputError } from "../../core/errors.js";
import { MAX_CHUNKS_PER_PAGE } from "../../core/sweep/chunk.js";
import type { StateStore } from "../../core/sweep/store.js";
import { addStateOptions, intOption, printResult, progress, storeFrom } from "./sweep-common.js";

export interface GithubOptions {
  repo?: string;
  workflow: string;
  ref: string;
  githubApi?: string;
  redispatchInDoubt?: boolean;
  leaseSeconds?: number;
  githubRetryBaseMs?: number;
}

export function addGithubOptions(cmd: Command): Command {
  return cmd
    .option(
      "--repo <owner/name>",
      "repository whose build workflow is dispatched (default: GITHUB_REPOSITORY)",
    )
    .option("--workflow <file>", "workflow file name or id", "kmodforge-build.yml")
    .option("--ref <ref>", "branch or tag the workflow runs on", "main")
    .option("--github-api <url>", "GitHub API root (GitHub Enterprise Server)", process.env.GITHUB_API_URL)
    .option(
      "--redispatch-in-doubt",
      "re-dispatch chunks whose earlier dispatcher died between claim and record",
    )
    .option(
      "--lease-seconds <n>",
      "how long a claim without a completion record counts as in progress",
      intOption("lease-seconds", 0, 86_400),
      900,
    )
    .option(
      "--github-retry-base-ms <n>",
      "unit of retry-after, retry backoff and write spacing (1000 = honour GitHub's seconds)",
      intOption("github-retry-base-ms", 1, 60_000),
      1000,
    );
}

/** Dispatches the chunks of a stored set through the ledger. Token from GITHUB_TOKEN. */
export async function runDispatch(
  store: StateStore,
  setId: string,
  indexes: number[],
  opts: GithubOptions,
  log: (l: string) => void,
): Promise<DispatchReport> {
  const repo = opts.repo ?? process.env.GITHUB_REPOSITORY ?? "";
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repo);
  if (!m)
    throw new InvalidInputError([
      {
        field: "repo",
        given: repo,
        expected: "owner/name",
        message: `repo: ${JSON.stringify(repo)} is not owner/name (set --repo or GITHUB_REPOSITORY)`,
      },
    ]);
  const client = await createGithubClient({
    ...(process.env.GITHUB_TOKEN ? { token: process.env.GITHUB_TOKEN } : {}),
    ...(opts.githubApi ? { baseUrl: opts.githubApi } : {}),
    log,
    retryBaseMs: opts.githubRetryBaseMs ?? 1000,
  });
  return dispatchChunks(store, setId, indexes, {
    client,
    workflow: { owner: m[1]!, repo: m[2]!, workflow: opts.workflow, ref: opts.ref },
    stateUrl: store.url,
    owner: `${process.env.GITHUB_RUN_ID ?? "local"}:${process.pid}`,
    ...(opts.redispatchInDoubt ? { redispatchInDoubt: true } : {}),
    ...(opts.leaseSeconds !== undefined ? { leaseMs: opts.leaseSeconds * 1000 } : {}),
    onProgress: log,
  });
}

export function summariseDispatch(r: DispatchReport) {
  return {
    dispatched: r.dispatched.length,
    alreadyDone: r.alreadyDone.length,
    claimedByOther: r.claimedByOther.length,
    inDoubt: r.inDoubt.length,
    failed: r.failed.length,
    failures: r.failed,
    inDoubtChunks: r.inDoubt,
  };
}

export function registerDispatch(program: Command): void {
  addGithubOptions(
    addStateOptions(
      program
        .command("dispatch")
        .description(
          "Dispatch the GitHub build workflow once per stored chunk (workflow_dispatch), never twice: every dispatch is recorded in the state store's ledger.",
        )
        .requiredOption("--set <id>", "chunk set id (printed by kmodforge chunk/sweep)"),
    ),
  )
    .option("--page <n>", "dispatch only this page of 256 chunks", intOption("page", 0, 1e6))
    .option("--json", "print the summary as JSON")
    .option("--quiet", "no progress on stderr")
    .action(async (opts) => {
      if (!/^[0-9a-f]{32}$/.test(opts.set))
        throw new InvalidInputError([
          {
            field: "set",
            given: opts.set,
            expected: "a 32-hex-digit set id",
            message: `set: ${JSON.stringify(opts.set)} is not a chunk set id`,
          },
        ]);
      const store = storeFrom(opts);
      const count = (await store.list(`chunks/${opts.set}/`)).length;
      let indexes = Array.from({ length: count }, (_, i) => i);
      if (opts.page !== undefined)
        indexes = indexes.slice(opts.page * MAX_CHUNKS_PER_PAGE, (opts.page + 1) * MAX_CHUNKS_PER_PAGE);
      const report = await runDispatch(store, opts.set, indexes, opts, progress(!opts.quiet));
      const s = summariseDispatch(report);
      printResult(
        opts.json,
        { setId: opts.set, chunks: indexes.length, ...s },
        `dispatched ${s.dispatched}, already done ${s.alreadyDone}, claimed by another run ${s.claimedByOther}, in doubt ${s.inDoubt}, failed ${s.failed}`,
      );
      if (s.failed > 0) process.exitCode = EXIT_CODES.EXTERNAL_TOOL_FAILED;
    });
}
