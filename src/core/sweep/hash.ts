import { createHash } from "node:crypto";

/** Canonical JSON (keys sorted at every depth) is the one cache keys use. */
export { canonicalJson } from "../cache-key.js";

export function sha256Hex(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Compares strings by UTF-16 code units: the same order on every locale and runtime. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
