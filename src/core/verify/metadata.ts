import { createHash } from "node:crypto";
import type { KernelIdentity } from "../identity.js";
import type { CheckResult } from "./gate.js";

/** The metadata published next to every artifact: enough to reproduce, audit and look the artifact up again. */

export const METADATA_SCHEMA = 1;

export interface HeaderProvenance {
  name: string;
  version: string;
  url: string;
  sha256: string;
  source: string;
  signedBy?: string;
}

export interface BuildMetadataInput {
  identity: KernelIdentity;
  artifactName: string;
  artifactFile: string;
  artifactSha256: string;
  moduleName: string;
  moduleVersion: string;
  compilerText: string;
  kernelCompilerText: string;
  headerPackages: HeaderProvenance[];
  cacheKey: string;
  signed: boolean;
  checks: CheckResult[];
  startedAt: string;
  finishedAt: string;
}

export type BuildMetadata = BuildMetadataInput & { schemaVersion: number };

export function buildMetadata(input: BuildMetadataInput): BuildMetadata {
  return { schemaVersion: METADATA_SCHEMA, ...input };
}

/** `SHA256SUMS` text in the coreutils format for the given files (name → bytes). */
export function formatSha256sums(files: ReadonlyArray<{ name: string; bytes: Uint8Array }>): string {
  return files.map((f) => `${createHash("sha256").update(f.bytes).digest("hex")}  ${f.name}\n`).join("");
}
