import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
/** The repository: tests run the CLI and read targets/ from here, wherever the test runner was started. */
const REPO = join(import.meta.dirname, "../..");

/** Runs the real CLI (bin/kmodforge.js) and returns its exit code and output, whatever the code. */
export async function kmodforge(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [join(REPO, "bin/kmodforge.js"), ...args], {
      cwd: REPO,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, ...r };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Where real sweeps keep their apt lists between runs. */
export const SWEEP_APT_CACHE = join(
  process.env.KMODFORGE_TEST_CACHE ?? "/var/cache/kmodforge-test",
  "sweep-apt",
);

/**
 * Writes `<dir>/targets/debian.yaml`: the repository's own Debian policy narrowed to bookworm on x86_64, which keeps
 * a real sweep's downloads small. Returns the targets directory.
 */
export async function writeBookwormTargets(dir: string): Promise<string> {
  await mkdir(join(dir, "targets"), { recursive: true });
  const targets = (await readFile(join(REPO, "targets/debian.yaml"), "utf8"))
    .replace(/^ {2}- version: "(11|13)"[\s\S]*?(?=^ {2}- version|(?![\s\S]))/gm, "")
    .replace(/arches: \[x86_64, aarch64\]/g, "arches: [x86_64]");
  await writeFile(join(dir, "targets", "debian.yaml"), targets);
  return join(dir, "targets");
}
