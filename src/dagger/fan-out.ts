import { dag, type File, type Secret } from "@dagger.io/dagger";
import type { IdentityInput } from "../core/identity.js";
import { parseChunkRef } from "../core/sweep/chunk.js";

/** Inputs and the report of a many-kernel call (build-many, build-chunk). */

export interface FanOutEntry {
  kernelRelease: string;
  distro: string;
  distroVersion: string;
  arch: string;
}

export interface EntryReport {
  id: string;
  /** Built, or excluded (not a failure). */
  ok: boolean;
  mode?: string;
  /** The build-exclusive rule that leaves this kernel out (dkms.conf BUILD_EXCLUSIVE_*); nothing was built. */
  excluded?: string;
  problems: string[];
}

/** `distro/version/arch/release` → identity input; the release is validated later by parseIdentity. */
export function parseKernelList(kernels: readonly string[]): FanOutEntry[] {
  return kernels.map((text) => {
    const parts = text.split("/");
    if (parts.length !== 4 || parts.some((p) => p.length === 0))
      throw new Error(`kernel entry ${JSON.stringify(text)}: expected distro/version/arch/release`);
    const [distro, distroVersion, arch, kernelRelease] = parts as [string, string, string, string];
    return { distro, distroVersion, arch, kernelRelease };
  });
}

export function reportFile(report: EntryReport[]): File {
  const body = {
    ok: report.every((r) => r.ok),
    built: report.filter((r) => r.ok && !r.excluded).length,
    excluded: report.filter((r) => r.excluded).length,
    entries: report,
  };
  return dag
    .directory()
    .withNewFile("report.json", `${JSON.stringify(body, null, 2)}\n`)
    .file("report.json");
}

export interface StoreSecrets {
  s3Endpoint?: string;
  awsAccessKeyId?: Secret;
  awsSecretAccessKey?: Secret;
}

/** Reads a stored chunk; the S3 client is loaded only here. */
export async function loadChunkEntries(
  ref: string,
  state: string,
  secrets: StoreSecrets,
): Promise<IdentityInput[] & FanOutEntry[]> {
  const parsed = parseChunkRef(ref);
  if (!parsed) throw new Error(`chunk reference ${JSON.stringify(ref)}: expected chunks/<set>#<index>`);
  const [{ openStateStore }, { getChunk }] = await Promise.all([
    import("../adapters/state-url.js"),
    import("../adapters/sweep-state.js"),
  ]);
  const credentials =
    secrets.awsAccessKeyId && secrets.awsSecretAccessKey
      ? {
          accessKeyId: await secrets.awsAccessKeyId.plaintext(),
          secretAccessKey: await secrets.awsSecretAccessKey.plaintext(),
        }
      : undefined;
  const store = openStateStore(state, { endpoint: secrets.s3Endpoint, credentials });
  const chunk = await getChunk(store, parsed);
  return chunk.entries.map(({ identity: e }) => ({
    kernelRelease: e.kernelRelease,
    distro: e.distro,
    distroVersion: e.distroVersion,
    arch: e.arch,
  }));
}
