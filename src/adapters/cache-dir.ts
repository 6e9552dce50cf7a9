import { homedir } from "node:os";
import { join } from "node:path";

/** kmodforge's cache root: `$KMODFORGE_CACHE`, else `~/.cache/kmodforge`. */
export function kmodforgeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KMODFORGE_CACHE ?? join(homedir(), ".cache", "kmodforge");
}
