import { fileURLToPath } from "node:url";
import { InvalidInputError } from "../core/errors.js";
import type { StateStore } from "../core/sweep/store.js";
import { FsStateStore } from "./state-fs.js";
import { S3StateStore, type S3StoreOptions } from "./state-s3.js";

export const DEFAULT_STATE_URL = "file://.kmodforge/state";

/**
 * Opens the store a `--state` value names: `file://<dir>` (relative or absolute; also a bare path) or
 * `s3://<bucket>/<prefix>` (with `--s3-endpoint` for S3-compatible servers).
 */
export function openStateStore(url: string, s3: Omit<S3StoreOptions, "bucket" | "prefix"> = {}): StateStore {
  if (url.startsWith("s3://")) {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/([A-Za-z0-9._/-]*))?$/.exec(url);
    if (!m) throw badUrl(url);
    return new S3StateStore({ bucket: m[1]!, prefix: (m[2] ?? "").replace(/\/+$/, ""), ...s3 });
  }
  if (url.startsWith("file:///")) return new FsStateStore(fileURLToPath(url));
  if (url.startsWith("file://")) return new FsStateStore(url.slice("file://".length));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw badUrl(url);
  return new FsStateStore(url);
}

function badUrl(url: string): InvalidInputError {
  return new InvalidInputError([
    {
      field: "state",
      given: url,
      expected: "file://<dir> or s3://<bucket>/<prefix>",
      message: `state: unsupported store URL ${JSON.stringify(url)}; expected file://<dir> or s3://<bucket>/<prefix>`,
    },
  ]);
}
