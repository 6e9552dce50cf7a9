import { parseStoreUrl } from "../core/store-url.js";
import type { StateStore } from "../core/sweep/store.js";
import { FsStateStore } from "./state-fs.js";
import { S3StateStore, type S3StoreOptions } from "./state-s3.js";

export const DEFAULT_STATE_URL = "file://.kmodforge/state";

/**
 * Opens the store a `--state` value names: `file://<dir>` (relative or absolute; also a bare path) or
 * `s3://<bucket>/<prefix>` (with `--s3-endpoint` for S3-compatible servers).
 */
export function openStateStore(url: string, s3: Omit<S3StoreOptions, "bucket" | "prefix"> = {}): StateStore {
  const location = parseStoreUrl(url, { field: "state", github: false });
  if (location.kind === "s3")
    return new S3StateStore({ bucket: location.bucket, prefix: location.prefix, ...s3 });
  if (location.kind === "file") return new FsStateStore(location.path);
  throw new RangeError("unreachable: github: is refused for state stores");
}
