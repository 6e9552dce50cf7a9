/**
 * Publish and lookup figures on each store (a directory, S3 on moto_server, the GitHub Releases fake): 20
 * publishers racing into one driver version, lookup latency from a cold cache and revalidated (304), and the index
 * size per 1,000 entries. Run: npx tsx bench/publish-bench.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { readArtifactDir } from "../src/adapters/publish/artifact-dir.js";
import { lookupArtifact } from "../src/adapters/publish/lookup.js";
import { publishArtifacts } from "../src/adapters/publish/publish.js";
import { ReadCache } from "../src/adapters/publish/read-cache.js";
import { indexEntry, mergeIndex, serialiseDocument } from "../src/core/publish/index-doc.js";
import { BACKEND_NAMES, startBackends } from "../test/publish/backends.js";
import { debianRelease, writeTestArtifact } from "../test/publish/support.js";

const work = mkdtempSync(join(tmpdir(), "kmodforge-publish-bench-"));
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)]!;

const artifacts = await Promise.all(
  Array.from({ length: 1000 }, async (_, i) =>
    readArtifactDir(await writeTestArtifact(join(work, `a${i}`), { kernelRelease: debianRelease(i + 1) })),
  ),
);
const entries = artifacts.map((a) =>
  indexEntry(
    a.metadata,
    {
      build: a.buildId,
      shard: "kmodforge_1.0.0_debian-12_1",
      files: a.files.map((f) => ({
        role: f.role,
        file: f.file,
        asset: `${a.buildId}.${f.file}`,
        sha256: f.sha256,
        size: f.bytes.length,
      })),
    },
    new Date(),
  ),
);
const index = serialiseDocument({
  ...mergeIndex(undefined, entries, { driverVersion: "1.0.0", force: false, now: new Date() }).next,
  generation: 1,
});
console.log(`index of 1,000 entries: ${index.length} bytes (${gzipSync(index).length} gzipped)`);

const backends = await startBackends();
try {
  for (const name of BACKEND_NAMES) {
    const backend = await backends.fresh(name);
    const stores = await Promise.all(artifacts.slice(0, 20).map(() => backend.open()));
    let t = performance.now();
    await Promise.all(artifacts.slice(0, 20).map((a, i) => publishArtifacts(stores[i]!, [a])));
    const publish = performance.now() - t;
    const store = stores[0]!;
    const cold: number[] = [];
    const warm: number[] = [];
    const cache = new ReadCache(join(work, `cache-${name}`));
    for (let i = 0; i < 30; i++) {
      const identity = artifacts[i % 20]!.identity;
      t = performance.now();
      await lookupArtifact(store, {
        identity,
        driverVersion: "1.0.0",
        cache: new ReadCache(join(work, `cold-${name}-${i}`)),
      });
      cold.push(performance.now() - t);
      t = performance.now();
      await lookupArtifact(store, { identity, driverVersion: "1.0.0", cache });
      warm.push(performance.now() - t);
    }
    console.log(
      `${name}: 20 racing publishers ${publish.toFixed(0)} ms; lookup cold p50 ${quantile(cold, 0.5).toFixed(1)} ms p95 ${quantile(cold, 0.95).toFixed(1)} ms, revalidated p50 ${quantile(warm, 0.5).toFixed(1)} ms p95 ${quantile(warm, 0.95).toFixed(1)} ms`,
    );
    for (const s of stores) s.destroy?.();
  }
} finally {
  await backends.stop();
  rmSync(work, { recursive: true, force: true });
}
