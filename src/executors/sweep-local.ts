import { KmodforgeError } from "../core/errors.js";
import type { MatrixEntry } from "../core/sweep/types.js";

/** Builds one matrix entry on this machine; failures come back classified by their error code. */
export type EntryBuilder = (
  entry: MatrixEntry,
) => Promise<
  { ok: true; artifact?: string; artifactDir?: string } | { ok: false; code?: string; detail: string }
>;

export interface LocalBuilderOptions {
  /** Module source directory (default: the sample module). */
  moduleDir?: string;
  /** Where built artifacts go. */
  outDir: string;
}

type BuildLocal = (request: Record<string, unknown>) => Promise<unknown>;

/**
 * Adapts the local executor (src/executors/local.ts, `buildLocal`) to sweep entries. Loaded lazily so a sweep
 * that dispatches to CI never loads build tooling.
 */
export async function loadLocalBuilder(options: LocalBuilderOptions): Promise<EntryBuilder> {
  const specifier = "./local.js";
  let buildLocal: BuildLocal | undefined;
  try {
    buildLocal = ((await import(specifier)) as { buildLocal?: BuildLocal }).buildLocal;
  } catch {
    buildLocal = undefined;
  }
  if (typeof buildLocal !== "function") {
    throw new KmodforgeError(
      "EXTERNAL_TOOL_FAILED",
      "the local executor (src/executors/local.ts buildLocal) is not available in this build",
    );
  }
  const run = buildLocal;
  return async (entry) => {
    try {
      const result = (await run({
        kernelRelease: entry.identity.kernelRelease,
        distro: entry.identity.distro,
        distroVersion: entry.identity.distroVersion,
        arch: entry.identity.arch,
        ...(options.moduleDir ? { moduleDir: options.moduleDir } : {}),
        outDir: options.outDir,
        ...(entry.headers.kind === "files" ? { headerFiles: entry.headers.files } : {}),
      })) as { artifact?: string; path?: string; artifactDir?: string } | undefined;
      const artifact = result?.artifact ?? result?.path;
      return {
        ok: true,
        ...(artifact ? { artifact } : {}),
        ...(result?.artifactDir ? { artifactDir: result.artifactDir } : {}),
      };
    } catch (err) {
      const code = err instanceof KmodforgeError ? err.code : undefined;
      return { ok: false, ...(code ? { code } : {}), detail: (err as Error).message };
    }
  };
}
