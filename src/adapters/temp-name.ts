import { randomBytes } from "node:crypto";

/**
 * A name beside `final` that no other writer uses — neither another process nor a concurrent call in this one — for
 * write-aside-then-rename. A pid and a clock are not enough: two builds in one sweep fetch the same shared package
 * within the same millisecond.
 */
export function tempBeside(final: string, suffix = "tmp"): string {
  return `${final}.${process.pid}.${randomBytes(6).toString("hex")}.${suffix}`;
}
