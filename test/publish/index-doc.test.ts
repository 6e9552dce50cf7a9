import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { addDriverVersion, type Catalog, newestDriverVersion } from "../../src/core/publish/catalog.js";
import {
  classifyBuild,
  type IndexEntry,
  indexSchema,
  mergeIndex,
  serialiseDocument,
} from "../../src/core/publish/index-doc.js";
import {
  generateSigningKeys,
  privateSigningKey,
  publicSigningKey,
  signDocument,
  verifyDocument,
} from "../../src/core/publish/signing.js";

/** The index (merge, immutability, canonical bytes), the catalog's ordering and index signatures. */
const run = promisify(execFile);

function entry(kernelRelease: string, build: string, packageName = "kmodtest"): IndexEntry {
  const stored = { sha256: "0".repeat(64), size: 1 };
  return {
    artifactName: `kmodtest_1.0.0_debian-12_x86-64_${kernelRelease}`,
    build,
    shard: "kmodforge_1.0.0_debian-12_1",
    publishedAt: "2026-01-01T00:00:00.000Z",
    identity: { distro: "debian", distroVersion: "12", arch: "x86_64", kernelRelease },
    package: { name: packageName, version: "1.0.0", kind: "kbuild" },
    modules: [{ name: "kmodtest", file: "kmodtest.ko.xz", signed: false, ...stored }],
    metadata: stored,
    sums: stored,
    compiler: { text: "gcc-12", kernelText: "gcc-12" },
    headerPackages: [],
    builder: { runner: "host", mode: "native" },
    cacheKey: "a".repeat(64),
    signed: false,
    builtAt: "2026-01-01T00:00:00.000Z",
  };
}

describe("index merge", () => {
  const now = new Date("2026-02-01T00:00:00Z");
  const base = (() => {
    const r = mergeIndex(undefined, [entry("6.1.0-1-amd64", "1111111111111111")], {
      driverVersion: "1.0.0",
      force: false,
      now,
    });
    return indexSchema.parse({ ...r.next, generation: 1 });
  })();

  it("adds, keeps the same build, refuses a different one unless forced", () => {
    expect(
      classifyBuild(
        base,
        { id: "debian/12/x86_64/6.1.0-2-amd64", build: "2", packageName: "kmodtest" },
        false,
      ),
    ).toEqual({ kind: "add" });
    expect(
      classifyBuild(
        base,
        { id: "debian/12/x86_64/6.1.0-1-amd64", build: "1111111111111111", packageName: "kmodtest" },
        false,
      ).kind,
    ).toBe("unchanged");
    expect(
      classifyBuild(
        base,
        { id: "debian/12/x86_64/6.1.0-1-amd64", build: "2222222222222222", packageName: "kmodtest" },
        false,
      ),
    ).toEqual({
      kind: "refuse",
      reason: "different-build",
      published: "1111111111111111",
    });
    expect(
      classifyBuild(
        base,
        { id: "debian/12/x86_64/6.1.0-1-amd64", build: "2222222222222222", packageName: "kmodtest" },
        true,
      ).kind,
    ).toBe("replace");
    expect(classifyBuild(base, { id: "x", build: "1", packageName: "other" }, true)).toMatchObject({
      kind: "refuse",
      reason: "different-package",
    });
  });

  it("merges into sorted entries and reports nothing to commit when nothing changes", () => {
    const r = mergeIndex(
      base,
      [
        entry("6.1.0-9-amd64", "3333333333333333"),
        entry("6.1.0-1-amd64", "1111111111111111"),
        entry("6.1.0-1-amd64", "4444444444444444"),
      ],
      { driverVersion: "1.0.0", force: false, now },
    );
    expect(r.added).toEqual(["debian/12/x86_64/6.1.0-9-amd64"]);
    expect(r.unchanged).toEqual(["debian/12/x86_64/6.1.0-1-amd64"]);
    expect(r.refused.map((x) => x.offered)).toEqual(["4444444444444444"]);
    expect(Object.keys(r.next!.entries)).toEqual([
      "debian/12/x86_64/6.1.0-1-amd64",
      "debian/12/x86_64/6.1.0-9-amd64",
    ]);
    expect(
      mergeIndex(base, [entry("6.1.0-1-amd64", "1111111111111111")], {
        driverVersion: "1.0.0",
        force: false,
        now,
      }).next,
    ).toBeUndefined();
  });

  it("refuses an index whose keys do not match their identities", () => {
    const bad = {
      ...base,
      entries: { "debian/12/x86_64/6.1.0-7-amd64": base.entries["debian/12/x86_64/6.1.0-1-amd64"] },
    };
    expect(indexSchema.safeParse(bad).success).toBe(false);
  });

  it("serialises canonically: equal documents, equal bytes", () => {
    const a = serialiseDocument({ b: 1, a: { d: [2, 1], c: "x" } });
    expect(a.toString()).toBe('{"a":{"c":"x","d":[2,1]},"b":1}\n');
    expect(serialiseDocument({ a: { c: "x", d: [2, 1] }, b: 1 }).equals(a)).toBe(true);
  });
});

