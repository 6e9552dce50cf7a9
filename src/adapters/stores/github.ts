import { KmodforgeError } from "../../core/errors.js";
import { byCodeUnit } from "../../core/hash.js";
import { type HttpClient, HttpFailure } from "../../core/headers/types.js";
import { GITHUB_RELEASE_ASSET_CAP } from "../../core/publish/layout.js";
import {
  type ArtifactStore,
  type CreateOutcome,
  checkAssetPath,
  type ReadResult,
  type StoredAsset,
} from "../../core/publish/store.js";
import type { GithubClient } from "../github-client.js";
import { createHttpClient } from "../http.js";

/**
 * Artifact store on GitHub Releases: a folder is a release (its tag is the folder name), an asset a release asset.
 * Writes go through the REST API (octokit with rate-limit and 5xx retries); reads are one GET of the release
 * download URL, which costs no API quota — what a fleet of nodes looking up modules needs.
 *
 * Create is exclusive because GitHub refuses a second asset of one name (422 `already_exists`); a release holds at
 * most 1,000 assets (422 `file_count`), reported as `full` so publish moves on to the next shard. GitHub has no
 * conditional replace: replace deletes and uploads, and a racing writer shows up as `already_exists` (conflict).
 */
export interface GithubStoreOptions {
  owner: string;
  repo: string;
  client: GithubClient;
  /** Web root that serves release downloads: https://github.com, a GitHub Enterprise host, a test server. */
  webUrl: string;
  /** Assets per release before a shard counts as full (GitHub's limit unless a test lowers it). */
  assetCap?: number;
  http?: HttpClient;
}

interface ReleaseRef {
  id: number;
  uploadUrl: string;
}

const RELEASE_BODY = "Published by kmodforge: an artifact store folder (see docs/publish.md). Do not edit.";

function status(err: unknown): number | undefined {
  return (err as { status?: number }).status;
}

/** The `code`/`field` pairs of a 422 Validation Failed answer. */
function validationErrors(err: unknown): string[] {
  const data = (err as { response?: { data?: { errors?: unknown } } }).response?.data;
  const errors = Array.isArray(data?.errors) ? data.errors : [];
  return errors.map((e: { code?: unknown; field?: unknown }) => `${String(e.code)}:${String(e.field)}`);
}

/** Release download root for an API root: api.github.com → github.com, <host>/api/v3 → <host>, else its origin. */
export function githubWebUrl(apiUrl?: string): string {
  if (!apiUrl) return "https://github.com";
  const url = new URL(apiUrl);
  if (url.hostname === "api.github.com") return "https://github.com";
  return `${url.origin}${url.pathname.replace(/\/api\/v3\/?$/, "").replace(/\/+$/, "")}`;
}

export class GithubReleaseStore implements ArtifactStore {
  readonly url: string;
  readonly assetCap: number;
  private readonly releases = new Map<string, ReleaseRef>();
  private readonly http: HttpClient;

  constructor(private readonly options: GithubStoreOptions) {
    this.url = `github:${options.owner}/${options.repo}`;
    this.assetCap = options.assetCap ?? GITHUB_RELEASE_ASSET_CAP;
    this.http = options.http ?? createHttpClient({ retries: 2 });
  }

  private get repo() {
    return { owner: this.options.owner, repo: this.options.repo };
  }

