import { z } from "zod";
import { DISTROS } from "../../distros/adapter.js";
import { ARCHES } from "../arch.js";

/**
 * The build matrix: what a sweep builds. Versioned (`schemaVersion`), sorted by entry id, free of timestamps so
 * the same inputs always serialise to the same bytes. Documented in docs/matrix.md.
 */
export const MATRIX_SCHEMA_VERSION = 1 as const;

/** One header package file with where it comes from. A sha256 is present when signed metadata vouched for it. */
export const headerFileSchema = z.object({
  name: z.string().min(1),
  version: z.string().optional(),
  url: z.string().min(1),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  size: z.number().int().nonnegative().optional(),
});
export type HeaderFile = z.infer<typeof headerFileSchema>;

/**
 * Header references of an entry: the concrete files discovery already knows (apt indexes, crawler lists), or a
 * reference the build resolves through the targets/ fallback chain.
 */
export const headerRefSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("files"), files: z.array(headerFileSchema).min(1) }),
  z.object({ kind: z.literal("resolve"), ref: z.string().min(1) }),
]);
export type HeaderRef = z.infer<typeof headerRefSchema>;

export const entryIdentitySchema = z.object({
  distro: z.enum(DISTROS),
  distroVersion: z.string().min(1),
  arch: z.enum(ARCHES),
  kernelRelease: z.string().min(1),
  flavour: z.string(),
  upstreamVersion: z.string(),
});
export type EntryIdentity = z.infer<typeof entryIdentitySchema>;

export const matrixEntrySchema = z.object({
  /** `<distro>/<distroVersion>/<arch>/<kernelRelease>`: unique, stable, the sort key. */
  id: z.string().min(1),
  identity: entryIdentitySchema,
  headers: headerRefSchema,
  compiler: z.object({ family: z.enum(["gcc", "clang"]), major: z.number().int().positive() }),
  builderImage: z.string().min(1),
  /** Where the kernel was discovered (`crawler:x86_64`, `apt:bookworm-security` …), sorted. */
  discoveredBy: z.array(z.string()),
  /** Changes whenever anything that affects the built module changes: headers, compiler, image, module source. */
  cacheKey: z.string().regex(/^[0-9a-f]{64}$/),
});
export type MatrixEntry = z.infer<typeof matrixEntrySchema>;

export const matrixSchema = z.object({
  schemaVersion: z.literal(MATRIX_SCHEMA_VERSION),
  kind: z.literal("kmodforge-matrix"),
  /** Digest of the module source the cache keys include ("" when none was given). */
  moduleDigest: z.string(),
  entries: z.array(matrixEntrySchema),
});
export type Matrix = z.infer<typeof matrixSchema>;

/** A kernel found by discovery but left out of the matrix, and why. */
export interface SkippedKernel {
  source: string;
  kernel: string;
  reason: string;
}
