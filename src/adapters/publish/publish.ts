import { InvalidInputError, KmodforgeError } from "../../core/errors.js";
import { addDriverVersion, CATALOG_SPEC } from "../../core/publish/catalog.js";
import { pointerAsset } from "../../core/publish/generations.js";
import {
  type ArtifactIndex,
  classifyBuild,
  indexEntry,
  indexSpec,
  type MergeResult,
  mergeIndex,
  type Refusal,
  type StoredBuild,
} from "../../core/publish/index-doc.js";
import type { ArtifactStore } from "../../core/publish/store.js";
import { entryId } from "../../core/sweep/matrix.js";
import { findArtifactDirs, type PreparedArtifact, readArtifactDir } from "./artifact-dir.js";
import { commitDocument, readNewest, type Signer } from "./documents.js";
import { removeBuild, storeBuilds } from "./upload.js";

/**
 * Publishing: upload every build's files and verify them, then commit one new index generation per driver version
 * naming them (documents.ts), then record the driver version in the catalog. A publisher that dies before the
 * commit leaves uploaded but unnamed assets, which a retry reuses; the index readers see never changes.
 */

export interface PublishOptions {
  /** Replace a different build already published under the same identity and driver version. */
  force?: boolean;
  signer?: Signer;
  log?: (line: string) => void;
  now?: () => Date;
  /** Builds uploaded at once. */
  concurrency?: number;
}

export interface PublishedItem {
  id: string;
  artifactName: string;
  driverVersion: string;
  build: string;
}

export interface PublishReport {
  store: string;
  published: PublishedItem[];
  replaced: PublishedItem[];
  unchanged: PublishedItem[];
  refused: Array<PublishedItem & { reason: Refusal["reason"]; published: string }>;
  indexes: Array<{ driverVersion: string; generation: number; entries: number; url: string }>;
}

function item(a: PreparedArtifact): PublishedItem {
  return {
    id: entryId(a.identity),
    artifactName: a.metadata.artifactName,
    driverVersion: a.metadata.driverVersion,
    build: a.buildId,
  };
}

function checkBatch(artifacts: readonly PreparedArtifact[]): void {
  const seen = new Map<string, string>();
  for (const a of artifacts) {
    const key = `${a.metadata.driverVersion} ${entryId(a.identity)}`;
    const other = seen.get(key);
    if (other && other !== a.buildId)
      throw new InvalidInputError([
        {
          field: "from",
          given: a.dir,
          expected: "one build per identity and driver version",
          message: `from: two different builds of ${entryId(a.identity)} (driver ${a.metadata.driverVersion}) in one publish`,
        },
      ]);
    seen.set(key, a.buildId);
  }
}

export async function publishArtifacts(
  store: ArtifactStore,
  artifacts: readonly PreparedArtifact[],
  options: PublishOptions = {},
): Promise<PublishReport> {
  checkBatch(artifacts);
  const report: PublishReport = {
    store: store.url,
    published: [],
    replaced: [],
    unchanged: [],
    refused: [],
    indexes: [],
  };
  const byDriver = new Map<string, PreparedArtifact[]>();
  for (const a of artifacts)
    byDriver.set(a.metadata.driverVersion, [...(byDriver.get(a.metadata.driverVersion) ?? []), a]);
  for (const [driverVersion, group] of byDriver)
    await publishDriverVersion(store, driverVersion, group, options, report);
  return report;
}

