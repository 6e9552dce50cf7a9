import { cacheKey } from "../cache-key.js";
import { byCodeUnit } from "../hash.js";
import { type IdentityInput, type KernelIdentity, parseIdentity } from "../identity.js";
import { checkSupport, type SupportOptions, type SupportResult } from "../support.js";
import type { TargetsPolicy } from "../targets.js";
import { compilerFor } from "../targets.js";
import {
  type EntryIdentity,
  type HeaderFile,
  type HeaderRef,
  MATRIX_SCHEMA_VERSION,
  type Matrix,
  type MatrixEntry,
  type SkippedKernel,
} from "./types.js";

/** A kernel as discovery found it: identity input plus whatever header files the source already named. */
export interface DiscoveredKernel {
  input: IdentityInput;
  headerFiles: HeaderFile[];
  source: string;
}

export interface MatrixOptions extends SupportOptions {
  /** Digest of the module source; part of every cache key. */
  moduleDigest?: string;
}

export interface MatrixResult {
  matrix: Matrix;
  skipped: SkippedKernel[];
}

export function entryId(
  id: Pick<KernelIdentity, "distro" | "distroVersion" | "arch" | "kernelRelease">,
): string {
  return `${id.distro}/${id.distroVersion}/${id.arch}/${id.kernelRelease}`;
}

function mergeFiles(a: HeaderFile[], b: HeaderFile[]): HeaderFile[] {
  if (a.length === 0) {
    // Common case (one source per kernel): sort, and merge only when a name repeats.
    const sorted = [...b].sort((x, y) => byCodeUnit(x.name, y.name));
    if (sorted.every((f, i) => i === 0 || sorted[i - 1]!.name !== f.name)) return sorted;
  }
  const byName = new Map<string, HeaderFile>();
  for (const f of [...a, ...b]) {
    const seen = byName.get(f.name);
    // Keep the file a signed index vouched for; between equals the smallest URL, so input order never matters.
    if (
      !seen ||
      (!seen.sha256 && f.sha256) ||
      (!seen.sha256 === !f.sha256 && byCodeUnit(f.url, seen.url) < 0)
    )
      byName.set(f.name, f);
  }
  return [...byName.values()].sort((x, y) => byCodeUnit(x.name, y.name));
}

/**
 * Builds the matrix from discovered kernels: parse, apply policy, merge duplicates from several sources, sort.
 * Deterministic: the output depends only on the set of inputs, not their order.
 */
export function buildMatrix(
  kernels: readonly DiscoveredKernel[],
  policy: TargetsPolicy,
  options: MatrixOptions = {},
): MatrixResult {
  const moduleDigest = options.moduleDigest ?? "";
  const skipped: SkippedKernel[] = [];
  const byId = new Map<
    string,
    { identity: EntryIdentity; files: HeaderFile[]; sources: Set<string>; target: SupportResult }
  >();
  for (const k of kernels) {
    const parsed = parseIdentity(k.input);
    const label = () =>
      `${String(k.input.distro)} ${String(k.input.distroVersion)} ${String(k.input.arch)} ${String(k.input.kernelRelease)}`;
    if (!parsed.ok) {
      skipped.push({ source: k.source, kernel: label(), reason: parsed.error.message });
      continue;
    }
    const full = parsed.value;
    const id = entryId(full);
    const seen = byId.get(id);
    if (seen) {
      seen.files = mergeFiles(seen.files, k.headerFiles);
      seen.sources.add(k.source);
      continue;
    }
    const admission = checkSupport(full, policy, options);
    if (!admission.supported || !admission.target) {
      skipped.push({ source: k.source, kernel: label(), reason: admission.reason });
      continue;
    }
    // Keep only what the entry carries: 100k full identities would dominate memory and GC time.
    const identity: EntryIdentity = {
      distro: full.distro,
      distroVersion: full.distroVersion,
      arch: full.arch,
      kernelRelease: full.kernelRelease,
      flavour: full.flavour,
      upstreamVersion: full.upstreamVersion,
    };
    byId.set(id, {
      identity,
      files: mergeFiles([], k.headerFiles),
      sources: new Set([k.source]),
      target: admission,
    });
  }
  const entries: MatrixEntry[] = [];
  for (const id of [...byId.keys()].sort(byCodeUnit)) {
    const { identity, files, sources, target } = byId.get(id)!;
    if (!target.target) continue;
    const headers: HeaderRef =
      files.length > 0 ? { kind: "files", files } : { kind: "resolve", ref: `headers:${id}` };
    const base = {
      id,
      identity,
      headers,
      compiler: compilerFor(target.target, identity.upstreamVersion),
      builderImage: target.target.builderImage,
    };
    entries.push({
      ...base,
      discoveredBy: [...sources].sort(byCodeUnit),
      cacheKey: cacheKey({
        identity,
        moduleSourceDigest: moduleDigest,
        compiler: base.compiler,
        builderImage: base.builderImage,
        headers: headers.kind === "files" ? { kind: "files", files: headers.files } : headers,
        buildFlags: [],
      }),
    });
  }
  skipped.sort((a, b) =>
    byCodeUnit(`${a.source} ${a.kernel} ${a.reason}`, `${b.source} ${b.kernel} ${b.reason}`),
  );
  return {
    matrix: { schemaVersion: MATRIX_SCHEMA_VERSION, kind: "kmodforge-matrix", moduleDigest, entries },
    skipped,
  };
}

/** Serialises a matrix the same way every time (entries already sorted; keys in schema order). */
export function serialiseMatrix(matrix: Matrix): string {
  return `${JSON.stringify(matrix)}\n`;
}