describe("catalog", () => {
  it("picks the newest driver version: semantic versions first, else the first published", () => {
    let c: Catalog | undefined;
    const add = (v: string, at: string) => {
      const next = addDriverVersion(c, v, "kmodtest", new Date(at));
      c = next ? { ...next, generation: (c?.generation ?? 0) + 1 } : c;
    };
    add("v0.5.16", "2026-01-01T00:00:00Z");
    add("v0.5.9", "2026-02-01T00:00:00Z");
    expect(newestDriverVersion(c!)).toBe("v0.5.16");
    add("0.6.0-rc1", "2026-01-15T00:00:00Z");
    expect(newestDriverVersion(c!)).toBe("0.6.0-rc1");
    add("nightly", "2026-03-01T00:00:00Z");
    expect(newestDriverVersion(c!)).toBe("nightly");
    expect(addDriverVersion(c, "v0.5.9", "kmodtest", new Date())).toBeUndefined();
  });
});

describe("index signatures", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("verify what they signed and nothing else", () => {
    const keys = generateSigningKeys();
    const priv = privateSigningKey(keys.privateKeyPem);
    const pub = publicSigningKey(keys.publicKeyPem);
    const bytes = serialiseDocument({ generation: 1 });
    const sig = signDocument(priv, bytes);
    expect(sig).toHaveLength(64);
    expect(signDocument(priv, bytes).equals(sig)).toBe(true);
    expect(verifyDocument(pub, bytes, sig)).toBe(true);
    expect(verifyDocument(publicSigningKey(keys.privateKeyPem), bytes, sig)).toBe(true);
    expect(verifyDocument(pub, serialiseDocument({ generation: 2 }), sig)).toBe(false);
    expect(verifyDocument(publicSigningKey(generateSigningKeys().publicKeyPem), bytes, sig)).toBe(false);
    expect(verifyDocument(pub, bytes, sig.subarray(0, 63))).toBe(false);
  });

  it("refuses keys that are not ed25519 PEM", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
    expect(() => privateSigningKey(rsa.privateKey.export({ type: "pkcs8", format: "pem" }))).toThrow(
      /rsa key; expected ed25519/,
    );
    expect(() => publicSigningKey("not a key")).toThrow(/not a PEM key/);
  });

  it("interoperate with openssl pkeyutl -rawin, as docs/publish.md shows", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kmodforge-sig-"));
    dirs.push(dir);
    const keys = generateSigningKeys();
    await writeFile(join(dir, "key.pub"), keys.publicKeyPem);
    const bytes = serialiseDocument({ generation: 7 });
    await writeFile(join(dir, "index.json"), bytes);
    await writeFile(join(dir, "index.sig"), signDocument(privateSigningKey(keys.privateKeyPem), bytes));
    const { stdout } = await run("openssl", [
      "pkeyutl",
      "-verify",
      "-pubin",
      "-inkey",
      join(dir, "key.pub"),
      "-rawin",
      "-in",
      join(dir, "index.json"),
      "-sigfile",
      join(dir, "index.sig"),
    ]);
    expect(stdout).toContain("Signature Verified Successfully");
    await run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", join(dir, "openssl.pem")]);
    const fromOpenssl = privateSigningKey(await readFile(join(dir, "openssl.pem")));
    expect(
      verifyDocument(
        publicSigningKey(await readFile(join(dir, "openssl.pem"))),
        bytes,
        signDocument(fromOpenssl, bytes),
      ),
    ).toBe(true);
  });
});
