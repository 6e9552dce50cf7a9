import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FsStateStore } from "../../src/adapters/state-fs.js";
import { S3StateStore } from "../../src/adapters/state-s3.js";
import { openStateStore } from "../../src/adapters/state-url.js";
import {
  commitOps,
  generationKey,
  getChunk,
  latestGeneration,
  pruneGenerations,
  putChunkSet,
  readState,
} from "../../src/adapters/sweep-state.js";
import { KmodforgeError } from "../../src/core/errors.js";
import { chunkEntries, chunkObjectKey } from "../../src/core/sweep/chunk.js";
import { buildMatrix } from "../../src/core/sweep/matrix.js";
import type { StateOp } from "../../src/core/sweep/state.js";
import type { StateStore } from "../../src/core/sweep/store.js";
import { type MotoServer, startMoto } from "../support/moto.js";
import { syntheticKernels, syntheticPolicy } from "../support/sweep-synthetic.js";

const WRITERS = 12;
const COMMITS_PER_WRITER = 4;

function contract(name: string, make: () => Promise<StateStore>) {
  describe(`${name} state store`, () => {
    it("creates objects only when absent, lists in order and deletes", async () => {
      const s = await make();
      expect(await s.createIfAbsent("a/b/one.json", "1")).toBe(true);
      expect(await s.createIfAbsent("a/b/one.json", "2")).toBe(false);
      expect((await s.get("a/b/one.json"))?.toString()).toBe("1");
      expect(await s.get("a/b/missing.json")).toBeUndefined();
      await s.createIfAbsent("a/b/two.json", "2");
      await s.createIfAbsent("a/c.json", "3");
      expect(await s.list("a/b/")).toEqual(["a/b/one.json", "a/b/two.json"]);
      expect(await s.list("a/", "a/b/one.json")).toEqual(["a/b/two.json", "a/c.json"]);
      await s.delete("a/b/one.json");
      await s.delete("a/b/one.json");
      expect(await s.list("a/b/")).toEqual(["a/b/two.json"]);
      await expect(s.get("../etc/passwd")).rejects.toThrow(RangeError);
    });

    it("of two racing creators of one key exactly one wins", async () => {
      const s = await make();
      const wins = await Promise.all(
        Array.from({ length: 16 }, (_, i) => s.createIfAbsent("race/key.json", `writer-${i}`)),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect((await s.get("race/key.json"))?.toString()).toBe(`writer-${wins.indexOf(true)}`);
    });

    it(`${WRITERS} racing writers lose no update`, async () => {
      const s = await make();
      const writer = async (w: number) => {
        let lost = 0;
        for (let c = 0; c < COMMITS_PER_WRITER; c++) {
          const ops: StateOp[] = [
            {
              op: "result",
              id: `w${w}/c${c}`,
              cacheKey: `${w}-${c}`,
              at: new Date().toISOString(),
              outcome: "built",
            },
          ];
          const r = await commitOps(s, ops, { writer: `w${w}` });
          lost += r.attempts - 1;
        }
        return lost;
      };
      const lostRaces = await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
      const total = WRITERS * COMMITS_PER_WRITER;
      const state = await readState(s);
      expect(Object.keys(state.entries)).toHaveLength(total);
      expect(state.generation).toBe(total);
      // Every generation exists exactly once and chains to its parent: nothing was overwritten.
      const gens = await s.list("generations/");
      expect(gens).toEqual(Array.from({ length: total }, (_, i) => generationKey(i + 1)));
      for (let g = 2; g <= total; g += 7) expect((await readState(s, g)).parent).toBe(g - 1);
      expect(await latestGeneration(s)).toBe(total);
      expect(await pruneGenerations(s, 10)).toBe(total - 10);
      expect(await s.list("generations/")).toHaveLength(10);
      expect((await readState(s)).generation).toBe(total);
      await commitOps(s, [{ op: "removed", id: "w0/c0", at: new Date().toISOString() }], {
        writer: "after-prune",
      });
      expect(await latestGeneration(s)).toBe(total + 1);
      // The races were real: some commits had to rebase on another writer's generation.
      expect(lostRaces.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    });

    it("reads chunks back validated, and names a corrupt or foreign object instead of failing deep inside", async () => {
      const s = await make();
      const set = chunkEntries(buildMatrix(syntheticKernels(6), syntheticPolicy()).matrix.entries, 2);
      const key = await putChunkSet(s, set);
      expect(await getChunk(s, { key, index: 1 })).toEqual(set.chunks[1]);
      const refuse = async (index: number, body: string, message: RegExp) => {
        const slot = chunkObjectKey({ key, index });
        await s.delete(slot);
        await s.createIfAbsent(slot, body);
        const err = await getChunk(s, { key, index }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(KmodforgeError);
        expect((err as KmodforgeError).message).toContain(slot);
        expect((err as KmodforgeError).message).toMatch(message);
      };
      await refuse(0, "{ not json", /is not JSON/);
      const foreign = JSON.stringify({ ...set.chunks[0], entries: [{ id: 7 }] });
      await refuse(0, foreign, /is not a kmodforge chunk at entries\.0\./);
      await refuse(0, JSON.stringify(set.chunks[2]), /holds chunk .*#2/);
      await s.createIfAbsent(generationKey(1), "[]");
      await expect(readState(s)).rejects.toThrow(
        /generations\/0000000001\.json is not a kmodforge sweep state/,
      );
    });
  });
}

const dirs: string[] = [];
contract("filesystem", async () => {
  const dir = await mkdtemp(join(tmpdir(), "kmodforge-state-"));
  dirs.push(dir);
  return new FsStateStore(dir);
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

let moto: MotoServer;
let bucketNo = 0;
beforeAll(async () => {
  moto = await startMoto();
}, 60_000);
afterAll(async () => {
  await moto?.stop();
});
contract("S3 (moto)", async () => {
  const bucket = `kmodforge-test-${++bucketNo}`;
  await moto.createBucket(bucket);
  return new S3StateStore({
    bucket,
    prefix: "sweeps/nightly",
    endpoint: moto.endpoint,
    credentials: moto.credentials,
  });
});

describe("state URLs", () => {
  it("opens file and s3 stores and rejects anything else", () => {
    expect(openStateStore("file://.kmodforge/state")).toBeInstanceOf(FsStateStore);
    expect(openStateStore("/tmp/x")).toBeInstanceOf(FsStateStore);
    const s3 = openStateStore("s3://my-bucket/a/b", { endpoint: "http://127.0.0.1:1" });
    expect(s3.url).toBe("s3://my-bucket/a/b");
    expect(() => openStateStore("ftp://x/y")).toThrow(/unsupported store URL/);
  });
});
