import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PreparedArtifact, readArtifactDir } from "../../src/adapters/publish/artifact-dir.js";
import { lookupArtifact } from "../../src/adapters/publish/lookup.js";
import { publishArtifacts } from "../../src/adapters/publish/publish.js";
import { ReadCache } from "../../src/adapters/publish/read-cache.js";
import { openArtifactStore } from "../../src/adapters/stores/open.js";
import { shardFolder } from "../../src/core/publish/layout.js";
import { type FakeReleases, startFakeReleases } from "../support/github-releases-fake.js";
import { debianRelease, writeTestArtifact } from "./support.js";

/**
 * A GitHub release holds at most 1,000 assets: a driver version's builds fill numbered shards per distribution
 * version, and the index names each build's shard. Run against the REST fake, which enforces the limit as GitHub
 * does (422 file_count), at a small limit under racing publishers and once at the real one.
 */

let work: string;
const fakes: FakeReleases[] = [];
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "kmodforge-shards-"));
});
afterAll(async () => {
  for (const f of fakes) await f.close();
  await rm(work, { recursive: true, force: true });
});

async function artifacts(from: number, count: number, distroVersion = "12"): Promise<PreparedArtifact[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) =>
      readArtifactDir(
        await writeTestArtifact(join(work, `${distroVersion}-${from + i}`), {
          kernelRelease: debianRelease(from + i),
          distroVersion,
          size: 64,
        }),
      ),
    ),
  );
}

async function github(assetCap: number) {
  const fake = await startFakeReleases("acme", "drivers", { assetCap });
  fakes.push(fake);
  const open = () =>
    openArtifactStore("github:acme/drivers", { github: { apiUrl: fake.url, retryBaseMs: 1, assetCap } });
  return { fake, open };
}

const lookup = (store: Awaited<ReturnType<typeof openArtifactStore>>, abi: number, distroVersion = "12") =>
  lookupArtifact(store, {
    identity: { distro: "debian", distroVersion, arch: "x86_64", kernelRelease: debianRelease(abi) },
    cache: new ReadCache(join(work, `cache-${abi}-${Math.random()}`)),
  });

describe("GitHub release shards", () => {
  it("racing publishers overflow a small release into numbered shards, never past the limit", async () => {
    const { fake, open } = await github(50);
    const builds = await artifacts(200, 20);
    const stores = await Promise.all(builds.map(() => open()));
    await Promise.all(builds.map((b, i) => publishArtifacts(stores[i]!, [b])));
    const shards = fake
      .releases()
      .filter((r) => r.tag.startsWith(shardFolder("1.0.0", "debian", "12", 1).slice(0, -1)));
    // 20 builds of 4 assets, at most 12 per release of 50 (the index release holds its generations).
    expect(shards.length).toBeGreaterThanOrEqual(2);
    for (const r of shards) expect(r.assets.length).toBeLessThanOrEqual(50);
    // Racing publishers did run into a full release and moved on.
    expect(fake.fullRefusals).toBeGreaterThan(0);
    const store = stores[0]!;
    for (let i = 0; i < 20; i++) {
      const answer = await lookup(store, 200 + i);
      expect(answer.found, `abi ${200 + i}`).toBe(true);
      if (!answer.found) continue;
      const release = fake.releases().find((r) => r.tag === answer.entry.shard);
      for (const f of answer.files) expect(release?.assets).toContain(f.asset);
    }
    // Every asset in a shard belongs to an indexed build: losers of a full release removed theirs.
    const indexed = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const a = await lookup(store, 200 + i);
      if (a.found) for (const f of a.files) indexed.add(f.asset);
    }
    expect(shards.flatMap((r) => r.assets).filter((a) => !indexed.has(a))).toEqual([]);
  }, 300_000);

  it("the 1,001st asset of a driver version lands in the next shard, and lookup finds it", async () => {
    const { fake, open } = await github(1000);
    const store = await open();
    const started = Date.now();
    const first = await publishArtifacts(store, await artifacts(1, 250), { concurrency: 8 });
    console.log(`250 builds (1,000 assets) published in ${Date.now() - started} ms`);
    expect(first.published).toHaveLength(250);
    const shard1 = shardFolder("1.0.0", "debian", "12", 1);
    const shard2 = shardFolder("1.0.0", "debian", "12", 2);
    expect(fake.releases().find((r) => r.tag === shard1)?.assets).toHaveLength(1000);

    const last = await publishArtifacts(store, await artifacts(251, 1));
    expect(last.published).toHaveLength(1);
    expect(fake.releases().find((r) => r.tag === shard2)?.assets).toHaveLength(4);
    const answer = await lookup(store, 251);
    expect(answer.found && answer.entry.shard).toBe(shard2);
    expect((await lookup(store, 1)).found && (await lookup(store, 250)).found).toBe(true);
    // Another distribution version starts its own first shard.
    await publishArtifacts(store, await artifacts(1, 1, "11"));
    expect(
      (await lookup(store, 1, "11")).found &&
        fake.releases().some((r) => r.tag === shardFolder("1.0.0", "debian", "11", 1)),
    ).toBe(true);
  }, 600_000);
});
