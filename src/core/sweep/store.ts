/**
 * Where sweep state lives. Two adapters implement it (local filesystem, S3); everything above it (generations,
 * ledger, chunk objects) is written once against this interface.
 */
export interface StateStore {
  /** `file:///abs/dir` or `s3://bucket/prefix`: what jobs are told to read chunks from. */
  readonly url: string;
  /**
   * Creates the object only if no object has that key and returns true; returns false when it exists. Atomic:
   * readers see the whole body or nothing, and of two racing creators exactly one gets true.
   */
  createIfAbsent(key: string, body: string | Uint8Array): Promise<boolean>;
  get(key: string): Promise<Buffer | undefined>;
  /** Every key under the prefix, sorted; `startAfter` lists only keys sorting after it. */
  list(prefix: string, startAfter?: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}

/** Keys are plain relative paths: no `..`, no leading slash, a safe character set. */
export function checkStoreKey(key: string): string {
  if (
    !/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(key) ||
    key.includes("..") ||
    key.includes("//") ||
    key.length > 512
  ) {
    throw new RangeError(`invalid state-store key ${JSON.stringify(key)}`);
  }
  return key;
}
