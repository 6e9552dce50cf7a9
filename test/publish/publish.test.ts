import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readArtifactDir } from "../../src/adapters/publish/artifact-dir.js";
import type { Signer } from "../../src/adapters/publish/documents.js";
import { downloadArtifact, lookupArtifact } from "../../src/adapters/publish/lookup.js";
import { publishArtifacts, publishFrom, throwIfRefused } from "../../src/adapters/publish/publish.js";
import { ReadCache } from "../../src/adapters/publish/read-cache.js";
import type { OpenedStore } from "../../src/adapters/stores/open.js";
import { KmodforgeError } from "../../src/core/errors.js";
import { CATALOG_SPEC } from "../../src/core/publish/catalog.js";
import { generationAsset, generationsIn } from "../../src/core/publish/generations.js";
import { indexFolder } from "../../src/core/publish/layout.js";
import { generateSigningKeys, privateSigningKey, publicSigningKey } from "../../src/core/publish/signing.js";
import { BACKEND_NAMES, type Backends, startBackends } from "./backends.js";
import { debianRelease, writeTestArtifact } from "./support.js";

let backends: Backends;
let work: string;
beforeAll(async () => {
  backends = await startBackends();
  work = await mkdtemp(join(tmpdir(), "kmodforge-publish-"));
}, 120_000);
afterAll(async () => {
  await backends?.stop();
  await rm(work, { recursive: true, force: true });
});

let dirNo = 0;
const scratch = () => join(work, `d${++dirNo}`);
const identity = (abi: number) => ({
  distro: "debian" as const,
  distroVersion: "12",
  arch: "x86_64" as const,
  kernelRelease: debianRelease(abi),
});
const lookup = (store: OpenedStore, abi: number, extra: { publicKey?: Signer["publicKey"] } = {}) =>
  lookupArtifact(store, { identity: identity(abi), cache: new ReadCache(scratch()), ...extra });

function signer(): Signer {
  const keys = generateSigningKeys();
  return {
    privateKey: privateSigningKey(keys.privateKeyPem),
    publicKey: publicSigningKey(keys.publicKeyPem),
  };
}

async function expectCode(p: Promise<unknown>, code: string): Promise<KmodforgeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(KmodforgeError);
  expect((err as KmodforgeError).code).toBe(code);
  return err as KmodforgeError;
}

