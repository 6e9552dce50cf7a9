/** The store layout (folder names, the sharding rule), generation names and store URLs: pure rules. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KmodforgeError } from "../../src/core/errors.js";
import {
  generationAsset,
  generationOf,
  generationsIn,
  prunable,
} from "../../src/core/publish/generations.js";
import { indexFolder, placeInShard, shardFolder } from "../../src/core/publish/layout.js";
import { checkAssetPath } from "../../src/core/publish/store.js";
import { parseStoreUrl } from "../../src/core/store-url.js";

describe("store layout", () => {
  const dv = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+~-]{0,20}$/).filter((v) => !v.includes(".."));
  const ver = fc.stringMatching(/^[0-9][0-9.]{0,5}$/).filter((v) => !v.includes(".."));

  it("folder names are safe path segments and never collide (property)", () => {
    fc.assert(
      fc.property(dv, dv, ver, ver, fc.integer({ min: 1, max: 99 }), (a, b, va, vb, n) => {
        const folders = [
          indexFolder(a),
          shardFolder(a, "debian", va, n),
          indexFolder(b),
          shardFolder(b, "ubuntu", vb, n),
        ];
        for (const f of folders) expect(() => checkAssetPath(f, "index.json")).not.toThrow();
        if (a !== b) expect(indexFolder(a)).not.toBe(indexFolder(b));
        expect(shardFolder(a, "debian", va, n)).not.toBe(indexFolder(a));
        if (a !== b || va !== vb)
          expect(shardFolder(a, "debian", va, n)).not.toBe(shardFolder(b, "debian", vb, n));
      }),
    );
    expect(shardFolder("1.2.3+driver", "debian", "12", 2)).toBe("kmodforge_1.2.3_-driver_debian-12_2");
  });

  it("places a build in the first shard with room, else a new one", () => {
    expect(placeInShard([], 4, 1000)).toBe(1);
    expect(placeInShard([996], 4, 1000)).toBe(1);
    expect(placeInShard([997], 4, 1000)).toBe(2);
    expect(placeInShard([1000, 10], 4, 1000)).toBe(2);
    expect(placeInShard([1000, 1000], 4, 1000)).toBe(3);
    expect(placeInShard([5], 4, Number.POSITIVE_INFINITY)).toBe(1);
    expect(() => placeInShard([], 1001, 1000)).toThrow(KmodforgeError);
  });
});

describe("generations", () => {
  it("names, reads back and prunes generations with their signatures", () => {
    expect(generationAsset("index", 42)).toBe("index.0000000042.json");
    expect(generationOf("index", "index.0000000042.json")).toBe(42);
    expect(generationOf("index", "index.json")).toBeUndefined();
    expect(generationOf("catalog", "index.0000000042.json")).toBeUndefined();
    const names = Array.from({ length: 25 }, (_, i) => generationAsset("index", i + 1));
    const all = [...names, ...names.map((n) => `${n}.sig`), "index.json"];
    expect(generationsIn("index", all).slice(0, 2)).toEqual([25, 24]);
    const old = prunable("index", all, 20);
    expect(old).toHaveLength(10);
    expect(old).toContain("index.0000000005.json.sig");
    expect(old).not.toContain("index.0000000006.json");
    expect(() => generationAsset("index", 0)).toThrow(RangeError);
  });
});

describe("store URLs", () => {
  it("parses file, s3 and github URLs and refuses anything else", () => {
    expect(parseStoreUrl("file://.kmodforge/store", { field: "store", github: true })).toEqual({
      kind: "file",
      path: ".kmodforge/store",
    });
    expect(parseStoreUrl("file:///tmp/s", { field: "store", github: true })).toEqual({
      kind: "file",
      path: "/tmp/s",
    });
    expect(parseStoreUrl("out/store", { field: "store", github: true })).toEqual({
      kind: "file",
      path: "out/store",
    });
    expect(parseStoreUrl("s3://my-bucket/a/b/", { field: "store", github: true })).toEqual({
      kind: "s3",
      bucket: "my-bucket",
      prefix: "a/b",
    });
    expect(parseStoreUrl("github:acme/drivers", { field: "store", github: true })).toEqual({
      kind: "github",
      owner: "acme",
      repo: "drivers",
    });
    for (const bad of [
      "github:acme/../x",
      "github:acme",
      "s3://UPPER/x",
      "s3://b/../x",
      "ftp://x/y",
      "",
      "github:a/b/c",
    ])
      expect(() => parseStoreUrl(bad, { field: "store", github: true }), bad).toThrow(
        /unsupported store URL/,
      );
    expect(() => parseStoreUrl("github:acme/drivers", { field: "state", github: false })).toThrow(
      /state: unsupported/,
    );
  });
});
