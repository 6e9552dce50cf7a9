import { KmodforgeError } from "../core/errors.js";
import type { MatrixEntry } from "../core/sweep/types.js";
import { type BuildRequest, buildModule, type ExecutorRequest } from "./build.js";

/**
 * Builds one matrix entry on this machine; failures come back classified by their error code (BUILD_EXCLUDED, with
 * its rule, is the package's build-exclusive rules leaving the kernel out — not a failure).
 */
export type EntryBuilder = (entry: MatrixEntry) => Promise<BuildOutcome>;

export interface LocalBuilderOptions {
  /** Module source directory (default: the sample module). */
  moduleDir?: string;
  /** Where built artifacts go. */
  outDir: string;
  /** Let a DKMS tree's PRE_BUILD/POST_BUILD run (in a builder container). */
  allowScripts?: boolean;
  /** host, container or auto (per entry: the host when it has the kernel's compiler, else a container). */
  executor: ExecutorRequest;
  targetsDir?: string;
  cacheDir?: string;
  log?: (line: string) => void;
}

/** What a build ended with, its failure classified by error code instead of thrown. */
export type BuildOutcome =
  | { ok: true; artifactDir: string }
  | { ok: false; code?: string; detail: string; buildLog?: string; rule?: string };

/** Runs one build and reports its outcome (the sweep's entries and the service's local builds). */
export async function buildOutcome(request: BuildRequest): Promise<BuildOutcome> {
  try {
    const result = await buildModule(request);
    return { ok: true, artifactDir: result.artifactDir };
  } catch (err) {
    const code = err instanceof KmodforgeError ? err.code : undefined;
    const buildLog = err instanceof KmodforgeError ? err.details.buildLog : undefined;
    const rule = err instanceof KmodforgeError ? err.details.rule : undefined;
    return {
      ok: false,
      ...(code ? { code } : {}),
      detail: (err as Error).message,
      ...(typeof buildLog === "string" ? { buildLog } : {}),
      ...(typeof rule === "string" ? { rule } : {}),
    };
  }
}

/** Adapts the build (src/executors/build.ts) to sweep entries: each entry is one build with the same request. */
export function localBuilder(options: LocalBuilderOptions): EntryBuilder {
  return (entry) =>
    buildOutcome({
      kernelRelease: entry.identity.kernelRelease,
      distro: entry.identity.distro,
      distroVersion: entry.identity.distroVersion,
      arch: entry.identity.arch,
      outDir: options.outDir,
      executor: options.executor,
      ...(options.moduleDir ? { moduleDir: options.moduleDir } : {}),
      ...(options.allowScripts ? { allowScripts: true } : {}),
      ...(options.targetsDir ? { targetsDir: options.targetsDir } : {}),
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      ...(options.log ? { log: options.log } : {}),
      ...(entry.headers.kind === "files" ? { expectedHeaders: entry.headers.files } : {}),
    });
}
