import { createHash } from "node:crypto";
import { z } from "zod";
import { DISTROS } from "../../distros/adapter.js";
import { ARCHES } from "../arch.js";
import { KmodforgeError } from "../errors.js";
import { firstIssue, parseJsonWith, type Validated } from "../validate.js";

/**
 * The metadata published next to every artifact: enough to reproduce, audit and look the artifact up again. One
 * writer (buildMetadata) and one reader (parseMetadata) for every runner — host, container and Dagger write the
 * same file, and everything that reads it back validates it here.
 *
 * An artifact is one module package (a plain Kbuild tree or a DKMS tree) built for one kernel: a directory named by
 * the package's artifact name holding one `.ko.xz` per module, `metadata.json`, `SHA256SUMS` and `build.log`.
 */

export const METADATA_SCHEMA_VERSION = 2;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits");
const fileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a plain file name");

export const checkResultSchema = z.object({
  check: z.enum(["elf", "vermagic-release", "vermagic-flags", "symbol-crcs", "license"]),
  ok: z.boolean(),
  expected: z.string(),
  actual: z.string(),
  detail: z.string().optional(),
});

export const headerProvenanceSchema = z.object({
  name: z.string(),
  version: z.string(),
  url: z.string(),
  sha256,
  source: z.string(),
  signedBy: z.string().optional(),
});
export type HeaderProvenance = z.infer<typeof headerProvenanceSchema>;

/** One built module inside an artifact. */
export const moduleFileSchema = z.object({
  /** The module's name as the kernel knows it (modinfo `name`). */
  name: z.string().min(1),
  /** Its file in the artifact directory (`<artifact name of this module>.ko.xz`). */
  file: fileName,
  sha256,
  size: z.number().int().nonnegative(),
  /** MODULE_VERSION, when the module declares one. */
  version: z.string().optional(),
  /** Where the build left the `.ko`, relative to the build tree (DKMS BUILT_MODULE_LOCATION or a Kbuild subdir). */
  location: z.string(),
  signed: z.boolean(),
  /** The verify gate's outcome for this module; every check passed, or the artifact would not exist. */
  checks: z.array(checkResultSchema),
});
export type ModuleFile = z.infer<typeof moduleFileSchema>;

export const metadataSchema = z.object({
  schemaVersion: z.literal(METADATA_SCHEMA_VERSION),
  /** The artifact directory's name (naming.ts, with the package name as the module field). */
  artifactName: fileName,
  identity: z.object({
    distro: z.enum(DISTROS),
    distroVersion: z.string(),
    arch: z.enum(ARCHES),
    kernelRelease: z.string(),
    flavour: z.string().optional(),
    upstreamVersion: z.string().optional(),
  }),
  /** The module package: its name and version (dkms.conf PACKAGE_NAME/VERSION, or the module's own). */
  package: z.object({
    name: z.string().min(1),
    version: z.string().min(1),
    kind: z.enum(["kbuild", "dkms"]),
    /** Modules dkms.conf declares that a per-module BUILD_EXCLUSIVE rule leaves out for this kernel. */
    excludedModules: z.array(z.object({ name: z.string().min(1), rule: z.string() })).optional(),
  }),
  driverVersion: z.string().min(1),
  modules: z.array(moduleFileSchema).min(1),
  compiler: z.object({
    /** `--version` first line of the compiler the build ran. */
    text: z.string(),
    /** CONFIG_CC_VERSION_TEXT of the kernel. */
    kernelText: z.string(),
  }),
  headerPackages: z.array(headerProvenanceSchema),
  builder: z.object({
    runner: z.enum(["host", "container", "dagger"]),
    /** Builder image reference (container and Dagger runners). */
    image: z.string().optional(),
    mode: z.enum(["native", "cross", "emulated"]),
  }),
  cacheKey: sha256,
  signed: z.boolean(),
  startedAt: z.string().datetime(),
  finishedAt: z.string().datetime(),
});
export type BuildMetadata = z.infer<typeof metadataSchema>;
export type BuildMetadataInput = Omit<BuildMetadata, "schemaVersion">;

/** The one metadata writer: validates what it is given, so a runner cannot write a file readers would refuse. */
export function buildMetadata(input: BuildMetadataInput): BuildMetadata {
  const r = metadataSchema.safeParse({ schemaVersion: METADATA_SCHEMA_VERSION, ...input });
  if (r.success) return r.data;
  throw new KmodforgeError("INVALID_INPUT", `metadata: ${firstIssue(r.error)}`);
}

export function serialiseMetadata(metadata: BuildMetadata): string {
  return `${JSON.stringify(metadata, null, 2)}\n`;
}

/** The one metadata reader: a metadata.json from any runner or machine, validated. */
export function parseMetadata(text: string): Validated<BuildMetadata> {
  return parseJsonWith(metadataSchema, text, "metadata.json");
}

/** `SHA256SUMS` text in the coreutils format for the given files (name → bytes). */
export function formatSha256sums(files: ReadonlyArray<{ name: string; bytes: Uint8Array }>): string {
  return files.map((f) => `${createHash("sha256").update(f.bytes).digest("hex")}  ${f.name}\n`).join("");
}

/** Reads `SHA256SUMS` text back (name → sha256); lines in any other form are refused. */
export function parseSha256sums(text: string): Map<string, string> | undefined {
  const sums = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const m = /^([0-9a-f]{64}) [ *]([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(line);
    if (!m) return undefined;
    sums.set(m[2]!, m[1]!);
  }
  return sums;
}
