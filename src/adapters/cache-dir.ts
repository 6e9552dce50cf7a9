import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The one rule for kmodforge's cache directory: $KMODFORGE_CACHE, else $XDG_CACHE_HOME/kmodforge, else
 * ~/.cache/kmodforge. Everything cached (apt state, packages, header trees, boot assets, work directories) lives in
 * named subdirectories of it.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KMODFORGE_CACHE) return env.KMODFORGE_CACHE;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "kmodforge");
  return join(homedir(), ".cache", "kmodforge");
}
