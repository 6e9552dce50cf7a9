import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lookupArtifact } from "../../src/adapters/publish/lookup.js";
import { ReadCache } from "../../src/adapters/publish/read-cache.js";
import { FsStateStore } from "../../src/adapters/state-fs.js";
import { DEFAULT_STORE_URL, openArtifactStore } from "../../src/adapters/stores/open.js";
import { buildEntries } from "../../src/adapters/sweep-build.js";
import { readState } from "../../src/adapters/sweep-state.js";
import { openPublisher, publishStep } from "../../src/cli/commands/publish-step.js";
import { buildMatrix } from "../../src/core/sweep/matrix.js";
import type { MatrixEntry } from "../../src/core/sweep/types.js";
import type { EntryBuilder } from "../../src/executors/sweep-local.js";
import { type FakeReleases, startFakeReleases } from "../support/github-releases-fake.js";
import { syntheticKernels, syntheticPolicy } from "../support/sweep-synthetic.js";
import { writeTestArtifact } from "./support.js";

/** Sweeps publish each build as it finishes; the publish outcome is part of what the sweep records. */

let dir: string;
let fake: FakeReleases;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kmodforge-sweep-publish-"));
  fake = await startFakeReleases("acme", "drivers");
});
afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

/** The executor boundary: a builder that writes a whole artifact directory per entry, as the local one does. */
function writing(out: string): EntryBuilder {
  return async (entry: MatrixEntry) => ({
    ok: true,
    artifactDir: await writeTestArtifact(out, {
      kernelRelease: entry.identity.kernelRelease,
      distroVersion: entry.identity.distroVersion,
      arch: entry.identity.arch,
    }),
  });
}

const log = () => undefined;

describe("sweep --publish", () => {
  it("publishes every build, keeps a published build over a rebuild and records a store failure as one", async () => {
    const state = new FsStateStore(join(dir, "state"));
    const storeUrl = `file://${join(dir, "store")}`;
    const entries = buildMatrix(syntheticKernels(3), syntheticPolicy()).matrix.entries;
    const publisher = await openPublisher({ publish: storeUrl }, DEFAULT_STORE_URL, log);
    const report = await buildEntries(state, entries, writing(join(dir, "a")), "test", log, {
      afterBuild: publishStep(publisher, log),
    });
    expect(report).toMatchObject({
      built: 3,
      failed: 0,
      publish: { published: 3, unchanged: 0, "kept-published": 0 },
    });
    const store = await openArtifactStore(storeUrl);
    for (const e of entries) {
      const answer = await lookupArtifact(store, {
        identity: e.identity,
        cache: new ReadCache(join(dir, "cache")),
      });
      expect(answer.found, e.id).toBe(true);
    }

    // A rebuild of the first entry (new bytes) keeps the published build: published artifacts are immutable.
    const again = await buildEntries(state, entries.slice(0, 1), writing(join(dir, "b")), "test", log, {
      afterBuild: publishStep(publisher, log),
    });
    expect(again).toMatchObject({ built: 1, failed: 0, publish: { "kept-published": 1 } });

    // A store that keeps failing: the build is recorded as an infrastructure failure, to be retried.
    fake.rules.push({ match: () => true, fault: { kind: "server-error", status: 503 } });
    const broken = await openPublisher(
      { publish: "github:acme/drivers", githubApi: fake.url, githubRetryBaseMs: 1 },
      DEFAULT_STORE_URL,
      log,
    );
    const failed = await buildEntries(state, entries.slice(1, 2), writing(join(dir, "c")), "test", log, {
      afterBuild: publishStep(broken, log),
    });
    expect(failed).toMatchObject({ built: 0, failed: 1, failures: [{ reason: "infrastructure" }] });
    expect(failed.failures[0]?.detail).toMatch(/^publish failed: /);
    expect((await readState(state)).entries[entries[1]!.id]).toMatchObject({ status: "failed" });
    publisher?.close();
    broken?.close();
  });

  it("--publish none turns publishing off; without --publish the local main job uses .kmodforge/store", async () => {
    expect(await openPublisher({ publish: "none" }, DEFAULT_STORE_URL, log)).toBeUndefined();
    expect(await openPublisher({}, "none", log)).toBeUndefined();
    expect(await openPublisher({}, DEFAULT_STORE_URL, log)).toBeDefined();
    expect(DEFAULT_STORE_URL).toBe("file://.kmodforge/store");
  });
});
