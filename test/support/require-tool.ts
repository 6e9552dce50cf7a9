import { execFileSync } from "node:child_process";

/**
 * Tests that need a tool run where it is installed. Locally a missing tool skips them with the reason printed; under
 * CI=true a missing tool is a failure, never a skip (CI installs everything itself).
 */
export function requireTools(what: string, tools: readonly string[]): { ok: boolean; missing: string[] } {
  const missing = tools.filter((t) => {
    try {
      execFileSync("sh", ["-c", 'command -v "$1"', "sh", t], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return { ok: true, missing };
  const message = `${what} need ${missing.join(", ")}, which ${missing.length > 1 ? "are" : "is"} not installed`;
  if (process.env.CI === "true") throw new Error(`${message} (CI=true: run test/env/setup.sh)`);
  console.warn(`skipping ${what}: ${message}`);
  return { ok: false, missing };
}
