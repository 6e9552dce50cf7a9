import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { cacheSubdir } from "../adapters/cache-dir.js";
import { runProcess } from "../adapters/run-process.js";
import { tempBeside } from "../adapters/temp-name.js";
import { KmodforgeError } from "../core/errors.js";
import { script } from "./build-scripts.js";

/**
 * Extracted header trees, cached by the checksums of the packages they came from: unpacking ~16k files per build
 * is slow on disk, and the same packages always give the same tree. A tree is extracted aside and renamed into
 * place, so a half-extracted tree is never used.
 */

export interface HeaderTree {
  /** The extraction root (holds usr/src/…, usr/lib/…). */
  root: string;
  /** The kernel build directory inside it (what `make -C` takes). */
  buildDir: string;
  /** buildDir relative to root. */
  buildDirInTree: string;
  cached: boolean;
}

/**
 * The cache key of a tree: its packages' checksums and the extraction script's own bytes, so a change to how trees
 * are laid out (e.g. a Makefile path rewrite) never serves a tree extracted the old way.
 */
export function treeKey(packageSha256: readonly string[], extractor: string | Buffer): string {
  return createHash("sha256")
    .update([...packageSha256].sort().join("\n"))
    .update("\0")
    .update(extractor)
    .digest("hex")
    .slice(0, 32);
}

let extractorBytes: Promise<Buffer> | undefined;

/**
 * The header tree of these packages: from the cache when it is there, else extracted into it. With `at`, the
 * packages are extracted into that directory instead (a build whose tree must travel, e.g. out of a container).
 * `buildDirs` are where the kernel's family puts the build tree inside it, best first (registry: buildTreeOf).
 */
export async function headerTree(
  cacheDir: string,
  buildDirs: readonly string[],
  packages: ReadonlyArray<{ path: string; sha256: string }>,
  at?: string,
): Promise<HeaderTree> {
  extractorBytes ??= readFile(script("extract-headers.sh"));
  const key = treeKey(
    packages.map((p) => p.sha256),
    await extractorBytes,
  );
  const root = at ?? join(cacheSubdir("trees", cacheDir), key);
  const cached = existsSync(join(root, ".complete"));
  if (!cached) {
    const temp = tempBeside(root);
    const r = await runProcess("sh", [script("extract-headers.sh"), temp, ...packages.map((p) => p.path)], {
      timeoutMs: 600_000,
    });
    if (r.code !== 0) {
      await rm(temp, { recursive: true, force: true });
      throw new KmodforgeError(
        "EXTERNAL_TOOL_FAILED",
        `extracting header packages failed: ${r.stderr.trim().slice(-2000)}`,
      );
    }
    await runProcess("touch", [join(temp, ".complete")]);
    // Another process may have finished the same tree meanwhile: keep the first complete one (it may be in use).
    if (existsSync(join(root, ".complete"))) await rm(temp, { recursive: true, force: true });
    else {
      await rm(root, { recursive: true, force: true });
      await rename(temp, root).catch(async (err) => {
        await rm(temp, { recursive: true, force: true });
        if (!existsSync(join(root, ".complete"))) throw err;
      });
    }
  }
  const candidates = buildDirs.map((d) => join(root, d));
  const buildDir = candidates.find((d) => existsSync(join(d, "Makefile")));
  if (!buildDir) {
    throw new KmodforgeError(
      "HEADERS_UNAVAILABLE",
      `the header packages hold no kernel build tree (looked for ${buildDirs.join(", ") || "nothing"})`,
    );
  }
  return { root, buildDir, buildDirInTree: relative(root, buildDir), cached };
}
