import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { components, operations } from "@octokit/openapi-types";
import { type FixtureServer, startFixtureServer } from "./fixture-server.js";
import { error, type GithubFault, readBytes, serveFault } from "./github-fake.js";

/**
 * A local stand-in for GitHub Releases with GitHub's documented request and response shapes: releases by tag
 * (create, get, list), assets (upload to the release's upload_url, list with pagination, delete, download through
 * the browser download URL with a redirect to storage and ETags), 422 `already_exists` for a taken asset name or
 * tag, 422 `file_count` beyond the per-release asset limit, and scripted faults (rate limits, 5xx, hangs).
 */
type Release = components["schemas"]["release"];
type Asset = components["schemas"]["release-asset"];
type CreateReleaseBody = operations["repos/create-release"]["requestBody"]["content"]["application/json"];

const USER: components["schemas"]["simple-user"] = {
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

/** A request as fault rules see it: method, path and (for uploads) the asset name. */
export interface SeenRequest {
  method: string;
  path: string;
  name?: string;
  /** Sent If-None-Match (a cached copy being revalidated). */
  conditional: boolean;
}

export interface FaultRule {
  match: (r: SeenRequest) => boolean;
  fault: GithubFault;
  /** How many requests it answers (default: all). */
  times?: number;
  /** Called when it fires (a test waits for it before killing a client). */
  onFire?: () => void;
}

export interface FakeReleases {
  url: string;
  /** The per-release asset limit (GitHub: 1,000). */
  assetCap: number;
  /** Faults for the next requests, in order, one per request. */
  faults: GithubFault[];
  rules: FaultRule[];
  requests: SeenRequest[];
  /** Uploads refused because their release was full. */
  fullRefusals: number;
  releases(): Array<{ tag: string; assets: string[] }>;
  /** The stored bytes of an asset (a compromised store changes them; GitHub's digest then stays stale). */
  tamper(tag: string, name: string, bytes: Buffer): void;
  server: FixtureServer;
  close(): Promise<void>;
}

interface StoredRelease {
  release: Omit<Release, "assets">;
  assets: Map<string, { asset: Asset; bytes: Buffer }>;
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers })
    .end(JSON.stringify(body));
}

function validation(
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

function notFound(res: ServerResponse): void {
  error(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
}

/** A page of a list with GitHub's Link header. */
function page<T>(res: ServerResponse, url: URL, items: T[]): void {
  const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? 30));
  const n = Math.max(1, Number(url.searchParams.get("page") ?? 1));
  const slice = items.slice((n - 1) * perPage, n * perPage);
  const headers: Record<string, string> = {};
  if (n * perPage < items.length) {
    const next = new URL(url);
    next.searchParams.set("page", String(n + 1));
    next.searchParams.set("per_page", String(perPage));
    headers.link = `<${next.href}>; rel="next"`;
  }
  json(res, 200, slice, headers);
}