  /** The release of a folder, created (published, never marked latest) when `create` is set. */
  private async release(tag: string, create: boolean): Promise<ReleaseRef | undefined> {
    const known = this.releases.get(tag);
    if (known) return known;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const { data } = await this.options.client.rest.repos.getReleaseByTag({ ...this.repo, tag });
        return this.remember(tag, data);
      } catch (err) {
        if (status(err) !== 404) throw err;
      }
      if (!create) return undefined;
      try {
        const { data } = await this.options.client.rest.repos.createRelease({
          ...this.repo,
          tag_name: tag,
          name: tag,
          body: RELEASE_BODY,
          make_latest: "false",
        });
        return this.remember(tag, data);
      } catch (err) {
        // Another publisher created it a moment ago: read theirs.
        if (status(err) !== 422 || !validationErrors(err).some((e) => e.startsWith("already_exists")))
          throw err;
      }
    }
    throw new KmodforgeError("EXTERNAL_TOOL_FAILED", `GitHub release ${tag} could not be created or read`);
  }

  private remember(tag: string, data: { id: number; upload_url: string }): ReleaseRef {
    const ref = { id: data.id, uploadUrl: data.upload_url };
    this.releases.set(tag, ref);
    return ref;
  }

  async create(folder: string, name: string, body: Uint8Array): Promise<CreateOutcome> {
    checkAssetPath(folder, name);
    const release = await this.release(folder, true);
    try {
      // The release's own upload_url (uploads.github.com, or what an Enterprise server or a test server says),
      // expanded by octokit with `name`; the generic request keeps the body binary.
      await this.options.client.request({
        method: "POST",
        url: release!.uploadUrl,
        name,
        data: body,
        headers: { "content-type": "application/octet-stream", "content-length": body.length },
      });
      return "created";
    } catch (err) {
      if (status(err) !== 422) throw err;
      const errors = validationErrors(err);
      if (errors.some((e) => e.startsWith("already_exists"))) return "exists";
      if (errors.some((e) => e.endsWith(":file_count"))) return "full";
      throw err;
    }
  }

  async replace(folder: string, name: string, body: Uint8Array): Promise<"replaced" | "conflict"> {
    await this.remove(folder, name);
    const outcome = await this.create(folder, name, body);
    if (outcome === "full")
      throw new KmodforgeError(
        "EXTERNAL_TOOL_FAILED",
        `GitHub release ${folder} is full (${this.assetCap} assets)`,
      );
    return outcome === "created" ? "replaced" : "conflict";
  }

  async read(folder: string, name: string, ifNoneMatch?: string): Promise<ReadResult> {
    try {
      const res = await this.http.get(this.locate(folder, name), {
        timeoutMs: 60_000,
        ...(ifNoneMatch ? { ifNoneMatch } : {}),
      });
      if (res.status === 304) return { kind: "not-modified" };
      return { kind: "found", body: res.body, ...(res.headers.etag ? { etag: res.headers.etag } : {}) };
    } catch (err) {
      if (err instanceof HttpFailure && err.reason === "not-found") return { kind: "absent" };
      throw err;
    }
  }

  private async assets(folder: string) {
    const release = await this.release(folder, false);
    if (!release) return [];
    return this.options.client.paginate(this.options.client.rest.repos.listReleaseAssets, {
      ...this.repo,
      release_id: release.id,
      per_page: 100,
    });
  }

  async list(folder: string): Promise<StoredAsset[]> {
    checkAssetPath(folder, "x");
    return (await this.assets(folder))
      .filter((a) => a.state === "uploaded")
      .map((a) => {
        const sha256 = /^sha256:([0-9a-f]{64})$/.exec(a.digest ?? "")?.[1];
        return { name: a.name, size: a.size, ...(sha256 ? { sha256 } : {}) };
      })
      .sort((a, b) => byCodeUnit(a.name, b.name));
  }

  async remove(folder: string, name: string): Promise<void> {
    checkAssetPath(folder, name);
    for (const asset of (await this.assets(folder)).filter((a) => a.name === name)) {
      try {
        await this.options.client.rest.repos.deleteReleaseAsset({ ...this.repo, asset_id: asset.id });
      } catch (err) {
        if (status(err) !== 404) throw err;
      }
    }
  }

  locate(folder: string, name: string): string {
    checkAssetPath(folder, name);
    const { owner, repo } = this.repo;
    return `${this.options.webUrl}/${owner}/${repo}/releases/download/${encodeURIComponent(folder)}/${encodeURIComponent(name)}`;
  }
}
