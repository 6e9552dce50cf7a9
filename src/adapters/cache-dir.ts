import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

/**
 * Where kmodforge keeps what it can fetch or rebuild again (docs/cache.md). One rule for every command: the root is
 * `$KMODFORGE_CACHE`, else `$XDG_CACHE_HOME/kmodforge`, else `~/.cache/kmodforge`; each kind of content has one
 * subdirectory, named here, so `build`, `resolve`, `sweep` and `verify` share the same apt lists and downloads.
 */

export const CACHE_SUBDIRS = {
  /** Private apt states (signature-checked package lists and lookups), one per suite and arch. */
  apt: "apt",
  /** Downloaded packages, content-addressed by SHA-256. */
  packages: "packages",
  /** Extracted header trees, keyed by the checksums of the packages they came from. */
  trees: "trees",
  /** Scratch directories of builds in progress. */
  work: "work",
  /** Load tests: kernel images, busybox and their own apt state. */
  boot: "boot",
  /** `lookup`: artifact store indexes with their ETags. */
  lookup: "lookup",
  /** Scratch roots made with debootstrap for builder base images (removed once imported). */
  images: "images",
} as const;
export type CacheSubdir = keyof typeof CACHE_SUBDIRS;

/** The cache root for this environment. XDG_CACHE_HOME counts only when absolute, as the XDG spec says. */
export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KMODFORGE_CACHE) return resolve(env.KMODFORGE_CACHE);
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), ".cache"), "kmodforge");
}

/** One kind of content under a cache root (the default root unless a command was given another). */
export function cacheSubdir(sub: CacheSubdir, root: string = defaultCacheRoot()): string {
  return join(root, CACHE_SUBDIRS[sub]);
}
