import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { TestContext } from "vitest";

/**
 * What a test needs from the machine (a tool, a prepared file, root). On a developer's machine a missing one skips
 * the test with a note naming it; under `CI=true` it fails the test, because CI must never turn green by skipping
 * the very tests it exists to run. `bash test/env/setup.sh` installs everything the suite needs.
 */

export interface Prerequisite {
  /** What is needed, as the skip note and the CI failure name it. */
  what: string;
  present: boolean;
}

/** True under `CI=true` (or `CI=1`), where a missing prerequisite is a failure. */
export function underCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(true|1)$/i.test(env.CI ?? "");
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A program on PATH. */
export function tool(name: string): Prerequisite {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  return { what: `${name} on PATH`, present: dirs.some((d) => executable(join(d, name))) };
}

/** A file the environment setup prepares (an absolute path, never one relative to the working directory). */
export function file(path: string, what = path): Prerequisite {
  return { what, present: existsSync(path) };
}

/** Running as root (container tooling with private storage). */
export function root(): Prerequisite {
  return { what: "root", present: process.getuid?.() === 0 };
}

/** What the container executor needs on the host (podman with runc: crun cannot run on hybrid-cgroup hosts). */
export const CONTAINER_BUILDS: readonly Prerequisite[] = [tool("podman"), tool("runc")];

/** Why the test cannot run, or undefined when everything is there. */
export function missingNote(needs: readonly Prerequisite[]): string | undefined {
  const missing = needs.filter((n) => !n.present).map((n) => n.what);
  return missing.length ? `missing ${missing.join(", ")} (bash test/env/setup.sh prepares it)` : undefined;
}

/**
 * Call first in a test, or as `beforeEach((ctx) => requireOrSkip(ctx, …))` for a whole describe block: returns
 * when everything is there, skips the test locally with a note, throws under CI=true.
 */
export function requireOrSkip(ctx: TestContext, ...needs: Prerequisite[]): void {
  const note = missingNote(needs);
  if (!note) return;
  if (underCi()) throw new Error(`CI=true: ${note}; a CI run never skips this test`);
  ctx.skip(note);
}
