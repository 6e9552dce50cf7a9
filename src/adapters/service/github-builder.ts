import type { BuildRecord, ServiceFailureReason } from "../../core/service/build-record.js";
import type { Builder, BuilderObservation } from "../../core/service/builder.js";
import type { GithubClient } from "../github-client.js";
import type { WorkflowTarget } from "../github-dispatch.js";

/**
 * `--builder github`: one workflow_dispatch of the on-demand workflow (ci/build.yml) per build, followed through
 * the Actions runs API. The workflow names its run after the build id (`run-name`), so the service finds its run
 * by listing the workflow's workflow_dispatch runs created since the request and matching the title; from then on
 * it reads that run. The workflow publishes to the service's store; a failed run is classified by the step that
 * failed (the workflow's steps are named for it).
 */

export interface GithubBuilderOptions {
  client: GithubClient;
  workflow: WorkflowTarget;
  /** The store the workflow publishes to (the service's own, so its index answers the next request). */
  store: string;
  /** How long one listing of runs serves every build still looking for its run. */
  listTtlMs?: number;
}

type Run = Awaited<ReturnType<GithubClient["rest"]["actions"]["getWorkflowRun"]>>["data"];
type ListedRun = Awaited<
  ReturnType<GithubClient["rest"]["actions"]["listWorkflowRuns"]>
>["data"]["workflow_runs"][number];

/** The workflow's step names (ci/build.yml, by their first word) and what a failure of each means. */
const FAILED_STEP_REASONS: Record<string, ServiceFailureReason> = {
  Check: "dispatch-failed",
  Build: "build-failed",
  Publish: "publish-failed",
};

export class GithubBuilder implements Builder {
  readonly kind = "github" as const;
  private listing?: { at: number; since: string; runs: Promise<ListedRun[]> };

  constructor(private readonly options: GithubBuilderOptions) {}

  private get repo() {
    return { owner: this.options.workflow.owner, repo: this.options.workflow.repo };
  }

  async start(record: BuildRecord): Promise<void> {
    await this.options.client.rest.actions.createWorkflowDispatch({
      ...this.repo,
      workflow_id: this.options.workflow.workflow,
      ref: this.options.workflow.ref,
      inputs: {
        kernel: record.identity.kernelRelease,
        distro: record.identity.distro,
        "distro-version": record.identity.distroVersion,
        arch: record.identity.arch,
        "driver-version": record.driverVersion,
        "build-id": record.id,
        store: this.options.store,
      },
    });
  }

  async observe(record: BuildRecord): Promise<BuilderObservation> {
    if (record.run) {
      const { data } = await this.options.client.rest.actions.getWorkflowRun({
        ...this.repo,
        run_id: record.run.id,
      });
      return this.fromRun(data);
    }
    const run = (await this.runsSince(record.createdAt)).find((r) => r.display_title.includes(record.id));
    // Not listed yet: GitHub creates the run a moment after accepting the dispatch.
    return run ? this.fromRun(run) : { status: "queued" };
  }

  /** Runs created since `since`, listed once for every build looking for its run within listTtlMs. */
  private runsSince(since: string): Promise<ListedRun[]> {
    const ttl = this.options.listTtlMs ?? 2000;
    const fresh = this.listing && Date.now() - this.listing.at < ttl && this.listing.since <= since;
    if (!fresh) {
      // A minute of slack: the runner's clock and ours may differ.
      const from = new Date(Date.parse(since) - 60_000).toISOString();
      const runs = this.options.client
        .paginate(this.options.client.rest.actions.listWorkflowRuns, {
          ...this.repo,
          workflow_id: this.options.workflow.workflow,
          event: "workflow_dispatch",
          created: `>=${from}`,
          per_page: 100,
        })
        .catch((err: unknown) => {
          this.listing = undefined;
          throw err;
        });
      this.listing = { at: Date.now(), since: from, runs };
    }
    return this.listing!.runs;
  }

  private async fromRun(run: Run | ListedRun): Promise<BuilderObservation> {
    const ref = { id: Number(run.id), url: run.html_url };
    if (run.status !== "completed")
      return { status: run.status === "in_progress" ? "building" : "queued", run: ref };
    if (run.conclusion === "success") return { status: "finished", run: ref };
    if (run.conclusion === "cancelled")
      return {
        status: "failed",
        run: ref,
        failure: { reason: "cancelled", detail: "the workflow run was cancelled", logUrl: run.html_url },
      };
    const step = run.conclusion === "failure" ? await this.failedStep(run.id) : undefined;
    const reason: ServiceFailureReason =
      step === undefined ? "infrastructure" : (FAILED_STEP_REASONS[step.split(" ")[0]!] ?? "build-failed");
    return {
      status: "failed",
      run: ref,
      failure: {
        reason,
        detail: step
          ? `the workflow's "${step}" step failed`
          : `the workflow run ended ${run.conclusion ?? "without a conclusion"}`,
        logUrl: run.html_url,
      },
    };
  }

  /** The name of the first failed step of the run's jobs. */
  private async failedStep(runId: number): Promise<string | undefined> {
    const jobs = await this.options.client.paginate(this.options.client.rest.actions.listJobsForWorkflowRun, {
      ...this.repo,
      run_id: runId,
      filter: "latest",
      per_page: 100,
    });
    for (const job of jobs)
      for (const step of job.steps ?? []) if (step.conclusion === "failure") return step.name;
    return undefined;
  }
}