describe.each(BACKEND_NAMES)("publishing to the %s store", (name) => {
  it("publishes a multi-module artifact as one entry that lookup finds and download verifies", async () => {
    const store = await (await backends.fresh(name)).open();
    const out = scratch();
    const dir = await writeTestArtifact(out, {
      kernelRelease: debianRelease(10),
      modules: ["jool_common", "jool", "jool_siit"],
    });
    const report = await publishFrom(store, out);
    expect(report.published.map((p) => p.id)).toEqual(["debian/12/x86_64/6.1.0-10-amd64"]);
    expect(report.indexes).toMatchObject([{ driverVersion: "1.0.0", generation: 1, entries: 1 }]);

    const answer = await lookup(store, 10);
    expect(answer.found).toBe(true);
    if (!answer.found) return;
    expect(answer.entry.modules.map((m) => m.name)).toEqual(["jool_common", "jool", "jool_siit"]);
    expect(answer.files.filter((f) => f.role === "module")).toHaveLength(3);
    const metadata = JSON.parse(await readFile(join(dir, "metadata.json"), "utf8"));
    for (const m of metadata.modules)
      expect(answer.files).toContainEqual(expect.objectContaining({ file: m.file, sha256: m.sha256 }));
    expect(answer.entry.cacheKey).toBe(metadata.cacheKey);
    expect(answer.entry.headerPackages[0]).toMatchObject({
      name: "linux-headers-6.1.0-10-amd64",
      source: "apt",
    });

    const target = await downloadArtifact(store, answer, scratch());
    for (const f of await readdir(dir))
      expect(await readFile(join(target, f)), f).toEqual(await readFile(join(dir, f)));
    expect((await lookup(store, 11)).found).toBe(false);
    expect(
      await lookupArtifact(store, {
        identity: identity(10),
        driverVersion: "9.9.9",
        cache: new ReadCache(scratch()),
      }),
    ).toMatchObject({ found: false, reason: "no-index" });
    store.destroy?.();
  });

  it("re-publishing is a no-op; a different build is refused unless forced", async () => {
    const store = await (await backends.fresh(name)).open();
    const first = scratch();
    await writeTestArtifact(first, { kernelRelease: debianRelease(20) });
    await publishFrom(store, first);
    const again = await publishFrom(store, first);
    expect(again.unchanged).toHaveLength(1);
    expect(again.published).toEqual([]);
    expect(again.indexes[0]?.generation).toBe(1);

    const rebuilt = scratch();
    await writeTestArtifact(rebuilt, { kernelRelease: debianRelease(20) });
    const refused = await publishFrom(store, rebuilt);
    expect(refused.refused).toMatchObject([
      { id: "debian/12/x86_64/6.1.0-20-amd64", reason: "different-build" },
    ]);
    const err = await expectCode(
      Promise.resolve().then(() => throwIfRefused(refused)),
      "ARTIFACT_CONFLICT",
    );
    expect(err.exitCode).toBe(12);
    const before = await lookup(store, 20);
    const forced = await publishFrom(store, rebuilt, { force: true });
    expect(forced.replaced).toHaveLength(1);
    const after = await lookup(store, 20);
    expect(before.found && after.found && before.entry.build !== after.entry.build).toBe(true);
    // The replaced build's files stay: an older index generation may still name them.
    for (const f of before.found ? before.files : [])
      expect((await store.read(before.found ? before.entry.shard : "", f.asset)).kind, f.file).toBe("found");

    const other = scratch();
    await writeTestArtifact(other, { kernelRelease: debianRelease(21), packageName: "other" });
    expect((await publishFrom(store, other)).refused).toMatchObject([
      { reason: "different-package", published: "kmodtest" },
    ]);
    store.destroy?.();
  });

  it("20 parallel publishers of different identities leave one index with all 20", async () => {
    const backend = await backends.fresh(name);
    const artifacts = await Promise.all(
      Array.from({ length: 20 }, async (_, i) =>
        readArtifactDir(await writeTestArtifact(scratch(), { kernelRelease: debianRelease(100 + i) })),
      ),
    );
    const stores = await Promise.all(artifacts.map(() => backend.open()));
    const started = Date.now();
    const reports = await Promise.all(artifacts.map((a, i) => publishArtifacts(stores[i]!, [a])));
    const elapsed = Date.now() - started;
    console.log(`${name}: 20 parallel publishers in ${elapsed} ms`);
    expect(reports.flatMap((r) => r.published)).toHaveLength(20);

    const store = stores[0]!;
    const answer = await lookup(store, 100);
    expect(answer.found && answer.generation).toBe(20);
    for (let i = 0; i < 20; i++) expect((await lookup(store, 100 + i)).found, `abi ${100 + i}`).toBe(true);
    // Every generation was created once and holds exactly one more entry than its parent: no update was lost.
    const names = (await store.list(indexFolder("1.0.0"))).map((a) => a.name);
    expect(generationsIn("index", names)).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i));
    for (const g of [1, 7, 13, 20]) {
      const r = await store.read(indexFolder("1.0.0"), generationAsset("index", g));
      expect(r.kind === "found" && Object.keys(JSON.parse(r.body.toString()).entries).length).toBe(g);
    }
    // The catalog learnt the driver version once.
    const catalog = (await store.list(CATALOG_SPEC.folder)).map((a) => a.name);
    expect(generationsIn("catalog", catalog)).toEqual([1]);
    for (const s of stores) s.destroy?.();
  }, 300_000);

  it("a pointer that names no real generation is reported, then put back by the next publish", async () => {
    const store = await (await backends.fresh(name)).open();
    const out = scratch();
    await writeTestArtifact(out, { kernelRelease: debianRelease(35) });
    await publishFrom(store, out);
    await store.replace(indexFolder("1.0.0"), "index.json", Buffer.from('{"generation":99}\n'));
    await expectCode(lookup(store, 35), "STATE_CONFLICT");
    expect((await publishFrom(store, out)).unchanged).toHaveLength(1);
    const answer = await lookup(store, 35);
    expect(answer.found && answer.generation).toBe(1);
    store.destroy?.();
  });

  it("download refuses a tampered asset and writes nothing", async () => {
    const store = await (await backends.fresh(name)).open();
    const out = scratch();
    await writeTestArtifact(out, { kernelRelease: debianRelease(30), modules: ["a", "b"] });
    await publishFrom(store, out);
    const answer = await lookup(store, 30);
    if (!answer.found) throw new Error("not published");
    const victim = answer.files.filter((f) => f.role === "module")[1]!.asset;
    await store.replace(answer.entry.shard, victim, Buffer.from("malicious module"));
    const dest = scratch();
    const err = await expectCode(downloadArtifact(store, answer, dest), "CHECKSUM_MISMATCH");
    expect(err.exitCode).toBe(5);
    await expect(readdir(dest)).rejects.toThrow(/ENOENT/);
    store.destroy?.();
  });

  it("a signed index verifies; a tampered one, a wrong key or an unsigned publish are refused", async () => {
    const store = await (await backends.fresh(name)).open();
    const key = signer();
    const out = scratch();
    await writeTestArtifact(out, { kernelRelease: debianRelease(40) });
    await publishFrom(store, out, { signer: key });
    const ok = await lookup(store, 40, { publicKey: key.publicKey });
    expect(ok.found).toBe(true);
    await expectCode(lookup(store, 40, { publicKey: signer().publicKey }), "INDEX_SIGNATURE_INVALID");

    // An attacker with write access points the entry at their own bytes.
    const folder = indexFolder("1.0.0");
    const r = await store.read(folder, "index.json");
    if (r.kind !== "found") throw new Error("no index");
    const forged = r.body.toString().replace(/"sha256":"[0-9a-f]{64}"/, `"sha256":"${"f".repeat(64)}"`);
    expect(forged).not.toBe(r.body.toString());
    await store.replace(folder, "index.json", Buffer.from(forged));
    const err = await expectCode(lookup(store, 40, { publicKey: key.publicKey }), "INDEX_SIGNATURE_INVALID");
    expect(err.exitCode).toBe(11);
    // Without a key nothing is checked: the forged index is what an unconfigured reader sees.
    expect((await lookup(store, 40)).found).toBe(true);

    const more = scratch();
    await writeTestArtifact(more, { kernelRelease: debianRelease(41) });
    await expectCode(publishFrom(store, more), "CONFIG_INVALID");
    // The signer repairs the pointer from the newest (signed) generation on its next publish.
    await publishFrom(store, more, { signer: key });
    expect((await lookup(store, 41, { publicKey: key.publicKey })).found).toBe(true);
    store.destroy?.();
  });
});
