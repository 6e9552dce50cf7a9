import type { ServerResponse } from "node:http";
import type { components } from "@octokit/openapi-types";

/** Response helpers shared by the GitHub REST fakes, in GitHub's documented shapes. */

export const BOT: components["schemas"]["simple-user"] = {
  login: "kmodforge-bot",
  id: 1,
  node_id: "U_1",
  avatar_url: "https://avatars.example/u/1",
  gravatar_id: null,
  url: "https://api.example/users/kmodforge-bot",
  html_url: "https://example/kmodforge-bot",
  followers_url: "",
  following_url: "",
  gists_url: "",
  starred_url: "",
  subscriptions_url: "",
  organizations_url: "",
  repos_url: "",
  events_url: "",
  received_events_url: "",
  type: "Bot",
  site_admin: false,
};

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers })
    .end(JSON.stringify(body));
}

/** 422 Validation Failed with one error, as GitHub answers a taken name, a full release or a missing field. */
export function validation(
  res: ServerResponse,
  resource: string,
  code: string,
  field: string,
  message?: string,
): void {
  json(res, 422, {
    message: "Validation Failed",
    errors: [{ resource, code, field, ...(message ? { message } : {}) }],
    documentation_url: "https://docs.github.com/rest/releases",
  });
}

export function notFound(res: ServerResponse): void {
  json(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
}

/**
 * A page of a list (`per_page` up to 100, `page` from 1) with GitHub's Link header to the next one; `wrap` shapes
 * endpoints that answer an object around the page (`{ total_count, workflow_runs }`).
 */
export function page<T>(
  res: ServerResponse,
  url: URL,
  items: readonly T[],
  wrap: (slice: readonly T[], total: number) => unknown = (slice) => slice,
): void {
  const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? 30));
  const n = Math.max(1, Number(url.searchParams.get("page") ?? 1));
  const headers: Record<string, string> = {};
  if (n * perPage < items.length) {
    const next = new URL(url);
    next.searchParams.set("page", String(n + 1));
    next.searchParams.set("per_page", String(perPage));
    headers.link = `<${next.href}>; rel="next"`;
  }
  json(res, 200, wrap(items.slice((n - 1) * perPage, n * perPage), items.length), headers);
}