export async function startFakeReleases(
  owner: string,
  repo: string,
  options: { assetCap?: number } = {},
): Promise<FakeReleases> {
  const server = await startFixtureServer();
  const base = server.url;
  const byId = new Map<number, StoredRelease>();
  const assetIndex = new Map<number, { release: StoredRelease; name: string }>();
  let nextId = 1;
  const fake: FakeReleases = {
    url: base,
    assetCap: options.assetCap ?? 1000,
    faults: [],
    rules: [],
    requests: [],
    fullRefusals: 0,
    releases: () =>
      [...byId.values()].map((r) => ({ tag: r.release.tag_name, assets: [...r.assets.keys()].sort() })),
    tamper(tag, name, bytes) {
      const r = [...byId.values()].find((x) => x.release.tag_name === tag);
      const a = r?.assets.get(name);
      if (!r || !a) throw new Error(`no asset ${tag}/${name}`);
      r.assets.set(name, { asset: a.asset, bytes });
    },
    server,
    close: () => server.close(),
  };
  const byTag = (tag: string) => [...byId.values()].find((r) => r.release.tag_name === tag);
  const full = (r: StoredRelease): Release => ({
    ...r.release,
    assets: [...r.assets.values()].map((a) => a.asset),
  });
  const repoPath = `/repos/${owner}/${repo}`;

  function createRelease(body: CreateReleaseBody): StoredRelease | undefined {
    if (byTag(body.tag_name)) return undefined;
    const id = nextId++;
    const now = new Date().toISOString();
    const release: Omit<Release, "assets"> = {
      url: `${base}${repoPath}/releases/${id}`,
      html_url: `${base}/${owner}/${repo}/releases/tag/${body.tag_name}`,
      assets_url: `${base}${repoPath}/releases/${id}/assets`,
      upload_url: `${base}/uploads${repoPath}/releases/${id}/assets{?name,label}`,
      tarball_url: null,
      zipball_url: null,
      id,
      node_id: `RE_${id}`,
      tag_name: body.tag_name,
      target_commitish: body.target_commitish ?? "main",
      name: body.name ?? null,
      body: body.body ?? null,
      draft: body.draft ?? false,
      prerelease: body.prerelease ?? false,
      created_at: now,
      published_at: body.draft ? null : now,
      author: USER,
    };
    const stored = { release, assets: new Map() };
    byId.set(id, stored);
    return stored;
  }

  function upload(res: ServerResponse, r: StoredRelease, name: string, bytes: Buffer, type: string): void {
    if (r.assets.has(name)) {
      validation(res, "ReleaseAsset", "already_exists", "name");
      return;
    }
    if (r.assets.size >= fake.assetCap) {
      fake.fullRefusals++;
      validation(
        res,
        "ReleaseAsset",
        "custom",
        "file_count",
        `file_count limited to ${fake.assetCap} assets per release`,
      );
      return;
    }
    const id = nextId++;
    const now = new Date().toISOString();
    const asset: Asset = {
      url: `${base}${repoPath}/releases/assets/${id}`,
      browser_download_url: `${base}/${owner}/${repo}/releases/download/${r.release.tag_name}/${encodeURIComponent(name)}`,
      id,
      node_id: `RA_${id}`,
      name,
      label: null,
      state: "uploaded",
      content_type: type,
      size: bytes.length,
      digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`,
      download_count: 0,
      created_at: now,
      updated_at: now,
      uploader: USER,
    };
    r.assets.set(name, { asset, bytes });
    assetIndex.set(id, { release: r, name });
    json(res, 201, asset);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", base);
    const path = decodeURIComponent(url.pathname);
    const method = req.method ?? "GET";
    const seen: SeenRequest = {
      method,
      path,
      conditional: req.headers["if-none-match"] !== undefined,
      ...(url.searchParams.get("name") ? { name: url.searchParams.get("name")! } : {}),
    };
    fake.requests.push(seen);
    const rule = fake.rules.find((r) => (r.times ?? 1) > 0 && r.match(seen));
    if (rule) {
      if (rule.times !== undefined) rule.times--;
      rule.onFire?.();
      if (serveFault(res, rule.fault)) return;
    }
    if (
      !path.startsWith("/storage/") &&
      !path.includes("/releases/download/") &&
      serveFault(res, fake.faults.shift())
    )
      return;

    for (const route of routes) {
      const m = route.path.exec(path);
      if (m && (route.method === undefined || route.method === method)) return route.handle(req, res, m, url);
    }
    notFound(res);
  }

  type Handler = (
    req: IncomingMessage,
    res: ServerResponse,
    m: RegExpExecArray,
    url: URL,
  ) => void | Promise<void>;
  const routes: Array<{ method?: string; path: RegExp; handle: Handler }> = [
    {
      path: /^\/storage\/(\d+)$/,
      handle: (req, res, m) => {
        const at = assetIndex.get(Number(m[1]));
        const stored = at?.release.assets.get(at.name);
        if (!stored) return notFound(res);
        const etag = `"${createHash("sha256").update(stored.bytes).digest("hex").slice(0, 32)}"`;
        if (req.headers["if-none-match"] === etag) return void res.writeHead(304, { etag }).end();
        res.writeHead(200, {
          "content-type": "application/octet-stream",
          "content-length": String(stored.bytes.length),
          etag,
        });
        res.end(stored.bytes);
      },
    },
    {
      path: new RegExp(`^/${owner}/${repo}/releases/download/([^/]+)/([^/]+)$`),
      handle: (_req, res, m) => {
        const stored = byTag(m[1]!)?.assets.get(m[2]!);
        if (!stored) return void res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
        res.writeHead(302, { location: `${base}/storage/${stored.asset.id}` }).end();
      },
    },
    {
      method: "POST",
      path: new RegExp(`^/uploads${repoPath}/releases/(\\d+)/assets$`),
      handle: async (req, res, m, url) => {
        const r = byId.get(Number(m[1]));
        if (!r) return notFound(res);
        const name = url.searchParams.get("name");
        if (!name) return validation(res, "ReleaseAsset", "missing_field", "name");
        upload(res, r, name, await readBytes(req), String(req.headers["content-type"] ?? ""));
      },
    },
    {
      method: "GET",
      path: new RegExp(`^${repoPath}/releases/tags/(.+)$`),
      handle: (_req, res, m) => {
        const r = byTag(m[1]!);
        return r ? json(res, 200, full(r)) : notFound(res);
      },
    },
    {
      method: "POST",
      path: new RegExp(`^${repoPath}/releases$`),
      handle: async (req, res) => {
        const body = JSON.parse((await readBytes(req)).toString("utf8")) as CreateReleaseBody;
        const r = createRelease(body);
        return r ? json(res, 201, full(r)) : validation(res, "Release", "already_exists", "tag_name");
      },
    },
    {
      method: "GET",
      path: new RegExp(`^${repoPath}/releases$`),
      handle: (_req, res, _m, url) => page(res, url, [...byId.values()].map(full).reverse()),
    },
    {
      method: "GET",
      path: new RegExp(`^${repoPath}/releases/(\\d+)/assets$`),
      handle: (_req, res, m, url) => {
        const r = byId.get(Number(m[1]));
        return r
          ? page(
              res,
              url,
              [...r.assets.values()].map((a) => a.asset),
            )
          : notFound(res);
      },
    },
    {
      path: new RegExp(`^${repoPath}/releases/assets/(\\d+)$`),
      handle: (req, res, m) => {
        const at = assetIndex.get(Number(m[1]));
        const stored = at?.release.assets.get(at.name);
        if (!at || !stored) return notFound(res);
        if (req.method === "DELETE") {
          at.release.assets.delete(at.name);
          assetIndex.delete(stored.asset.id);
          return void res.writeHead(204).end();
        }
        if (req.headers.accept === "application/octet-stream")
          return void res.writeHead(302, { location: `${base}/storage/${stored.asset.id}` }).end();
        json(res, 200, stored.asset);
      },
    },
  ];

  server.fallback(handle);
  return fake;
}
