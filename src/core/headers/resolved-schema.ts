import { z } from "zod";
import { ARCHES } from "../arch.js";
import type { ResolvedHeaders } from "./types.js";

/**
 * The resolver's output as it crosses a process boundary (`kmodforge resolve --json`, a plan handed to a build):
 * validated before a build trusts any URL or checksum in it.
 */
const packageCandidateSchema = z.object({
  name: z.string().min(1),
  role: z.enum(["headers", "common", "kbuild", "compiler"]),
  version: z.string(),
  packageArch: z.string(),
  url: z.string().regex(/^https?:\/\//, "an http(s) URL"),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  size: z.number().int().nonnegative().optional(),
  signedBy: z.string().optional(),
  source: z.string(),
});

const traceEntrySchema = z.object({
  source: z.string(),
  package: z.string(),
  outcome: z.enum(["found", "miss"]),
  reason: z
    .enum([
      "not-found",
      "http-error",
      "unreachable",
      "timeout",
      "truncated",
      "too-large",
      "checksum-mismatch",
      "bad-signature",
      "unverified-refused",
      "malformed",
      "not-applicable",
    ])
    .optional(),
  detail: z.string().optional(),
  url: z.string().optional(),
  ms: z.number().optional(),
});

export const resolvedHeadersSchema = z.object({
  kernelRelease: z.string(),
  distro: z.string(),
  distroVersion: z.string(),
  arch: z.enum(ARCHES),
  hostArch: z.enum(ARCHES),
  packages: z.array(packageCandidateSchema).min(1),
  trace: z.array(traceEntrySchema),
});

export function parseResolvedHeaders(
  json: unknown,
  where: string,
): { ok: true; value: ResolvedHeaders } | { ok: false; message: string } {
  const r = resolvedHeadersSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    return { ok: false, message: `${where}: ${first?.path.join(".") || "(root)"}: ${first?.message}` };
  }
  return { ok: true, value: r.data };
}
