import { type Directory, dag, type File, type Secret } from "@dagger.io/dagger";
import { loadTargets } from "../adapters/targets-fs.js";
import { KmodforgeError } from "../core/errors.js";
import type { IdentityInput } from "../core/identity.js";
import { settleLimited } from "../core/limiter.js";
import { parseChunkRef } from "../core/sweep/chunk.js";
import { buildPipeline, engineArch } from "./build-pipeline.js";

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

/**
 * Builds many entries in the engine, `parallelism` at a time: one sub-directory per built entry plus report.json.
 * A failed entry does not stop the others; an excluded one (build-exclusive rules) is reported with its rule.
 */
export async function buildInEngine(
  repo: Directory,
  entries: readonly FanOutEntry[],
  source: Directory,
  parallelism: number,
): Promise<Directory> {
  const policy = await loadTargets();
  const machine = await engineArch();
  const settled = await settleLimited(entries, parallelism, async (entry) => {
    const built = await buildPipeline(repo, source, entry, { policy, engineArch: machine });
    await built.output.sync();
    return built;
  });
  let out = dag.directory();
  const report: EntryReport[] = [];
  settled.forEach((s, i) => {
    const entry = entries[i]!;
    const id = `${entry.distro}/${entry.distroVersion}/${entry.arch}/${entry.kernelRelease}`;
    if (s.status === "fulfilled") {
      out = out.withDirectory(id, s.value.output);
      report.push({ id, ok: true, mode: s.value.plan.mode, problems: [] });
    } else if (s.reason instanceof KmodforgeError && s.reason.code === "BUILD_EXCLUDED")
      report.push({
        id,
        ok: true,
        excluded: String(s.reason.details.rule ?? s.reason.message),
        problems: [],
      });
    else report.push({ id, ok: false, problems: [failureText(s.reason)] });
  });
  return out.withFile("report.json", reportFile(report));
}

/** A failed entry's reason: the step's own words (stderr of the failed exec) when the engine gives them. */
function failureText(reason: unknown): string {
  const err = reason as { stderr?: unknown; message?: unknown };
  const stderr = typeof err?.stderr === "string" ? err.stderr.trim() : "";
  return (stderr || String(err?.message ?? reason)).slice(-2000);
}