async function publishDriverVersion(
  store: ArtifactStore,
  driverVersion: string,
  group: readonly PreparedArtifact[],
  options: PublishOptions,
  report: PublishReport,
): Promise<void> {
  const log = options.log ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const spec = indexSpec(driverVersion);
  const base = (await readNewest(store, spec))?.value;
  // Only builds the current index would take are uploaded; the commit decides again on the index it lands on.
  const pending: PreparedArtifact[] = [];
  for (const a of group) {
    const verdict = classifyBuild(
      base,
      { id: entryId(a.identity), build: a.buildId, packageName: a.metadata.package.name },
      options.force ?? false,
    );
    if (verdict.kind === "unchanged") report.unchanged.push(item(a));
    else if (verdict.kind === "refuse")
      report.refused.push({ ...item(a), reason: verdict.reason, published: verdict.published });
    else pending.push(a);
  }
  const stored = await storeBuilds(store, pending, { concurrency: options.concurrency ?? 4, log });
  let merge: MergeResult | undefined;
  const committed = await commitDocument(
    store,
    spec,
    (current) => {
      merge = mergeIndex(
        current,
        stored.map(({ artifact, build }) => indexEntry(artifact.metadata, build, now())),
        { driverVersion, force: options.force ?? false, now: now() },
      );
      return merge.next;
    },
    { ...(options.signer ? { signer: options.signer } : {}) },
  );
  await settle(store, stored, merge, report);
  const index: ArtifactIndex | undefined = committed.value;
  if (!index) return;
  await commitDocument(store, CATALOG_SPEC, (c) => addDriverVersion(c, driverVersion, index.package, now()), {
    ...(options.signer ? { signer: options.signer } : {}),
  });
  report.indexes.push({
    driverVersion,
    generation: index.generation,
    entries: Object.keys(index.entries).length,
    url: store.locate(spec.folder, pointerAsset("index")),
  });
  log(`index ${driverVersion}: generation ${index.generation}, ${Object.keys(index.entries).length} entries`);
}

/** Sorts the committed outcome into the report; builds refused by a racing publisher's commit are removed again. */
async function settle(
  store: ArtifactStore,
  stored: ReadonlyArray<{ artifact: PreparedArtifact; build: StoredBuild }>,
  merge: MergeResult | undefined,
  report: PublishReport,
): Promise<void> {
  if (!merge) return;
  const byId = new Map(stored.map((s) => [entryId(s.artifact.identity), s]));
  const sort = (ids: string[], into: PublishedItem[]) => {
    for (const id of ids) into.push(item(byId.get(id)!.artifact));
  };
  sort(merge.added, report.published);
  sort(merge.replaced, report.replaced);
  sort(merge.unchanged, report.unchanged);
  for (const r of merge.refused) {
    const s = byId.get(r.id)!;
    report.refused.push({ ...item(s.artifact), reason: r.reason, published: r.published });
    await removeBuild(store, s.build);
  }
}

/** Reads and publishes every artifact directory under `from`. */
export async function publishFrom(
  store: ArtifactStore,
  from: string,
  options: PublishOptions = {},
): Promise<PublishReport> {
  const dirs = await findArtifactDirs(from);
  if (dirs.length === 0)
    throw new InvalidInputError([
      {
        field: "from",
        given: from,
        expected: "a directory of artifact directories (each with metadata.json)",
        message: `from: no artifact directories under ${from}`,
      },
    ]);
  const artifacts = await Promise.all(dirs.map(readArtifactDir));
  return publishArtifacts(store, artifacts, options);
}

/**
 * The publish step of `build --publish` and `sweep --publish`: publishes one artifact directory. A different
 * build already published for the identity is refused with ARTIFACT_CONFLICT (published artifacts are immutable).
 */
export async function publishArtifactDir(
  store: ArtifactStore,
  dir: string,
  options: PublishOptions = {},
): Promise<PublishReport> {
  const report = await publishArtifacts(store, [await readArtifactDir(dir)], options);
  throwIfRefused(report);
  return report;
}

export function throwIfRefused(report: PublishReport): void {
  const refused = report.refused[0];
  if (!refused) return;
  throw new KmodforgeError(
    "ARTIFACT_CONFLICT",
    refused.reason === "different-package"
      ? `${refused.artifactName}: the index of driver version ${refused.driverVersion} belongs to package ${refused.published}`
      : `${refused.artifactName}: build ${refused.published} is already published for ${refused.id} (driver ${refused.driverVersion}); published artifacts are immutable (--force replaces it)`,
    { refused: report.refused },
  );
}
