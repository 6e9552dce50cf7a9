import type { ArtifactStore } from "../../core/publish/store.js";
import { parseStoreUrl } from "../../core/store-url.js";
import type { S3StoreOptions } from "../state-s3.js";

/** The local main job's store: a `kmodforge sweep` that builds here publishes here unless told otherwise. */
export const DEFAULT_STORE_URL = "file://.kmodforge/store";

export interface StoreOptions {
  s3?: Omit<S3StoreOptions, "bucket" | "prefix">;
  github?: {
    token?: string;
    /** API root (GitHub Enterprise Server, a test server); the download root is derived from it. */
    apiUrl?: string;
    /** Unit of retry-after and retry backoff in ms (1000 in production). */
    retryBaseMs?: number;
    /** Assets per release before a shard counts as full (a test may lower GitHub's 1,000). */
    assetCap?: number;
    log?: (line: string) => void;
  };
}

export type OpenedStore = ArtifactStore & { destroy?(): void };

/**
 * Opens the artifact store a `--store`/`--publish` value names: `file://<dir>` (or a bare path),
 * `s3://<bucket>/<prefix>` or `github:<owner>/<repo>`. The AWS SDK and octokit load only when their store is used.
 */
export async function openArtifactStore(url: string, options: StoreOptions = {}): Promise<OpenedStore> {
  const location = parseStoreUrl(url, { field: "store", github: true });
  if (location.kind === "file") {
    const { DirectoryArtifactStore } = await import("./directory.js");
    return new DirectoryArtifactStore(location.path);
  }
  if (location.kind === "s3") {
    const { S3ArtifactStore } = await import("./s3.js");
    return new S3ArtifactStore({ bucket: location.bucket, prefix: location.prefix, ...options.s3 });
  }
  const [{ GithubReleaseStore, githubWebUrl }, { createGithubClient }] = await Promise.all([
    import("./github.js"),
    import("../github-client.js"),
  ]);
  const gh = options.github ?? {};
  const token = gh.token ?? process.env.GITHUB_TOKEN;
  return new GithubReleaseStore({
    owner: location.owner,
    repo: location.repo,
    client: await createGithubClient({
      ...(token ? { token } : {}),
      ...(gh.apiUrl ? { baseUrl: gh.apiUrl } : {}),
      ...(gh.retryBaseMs ? { retryBaseMs: gh.retryBaseMs } : {}),
      ...(gh.log ? { log: gh.log } : {}),
    }),
    webUrl: githubWebUrl(gh.apiUrl),
    ...(gh.assetCap ? { assetCap: gh.assetCap } : {}),
  });
}
