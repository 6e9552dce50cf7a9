import { randomBytes } from "node:crypto";

/** A tag no other writer uses — neither another process nor a concurrent call in this one. */
export function uniqueTag(): string {
  return `${process.pid}.${randomBytes(6).toString("hex")}`;
}

/**
 * A name beside `final` for write-aside-then-rename that no other writer uses. A pid and a clock are not enough:
 * two builds in one sweep fetch the same shared package within the same millisecond.
 */
export function tempBeside(final: string, suffix = "tmp"): string {
  return `${final}.${uniqueTag()}.${suffix}`;
}
