import type { IncomingMessage, ServerResponse } from "node:http";
import type { components } from "@octokit/openapi-types";
import { json, notFound, page } from "./github-rest.js";

/**
 * The Actions runs API of the GitHub fake, in GitHub's documented shapes: a workflow_dispatch creates a queued run
 * whose title is the workflow's `run-name` rendered with the dispatch inputs (as GitHub renders it); tests move
 * runs along (in progress, completed with a conclusion, a failed step) and the service reads them through
 *   GET /repos/{owner}/{repo}/actions/workflows/{workflow}/runs   (event and created filters, pages)
 *   GET /repos/{owner}/{repo}/actions/runs/{id}
 *   GET /repos/{owner}/{repo}/actions/runs/{id}/jobs
 */
type WorkflowRun = components["schemas"]["workflow-run"];
type Job = components["schemas"]["job"];

/** The fields of a run the fake serves (GitHub's full object also embeds repositories and the head commit). */
export type FakeRun = Pick<
  WorkflowRun,
  | "id"
  | "name"
  | "node_id"
  | "head_branch"
  | "head_sha"
  | "path"
  | "run_number"
  | "event"
  | "status"
  | "conclusion"
  | "workflow_id"
  | "url"
  | "html_url"
  | "created_at"
  | "updated_at"
  | "jobs_url"
  | "logs_url"
  | "display_title"
>;
type FakeStep = NonNullable<Job["steps"]>[number];
type FakeJob = Pick<Job, "id" | "run_id" | "name" | "status" | "conclusion" | "html_url"> & {
  steps: FakeStep[];
};

/** Renders `${{ inputs.name }}` in a run-name template as GitHub does. */
export function renderRunName(template: string, inputs: Record<string, unknown>): string {
  return template.replace(/\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}/g, (_m, name: string) =>
    String(inputs[name] ?? ""),
  );
}

export class FakeRuns {
  readonly runs: FakeRun[] = [];
  private readonly jobs = new Map<number, FakeJob>();
  private nextId = 9000;
  /** While false, dispatches are accepted but their runs are not listed yet (GitHub creates them a moment later). */
  visible = true;
  private readonly hidden: FakeRun[] = [];

  constructor(
    private readonly base: string,
    private readonly repoPath: string,
    private readonly workflow: string,
    private readonly runName: string,
    private readonly steps: readonly string[],
  ) {}

  /** A run for an accepted dispatch. */
  dispatched(ref: string, inputs: Record<string, unknown>, now = new Date()): FakeRun {
    const id = this.nextId++;
    const run: FakeRun = {
      id,
      name: "kmodforge build",
      node_id: `WFR_${id}`,
      head_branch: ref,
      head_sha: "0".repeat(40),
      path: `.github/workflows/${this.workflow}`,
      run_number: id - 8999,
      event: "workflow_dispatch",
      status: "queued",
      conclusion: null,
      workflow_id: 77,
      url: `${this.base}${this.repoPath}/actions/runs/${id}`,
      html_url: `https://github.example${this.repoPath.replace("/repos", "")}/actions/runs/${id}`,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      jobs_url: `${this.base}${this.repoPath}/actions/runs/${id}/jobs`,
      logs_url: `${this.base}${this.repoPath}/actions/runs/${id}/logs`,
      display_title: renderRunName(this.runName, inputs),
    };
    (this.visible ? this.runs : this.hidden).push(run);
    return run;
  }

  /** Lists the runs held back while `visible` was false. */
  reveal(): void {
    this.visible = true;
    this.runs.push(...this.hidden.splice(0));
  }

  find(title: string): FakeRun | undefined {
    return [...this.runs, ...this.hidden].find((r) => r.display_title.includes(title));
  }

  start(run: FakeRun): void {
    run.status = "in_progress";
    run.updated_at = new Date().toISOString();
  }

  /** Completes a run; a failure names the step that failed (the others before it succeeded). */
  complete(
    run: FakeRun,
    conclusion: "success" | "failure" | "cancelled" | "timed_out",
    failedStep?: string,
  ): void {
    run.status = "completed";
    run.conclusion = conclusion;
    run.updated_at = new Date().toISOString();
    const failedAt = failedStep ? this.steps.indexOf(failedStep) : -1;
    const steps: FakeStep[] = this.steps.map((name, i) => ({
      name,
      number: i + 1,
      status: "completed",
      conclusion: failedAt < 0 || i < failedAt ? "success" : i === failedAt ? "failure" : "skipped",
    }));
    this.jobs.set(run.id as number, {
      id: (run.id as number) * 10,
      run_id: run.id as number,
      name: "build",
      status: "completed",
      conclusion,
      html_url: `${run.html_url}/job/${(run.id as number) * 10}`,
      steps,
    });
  }

  /** Answers a runs API request (true), or leaves it to other handlers (false). */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? "/", this.base);
    const path = url.pathname;
    if (req.method !== "GET") return false;
    if (path === `${this.repoPath}/actions/workflows/${this.workflow}/runs`) {
      this.list(res, url);
      return true;
    }
    const m = new RegExp(`^${this.repoPath}/actions/runs/(\\d+)(/jobs)?$`).exec(path);
    if (!m) return false;
    const run = this.runs.find((r) => r.id === Number(m[1]));
    if (!run) notFound(res);
    else if (m[2]) {
      const job = this.jobs.get(run.id as number);
      json(res, 200, { total_count: job ? 1 : 0, jobs: job ? [job] : [] });
    } else json(res, 200, run);
    return true;
  }

  private list(res: ServerResponse, url: URL): void {
    const event = url.searchParams.get("event");
    const created = /^>=(.+)$/.exec(url.searchParams.get("created") ?? "")?.[1];
    const listed = this.runs
      .filter((r) => !event || r.event === event)
      .filter((r) => !created || Date.parse(r.created_at) >= Date.parse(created))
      .sort((a, b) => Number(b.id) - Number(a.id));
    page(res, url, listed, (slice, total) => ({ total_count: total, workflow_runs: slice }));
  }
}
