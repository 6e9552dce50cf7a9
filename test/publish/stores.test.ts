import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpClient } from "../../src/adapters/http.js";
import { BACKEND_NAMES, type Backends, startBackends } from "./backends.js";

let backends: Backends;
beforeAll(async () => {
  backends = await startBackends();
}, 120_000);
afterAll(async () => backends?.stop());

/** Fetches what locate() names, the way a node would. */
async function download(url: string): Promise<Buffer> {
  if (url.startsWith("file:")) return readFile(fileURLToPath(url));
  return (await createHttpClient().get(url, {})).body;
}

describe.each(BACKEND_NAMES)("%s artifact store", (name) => {
  it("creates assets once, reads them with ETags, replaces, lists and removes", async () => {
    const store = await (await backends.fresh(name)).open();
    expect(await store.list("kmodforge_1.0.0")).toEqual([]);
    expect(await store.read("kmodforge_1.0.0", "index.json")).toEqual({ kind: "absent" });
    expect(await store.create("kmodforge_1.0.0", "a.json", Buffer.from("first"))).toBe("created");
    expect(await store.create("kmodforge_1.0.0", "a.json", Buffer.from("second"))).toBe("exists");
    const read = await store.read("kmodforge_1.0.0", "a.json");
    expect(read.kind === "found" && read.body.toString()).toBe("first");
    const etag = read.kind === "found" ? read.etag : undefined;
    expect(etag).toBeTruthy();
    expect(await store.read("kmodforge_1.0.0", "a.json", etag)).toEqual({ kind: "not-modified" });
    expect(await store.replace("kmodforge_1.0.0", "a.json", Buffer.from("third!"))).toBe("replaced");
    const again = await store.read("kmodforge_1.0.0", "a.json", etag);
    expect(again.kind === "found" && again.body.toString()).toBe("third!");
    await store.create("kmodforge_1.0.0", "b.bin", Buffer.alloc(3));
    expect((await store.list("kmodforge_1.0.0")).map((a) => [a.name, a.size])).toEqual([
      ["a.json", 6],
      ["b.bin", 3],
    ]);
    expect((await download(store.locate("kmodforge_1.0.0", "a.json"))).toString()).toBe("third!");
    await store.remove("kmodforge_1.0.0", "a.json");
    await store.remove("kmodforge_1.0.0", "a.json");
    expect((await store.list("kmodforge_1.0.0")).map((a) => a.name)).toEqual(["b.bin"]);
    expect(() => store.locate("../etc", "passwd")).toThrow(RangeError);
    await expect(store.create("a/b", "x", Buffer.alloc(1))).rejects.toThrow(RangeError);
    store.destroy?.();
  });

  it("of racing creators of one asset exactly one wins", async () => {
    const backend = await backends.fresh(name);
    const stores = await Promise.all(Array.from({ length: 8 }, () => backend.open()));
    const outcomes = await Promise.all(
      stores.map((s, i) => s.create("kmodforge_1.0.0", "index.0000000001.json", Buffer.from(`writer-${i}`))),
    );
    expect(outcomes.filter((o) => o === "created")).toHaveLength(1);
    const winner = outcomes.indexOf("created");
    const r = await stores[0]!.read("kmodforge_1.0.0", "index.0000000001.json");
    expect(r.kind === "found" && r.body.toString()).toBe(`writer-${winner}`);
    for (const s of stores) s.destroy?.();
  });
});

describe("GitHub Releases store", () => {
  it("reports a full release, reports GitHub's digest and rides out rate limits and 5xx", async () => {
    const store = await (await backends.fresh("github", { assetCap: 3 })).open();
    const fake = backends.github();
    fake.faults.push(
      { kind: "secondary-rate-limit", retryAfter: 1 },
      { kind: "rate-limit-429", retryAfter: 1 },
      { kind: "server-error", status: 502 },
    );
    for (const n of ["a", "b", "c"]) expect(await store.create("shard_1", n, Buffer.from(n))).toBe("created");
    expect(fake.faults).toEqual([]);
    expect(await store.create("shard_1", "d", Buffer.from("d"))).toBe("full");
    expect(await store.create("shard_1", "a", Buffer.from("again"))).toBe("exists");
    const listed = await store.list("shard_1");
    expect(listed.map((a) => a.name)).toEqual(["a", "b", "c"]);
    expect(listed[0]?.sha256).toBe("ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
    // One release per folder, published but never marked latest.
    expect(fake.releases().map((r) => r.tag)).toEqual(["shard_1"]);
    expect(fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/releases"))).toHaveLength(1);
  });

  it("lists more assets than one page holds", async () => {
    const store = await (await backends.fresh("github")).open();
    for (let i = 0; i < 130; i++)
      await store.create("big", `asset-${String(i).padStart(3, "0")}`, Buffer.from([i]));
    const listed = await store.list("big");
    expect(listed).toHaveLength(130);
    expect(
      backends.github().requests.filter((r) => r.method === "GET" && /\/releases\/\d+\/assets$/.test(r.path))
        .length,
    ).toBe(2);
  });
});
