import type { IncomingMessage, ServerResponse } from "node:http";
import type { components, operations } from "@octokit/openapi-types";
import { type FixtureServer, startFixtureServer } from "./fixture-server.js";
import { json, notFound } from "./github-rest.js";
import { FakeRuns } from "./github-runs.js";

/**
 * A local stand-in for GitHub's REST API: the workflow_dispatch endpoint with GitHub's documented request and
 * response shapes, and scripted faults (secondary rate limits, 429, 5xx, hangs) ahead of the real answer; with
 * `runs`, each accepted dispatch also creates a workflow run served by the Actions runs API (github-runs.ts).
 */
type DispatchBody =
  operations["actions/create-workflow-dispatch"]["requestBody"]["content"]["application/json"];
type BasicError = components["schemas"]["basic-error"];

export type GithubFault =
  | { kind: "ok" }
  | { kind: "secondary-rate-limit"; retryAfter: number }
  | { kind: "rate-limit-429"; retryAfter: number }
  | { kind: "server-error"; status: 500 | 502 | 503 }
  | { kind: "unprocessable" }
  | { kind: "hang" };

export interface FakeGithub {
  url: string;
  /** Dispatches GitHub accepted (answered 204), in order, as the `chunk` input. */
  accepted: string[];
  /** Every dispatch request received, accepted or not. */
  received: string[];
  /** Faults served to the next requests, in order (one per request). */
  faults: GithubFault[];
  /** Faults served to requests for one chunk (one per request). */
  faultsFor: Map<string, GithubFault[]>;
  /** Every accepted dispatch's ref and inputs, in order. */
  dispatches: Array<{ ref: string; inputs: Record<string, unknown> }>;
  /** The workflow's runs (when started with `runs`). */
  runs: FakeRuns | undefined;
  server: FixtureServer;
  close(): Promise<void>;
}

/** A GitHub error answer (basic-error shape). */
function error(
  res: ServerResponse,
  status: number,
  body: BasicError,
  headers: Record<string, string> = {},
): void {
  json(res, status, body, headers);
}

export async function readBytes(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBytes(req)).toString("utf8");
}

/**
 * Answers a scripted fault the way GitHub does (true), or leaves the request to the real handler (false). A hang
 * is never answered: the client is killed or times out while waiting.
 */
export function serveFault(res: ServerResponse, fault: GithubFault | undefined): boolean {
  if (!fault || fault.kind === "ok") return false;
  if (fault.kind === "hang") return true;
  if (fault.kind === "secondary-rate-limit") {
    error(
      res,
      403,
      {
        message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        documentation_url:
          "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
      },
      { "retry-after": String(fault.retryAfter) },
    );
  } else if (fault.kind === "rate-limit-429") {
    error(
      res,
      429,
      { message: "Too Many Requests", documentation_url: "https://docs.github.com/rest" },
      { "retry-after": String(fault.retryAfter) },
    );
  } else if (fault.kind === "server-error") error(res, fault.status, { message: "Server Error" });
  else error(res, 422, { message: "Validation Failed", documentation_url: "https://docs.github.com/rest" });
  return true;
}

export interface FakeRunsOptions {
  /** The workflow's `run-name` template (`${{ inputs.x }}` is rendered as GitHub renders it). */
  runName: string;
  /** The workflow job's step names, in order (a failed run names the one that failed). */
  steps: readonly string[];
}

export async function startFakeGithub(
  owner: string,
  repo: string,
  workflow: string,
  options: { runs?: FakeRunsOptions } = {},
): Promise<FakeGithub> {
  const server = await startFixtureServer();
  const fake: Omit<FakeGithub, "url" | "server" | "close"> = {
    accepted: [],
    received: [],
    faults: [],
    faultsFor: new Map(),
    dispatches: [],
    runs: options.runs
      ? new FakeRuns(
          server.url,
          `/repos/${owner}/${repo}`,
          workflow,
          options.runs.runName,
          options.runs.steps,
        )
      : undefined,
  };
  server.fallback((req, res) => {
    if (!fake.runs?.serve(req, res)) notFound(res);
  });
  server.route(`/repos/${owner}/${repo}/actions/workflows/${workflow}/dispatches`, {
    handler: async (req, res) => {
      if (req.method !== "POST")
        return error(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
      const body = JSON.parse(await readBody(req)) as DispatchBody;
      const chunk = String(body.inputs?.chunk ?? "");
      fake.received.push(chunk);
      const fault = fake.faultsFor.get(chunk)?.shift() ?? fake.faults.shift();
      if (fault?.kind !== "unprocessable" && serveFault(res, fault)) return;
      if (fault?.kind === "unprocessable" || !body.ref) {
        return error(res, 422, {
          message: "Unexpected inputs provided",
          documentation_url:
            "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event",
        });
      }
      fake.accepted.push(chunk);
      fake.dispatches.push({ ref: body.ref, inputs: { ...body.inputs } });
      fake.runs?.dispatched(body.ref, { ...body.inputs });
      res.writeHead(204).end();
    },
  });
  return { ...fake, url: server.url, server, close: () => server.close() } as FakeGithub;
}
