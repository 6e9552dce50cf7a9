import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { components, operations } from "@octokit/openapi-types";
import { type FixtureServer, startFixtureServer } from "./fixture-server.js";
import { type GithubFault, readBytes, serveFault } from "./github-fake.js";
import { BOT, json, notFound, page, validation } from "./github-rest.js";

/**
 * A local stand-in for GitHub Releases with GitHub's documented request and response shapes: releases by tag
 * (create, get, list), assets (upload to the release's upload_url, list with pagination, delete, download through
 * the browser download URL with a redirect to storage and ETags), 422 `already_exists` for a taken asset name or
 * tag, 422 `file_count` beyond the per-release asset limit, and scripted faults (rate limits, 5xx, hangs).
 */
type Release = components["schemas"]["release"];
type Asset = components["schemas"]["release-asset"];
type CreateReleaseBody = operations["repos/create-release"]["requestBody"]["content"]["application/json"];

/** A request as fault rules see it. */
export interface SeenRequest {
  method: string;
  path: string;
  /** The asset name of an upload. */
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
  /** Faults for the next API requests, in order, one per request. */
  faults: GithubFault[];
  rules: FaultRule[];
  requests: SeenRequest[];
  /** Uploads refused because their release was full. */
  fullRefusals: number;
  releases(): Array<{ tag: string; assets: string[] }>;
  server: FixtureServer;
  close(): Promise<void>;
}

interface StoredRelease {
  release: Omit<Release, "assets">;
  assets: Map<string, { asset: Asset; bytes: Buffer }>;
}

/** The repository's releases and assets, in memory. */
class Releases {
  readonly byId = new Map<number, StoredRelease>();
  readonly assets = new Map<number, { release: StoredRelease; name: string }>();
  private nextId = 1;

  constructor(
    private readonly base: string,
    private readonly owner: string,
    private readonly repo: string,
    private readonly fake: Pick<FakeReleases, "assetCap" | "fullRefusals">,
  ) {}

  get cap(): number {
    return this.fake.assetCap;
  }

  get repoPath(): string {
    return `/repos/${this.owner}/${this.repo}`;
  }

  byTag(tag: string): StoredRelease | undefined {
    return [...this.byId.values()].find((r) => r.release.tag_name === tag);
  }

  view(r: StoredRelease): Release {
    return { ...r.release, assets: [...r.assets.values()].map((a) => a.asset) };
  }

  asset(id: number) {
    const at = this.assets.get(id);
    const stored = at?.release.assets.get(at.name);
    return at && stored ? { ...at, stored } : undefined;
  }

  create(body: CreateReleaseBody): StoredRelease | undefined {
    if (this.byTag(body.tag_name)) return undefined;
    const id = this.nextId++;
    const now = new Date().toISOString();
    const { base, repoPath } = this;
    const release: Omit<Release, "assets"> = {
      url: `${base}${repoPath}/releases/${id}`,
      html_url: `${base}/${this.owner}/${this.repo}/releases/tag/${body.tag_name}`,
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
      author: BOT,
    };
    const stored = { release, assets: new Map() };
    this.byId.set(id, stored);
    return stored;
  }

  /** An uploaded asset, or why GitHub refuses it. */
  upload(
    r: StoredRelease,
    name: string,
    bytes: Buffer,
    type: string,
  ): Asset | "already_exists" | "file_count" {
    if (r.assets.has(name)) return "already_exists";
    if (r.assets.size >= this.fake.assetCap) {
      this.fake.fullRefusals++;
      return "file_count";
    }
    const id = this.nextId++;
    const now = new Date().toISOString();
    const asset: Asset = {
      url: `${this.base}${this.repoPath}/releases/assets/${id}`,
      browser_download_url: `${this.base}/${this.owner}/${this.repo}/releases/download/${r.release.tag_name}/${encodeURIComponent(name)}`,
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
      uploader: BOT,
    };
    r.assets.set(name, { asset, bytes });
    this.assets.set(id, { release: r, name });
    return asset;
  }

  remove(id: number): boolean {
    const at = this.asset(id);
    if (!at) return false;
    at.release.assets.delete(at.name);
    this.assets.delete(id);
    return true;
  }
}

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  m: RegExpExecArray,
  url: URL,
) => void | Promise<void>;

