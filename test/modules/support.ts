import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONTAINER_LAYOUT } from "../../src/core/build/steps.js";
import type { DkmsPresets } from "../../src/core/modules/dkms-conf.js";
import { parseEvaluatedConf } from "../../src/core/modules/dkms-conf.js";
import { dkmsPresets } from "../../src/core/modules/package-plan.js";
import { renderRequest } from "../../src/core/modules/plan-files.js";

export const REPO = join(import.meta.dirname, "../..");
export const FIXTURES = join(REPO, "test/fixtures/dkms");

export const fixture = (name: string) => readFileSync(join(FIXTURES, `${name}.conf`), "utf8");

/** DKMS's presets as a build environment of the container layout gives them, for the newest 6.1 amd64 ABI. */
export const PRESETS: Omit<DkmsPresets, "module" | "module_version"> = dkmsPresets({
  kernelRelease: "6.1.0-57-amd64",
  arch: "x86_64",
  ...CONTAINER_LAYOUT,
});

/**
 * The oracle: scripts/dkms-evaluate.sh (DKMS's read_conf in real bash, the same script the build environment runs)
 * on `text`, with `presets`. Runs bash on test input only.
 */
export function evaluateInBash(
  text: string,
  presets: Omit<DkmsPresets, "module" | "module_version"> = PRESETS,
): ReturnType<typeof parseEvaluatedConf> {
  return parseEvaluatedConf(evaluatedOutput(text, presets));
}

/** What scripts/dkms-evaluate.sh prints for `text` (NUL-separated triples). */
export function evaluatedOutput(
  text: string,
  presets: Omit<DkmsPresets, "module" | "module_version"> = PRESETS,
): string {
  const dir = mkdtempSync(join(tmpdir(), "kmodforge-dkms-eval-"));
  try {
    writeFileSync(join(dir, "dkms.conf"), text);
    writeFileSync(join(dir, "request.env"), renderRequest(presets));
    execFileSync(
      "bash",
      [
        join(REPO, "scripts/dkms-evaluate.sh"),
        join(dir, "dkms.conf"),
        join(dir, "request.env"),
        join(dir, "out"),
      ],
      { stdio: ["ignore", "ignore", "ignore"], env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } },
    );
    return readFileSync(join(dir, "out"), "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Values as plain objects, for comparisons. */
export function plain(
  values: ReadonlyMap<string, ReadonlyMap<number, string>>,
): Record<string, Record<number, string>> {
  return Object.fromEntries([...values].map(([k, v]) => [k, Object.fromEntries(v)]));
}
