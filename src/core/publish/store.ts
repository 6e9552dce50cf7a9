/**
 * An artifact store: folders of flat, named assets (see layout.ts). Three adapters implement it — a local
 * directory, GitHub Releases and S3 — and everything above (publish, index generations, lookup) is written once
 * against this interface.
 */

export type ReadResult =
  | { kind: "found"; body: Buffer; etag?: string }
  /** The asset still has the ETag the caller sent. */
  | { kind: "not-modified" }
  | { kind: "absent" };

export interface StoredAsset {
  name: string;
  size: number;
  /** SHA-256 of the bytes when the backend reports it without a download (GitHub's asset digest). */
  sha256?: string;
}

/** `full`: the folder holds as many assets as the backend allows (a GitHub release's 1,000). */
export type CreateOutcome = "created" | "exists" | "full";

export interface ArtifactStore {
  /** `file:///abs/dir`, `github:owner/repo` or `s3://bucket/prefix`. */
  readonly url: string;
  /** Most assets one folder can hold; Infinity where the backend has no limit. */
  readonly assetCap: number;
  /** Creates the asset only if no asset has that name; atomic (readers see all of it or nothing). */
  create(folder: string, name: string, body: Uint8Array): Promise<CreateOutcome>;
  /**
   * Puts the asset whether or not it exists, atomically where the backend can. With `ifMatch` (an ETag from
   * read) or `ifAbsent` the backend refuses with `conflict` when it can tell the asset changed meanwhile.
   */
  replace(
    folder: string,
    name: string,
    body: Uint8Array,
    expect?: { ifMatch?: string; ifAbsent?: boolean },
  ): Promise<"replaced" | "conflict">;
  /** One GET; `ifNoneMatch` makes it conditional. */
  read(folder: string, name: string, ifNoneMatch?: string): Promise<ReadResult>;
  /** Every asset of the folder (an absent folder is empty). */
  list(folder: string): Promise<StoredAsset[]>;
  remove(folder: string, name: string): Promise<void>;
  /** Where a consumer downloads the asset: a file://, https:// or s3:// URL. */
  locate(folder: string, name: string): string;
}

/** Folder and asset names: one path segment of a safe character set. */
export function checkAssetPath(folder: string, name: string): void {
  const segment = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
  if (!segment.test(folder) || !segment.test(name) || folder.includes("..") || name.includes(".."))
    throw new RangeError(`invalid store path ${JSON.stringify(`${folder}/${name}`)}`);
}