/** GitHub's release endpoints (API, uploads host, web downloads and their storage redirect) over the state. */
function routes(
  state: Releases,
  base: string,
  web: string,
): Array<{ method?: string; path: RegExp; handle: Handler }> {
  const api = state.repoPath;
  return [
    {
      path: /^\/storage\/(\d+)$/,
      handle: (req, res, m) => {
        const at = state.asset(Number(m[1]));
        if (!at) return notFound(res);
        const etag = `"${createHash("sha256").update(at.stored.bytes).digest("hex").slice(0, 32)}"`;
        if (req.headers["if-none-match"] === etag) return void res.writeHead(304, { etag }).end();
        const headers = {
          "content-type": "application/octet-stream",
          "content-length": String(at.stored.bytes.length),
          etag,
        };
        res.writeHead(200, headers).end(at.stored.bytes);
      },
    },
    {
      path: new RegExp(`^${web}/releases/download/([^/]+)/([^/]+)$`),
      handle: (_req, res, m) => {
        const stored = state.byTag(m[1]!)?.assets.get(m[2]!);
        if (!stored) return void res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
        res.writeHead(302, { location: `${base}/storage/${stored.asset.id}` }).end();
      },
    },
    {
      method: "POST",
      path: new RegExp(`^/uploads${api}/releases/(\\d+)/assets$`),
      handle: async (req, res, m, url) => {
        const r = state.byId.get(Number(m[1]));
        if (!r) return notFound(res);
        const name = url.searchParams.get("name");
        if (!name) return validation(res, "ReleaseAsset", "missing_field", "name");
        const out = state.upload(r, name, await readBytes(req), String(req.headers["content-type"] ?? ""));
        if (out === "already_exists") return validation(res, "ReleaseAsset", "already_exists", "name");
        if (out === "file_count")
          return validation(
            res,
            "ReleaseAsset",
            "custom",
            "file_count",
            `file_count limited to ${state.cap} assets per release`,
          );
        json(res, 201, out);
      },
    },
    {
      method: "GET",
      path: new RegExp(`^${api}/releases/tags/(.+)$`),
      handle: (_req, res, m) => {
        const r = state.byTag(m[1]!);
        return r ? json(res, 200, state.view(r)) : notFound(res);
      },
    },
    {
      method: "POST",
      path: new RegExp(`^${api}/releases$`),
      handle: async (req, res) => {
        const r = state.create(JSON.parse((await readBytes(req)).toString("utf8")) as CreateReleaseBody);
        return r ? json(res, 201, state.view(r)) : validation(res, "Release", "already_exists", "tag_name");
      },
    },
    {
      method: "GET",
      path: new RegExp(`^${api}/releases$`),
      handle: (_req, res, _m, url) =>
        page(res, url, [...state.byId.values()].map((r) => state.view(r)).reverse()),
    },
    {
      method: "GET",
      path: new RegExp(`^${api}/releases/(\\d+)/assets$`),
      handle: (_req, res, m, url) => {
        const r = state.byId.get(Number(m[1]));
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
      path: new RegExp(`^${api}/releases/assets/(\\d+)$`),
      handle: (req, res, m) => {
        const at = state.asset(Number(m[1]));
        if (!at) return notFound(res);
        if (req.method === "DELETE") {
          state.remove(at.stored.asset.id);
          return void res.writeHead(204).end();
        }
        if (req.headers.accept === "application/octet-stream")
          return void res.writeHead(302, { location: `${base}/storage/${at.stored.asset.id}` }).end();
        json(res, 200, at.stored.asset);
      },
    },
  ];
}

export async function startFakeReleases(
  owner: string,
  repo: string,
  options: { assetCap?: number } = {},
): Promise<FakeReleases> {
  const server = await startFixtureServer();
  const fake: FakeReleases = {
    url: server.url,
    assetCap: options.assetCap ?? 1000,
    faults: [],
    rules: [],
    requests: [],
    fullRefusals: 0,
    releases: () =>
      [...state.byId.values()].map((r) => ({ tag: r.release.tag_name, assets: [...r.assets.keys()].sort() })),
    server,
    close: () => server.close(),
  };
  const state = new Releases(server.url, owner, repo, fake);
  const table = routes(state, server.url, `/${owner}/${repo}`);
  server.fallback(async (req, res) => {
    const url = new URL(req.url ?? "/", server.url);
    const path = decodeURIComponent(url.pathname);
    const method = req.method ?? "GET";
    const name = url.searchParams.get("name");
    const seen: SeenRequest = {
      method,
      path,
      conditional: req.headers["if-none-match"] !== undefined,
      ...(name ? { name } : {}),
    };
    fake.requests.push(seen);
    const rule = fake.rules.find((r) => (r.times ?? 1) > 0 && r.match(seen));
    if (rule?.times !== undefined) rule.times--;
    rule?.onFire?.();
    if (serveFault(res, rule?.fault)) return;
    // Scripted faults hit the API (and uploads); downloads are served by GitHub's storage, not the API.
    const download = path.startsWith("/storage/") || path.includes("/releases/download/");
    if (!download && serveFault(res, fake.faults.shift())) return;
    for (const route of table) {
      const m = route.path.exec(path);
      if (m && (route.method === undefined || route.method === method)) return route.handle(req, res, m, url);
    }
    notFound(res);
  });
  return fake;
}
