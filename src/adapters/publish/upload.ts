import { createHash } from "node:crypto";
import { ChecksumMismatchError, KmodforgeError } from "../../core/errors.js";
import { settleLimited } from "../../core/limiter.js";
import type { EntryFile, StoredBuild } from "../../core/publish/index-doc.js";
import { assetName, placeInShard, shardFolder } from "../../core/publish/layout.js";
import type { ArtifactStore, StoredAsset } from "../../core/publish/store.js";
import type { PreparedArtifact } from "./artifact-dir.js";

/**
 * Uploads builds into the shards of their distribution version, then verifies every uploaded asset before any
 * index may name it: listed with its size, and its SHA-256 as the backend reports it (GitHub's digest) or as read
 * back. A build's assets carry its build id, so a retry finds and reuses what an earlier attempt uploaded.
 */

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function shardOf(artifact: PreparedArtifact, shard: number): string {
  const { identity, metadata } = artifact;
  return shardFolder(metadata.driverVersion, identity.distro, identity.distroVersion, shard);
}

/**
 * Places builds in shards by the sharding rule, listing each shard once per publish and counting the builds it
 * placed itself, so a batch fills a shard exactly. Placements take turns; uploads run in parallel.
 */
class ShardPlanner {
  private readonly counts = new Map<string, number>();
  private readonly builds = new Map<string, Set<string>>();
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: ArtifactStore) {}

  private async count(folder: string): Promise<number> {
    if (!this.counts.has(folder)) {
      const assets = await this.store.list(folder);
      this.counts.set(folder, assets.length);
      this.builds.set(folder, new Set(assets.map((a) => a.name.slice(0, a.name.indexOf(".")))));
    }
    return this.counts.get(folder)!;
  }

  /** The shard for a build: one already holding its assets (an earlier attempt), else the rule's choice. */
  place(artifact: PreparedArtifact): Promise<number> {
    const next = this.turn.then(async () => {
      const occupancy: number[] = [];
      for (let shard = 1; ; shard++) {
        const count = await this.count(shardOf(artifact, shard));
        if (this.builds.get(shardOf(artifact, shard))?.has(artifact.buildId)) return shard;
        occupancy.push(count);
        if (count === 0) break;
      }
      const shard = placeInShard(occupancy, artifact.files.length, this.store.assetCap);
      const folder = shardOf(artifact, shard);
      this.counts.set(folder, (this.counts.get(folder) ?? 0) + artifact.files.length);
      this.builds.get(folder)?.add(artifact.buildId);
      return shard;
    });
    this.turn = next.catch(() => undefined);
    return next;
  }

  /** The backend says the shard is full (other publishers filled it): nothing more goes there. */
  full(folder: string, artifact: PreparedArtifact): void {
    this.counts.set(folder, this.store.assetCap);
    this.builds.get(folder)?.delete(artifact.buildId);
  }
}

/** Uploads every file into the shard; false when it filled up first (its uploads are then removed). */
async function uploadInto(
  store: ArtifactStore,
  artifact: PreparedArtifact,
  folder: string,
): Promise<boolean> {
  const created: string[] = [];
  for (const f of artifact.files) {
    const name = assetName(artifact.buildId, f.file);
    const outcome = await store.create(folder, name, f.bytes);
    if (outcome === "full") {
      for (const c of created) await store.remove(folder, c);
      return false;
    }
    if (outcome === "created") created.push(name);
  }
  return true;
}

function storedBuild(artifact: PreparedArtifact, folder: string): StoredBuild {
  const moduleOf = new Map(artifact.metadata.modules.map((m) => [m.file, m.name]));
  return {
    build: artifact.buildId,
    shard: folder,
    files: artifact.files.map((f) => ({
      role: f.role,
      file: f.file,
      asset: assetName(artifact.buildId, f.file),
      sha256: f.sha256,
      size: f.bytes.length,
      ...(f.role === "module" ? { module: moduleOf.get(f.file)! } : {}),
    })),
  };
}

async function verifyAsset(
  store: ArtifactStore,
  folder: string,
  listed: StoredAsset | undefined,
  expected: EntryFile,
): Promise<void> {
  const where = store.locate(folder, expected.asset);
  if (!listed)
    throw new KmodforgeError("EXTERNAL_TOOL_FAILED", `uploaded ${where} is not listed by the store`, {
      url: where,
    });
  if (listed.size !== expected.size)
    throw new ChecksumMismatchError(where, `${expected.size} bytes`, `${listed.size} bytes`);
  let actual = listed.sha256;
  if (!actual) {
    const back = await store.read(folder, expected.asset);
    if (back.kind !== "found")
      throw new KmodforgeError("EXTERNAL_TOOL_FAILED", `uploaded ${where} cannot be read back`, {
        url: where,
      });
    actual = sha256(back.body);
  }
  if (actual !== expected.sha256) throw new ChecksumMismatchError(where, expected.sha256, actual);
}

/** Checks every stored file of the builds against one fresh listing per shard. */
async function verifyBuilds(
  store: ArtifactStore,
  builds: readonly StoredBuild[],
  concurrency: number,
): Promise<void> {
  const shards = [...new Set(builds.map((b) => b.shard))];
  const listings = new Map(
    await Promise.all(
      shards.map(async (s) => [s, new Map((await store.list(s)).map((a) => [a.name, a]))] as const),
    ),
  );
  const checks = builds.flatMap((b) => b.files.map((f) => ({ shard: b.shard, file: f })));
  const settled = await settleLimited(checks, concurrency, (c) =>
    verifyAsset(store, c.shard, listings.get(c.shard)!.get(c.file.asset), c.file),
  );
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** Uploads and verifies builds; returns where each one's files are. Any failure stops the publish. */
export async function storeBuilds(
  store: ArtifactStore,
  artifacts: readonly PreparedArtifact[],
  options: { concurrency: number; log: (line: string) => void },
): Promise<Array<{ artifact: PreparedArtifact; build: StoredBuild }>> {
  const planner = new ShardPlanner(store);
  let done = 0;
  const settled = await settleLimited(artifacts, options.concurrency, async (artifact) => {
    for (;;) {
      const folder = shardOf(artifact, await planner.place(artifact));
      if (await uploadInto(store, artifact, folder)) {
        options.log(`uploaded ${++done}/${artifacts.length}: ${artifact.metadata.artifactName} → ${folder}`);
        return { artifact, build: storedBuild(artifact, folder) };
      }
      planner.full(folder, artifact);
    }
  });
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const stored = settled.map(
    (s) => (s as PromiseFulfilledResult<{ artifact: PreparedArtifact; build: StoredBuild }>).value,
  );
  await verifyBuilds(
    store,
    stored.map((s) => s.build),
    options.concurrency,
  );
  return stored;
}

/** Removes the assets of a build that an index refused (it lost a race to a different build). */
export async function removeBuild(store: ArtifactStore, build: StoredBuild): Promise<void> {
  for (const f of build.files) await store.remove(build.shard, f.asset);
}
