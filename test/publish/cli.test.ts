import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openArtifactStore } from "../../src/adapters/stores/open.js";
import { indexFolder, shardFolder } from "../../src/core/publish/layout.js";
import { type Backends, startBackends } from "./backends.js";
import { debianRelease, writeTestArtifact } from "./support.js";

const execFileP = promisify(execFile);
let dir: string;
let backends: Backends;

async function kmodforge(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileP(process.execPath, ["bin/kmodforge.js", ...args], {
      env: { ...process.env, KMODFORGE_CACHE: join(dir, "cache") },
    });
    return { code: 0, ...r };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const identityArgs = (abi: number) => [
  "--kernel",
  debianRelease(abi),
  "--distro",
  "debian",
  "--distro-version",
  "bookworm",
  "--arch",
  "amd64",
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kmodforge-publish-cli-"));
  backends = await startBackends();
}, 120_000);
afterAll(async () => {
  await backends?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("kmodforge keygen / publish / lookup", () => {
  it("keygen writes a key pair once", async () => {
    const r = await kmodforge(["keygen", "--out", join(dir, "index-key"), "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      privateKey: join(dir, "index-key"),
      publicKey: join(dir, "index-key.pub"),
    });
    expect((await stat(join(dir, "index-key"))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, "index-key.pub"), "utf8")).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect((await kmodforge(["keygen", "--out", join(dir, "index-key")])).code).toBe(2);
  });

  it("publishes, answers lookups with exit codes, downloads and refuses what does not verify", async () => {
    const store = join(dir, "store");
    const out = join(dir, "out");
    await writeTestArtifact(out, { kernelRelease: debianRelease(60), modules: ["one", "two"] });
    await writeTestArtifact(out, { kernelRelease: debianRelease(61) });
    const key = ["--sign-key", join(dir, "index-key")];
    const pub = ["--public-key", join(dir, "index-key.pub")];
    const published = await kmodforge([
      "publish",
      "--from",
      out,
      "--store",
      store,
      ...key,
      "--json",
      "--quiet",
    ]);
    expect(published.code, published.stderr).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({
      published: [{}, {}],
      indexes: [{ generation: 1, entries: 2 }],
    });
    expect((await kmodforge(["publish", "--from", out, "--store", store, ...key])).stdout).toMatch(
      /published 0, replaced 0, unchanged 2/,
    );

    const found = await kmodforge(["lookup", "--store", store, ...identityArgs(60), ...pub, "--json"]);
    expect(found.code, found.stderr).toBe(0);
    const answer = JSON.parse(found.stdout);
    expect(answer).toMatchObject({
      found: true,
      driverVersion: "1.0.0",
      generation: 1,
      package: { name: "kmodtest" },
    });
    expect(answer.files.filter((f: { role: string }) => f.role === "module")).toHaveLength(2);
    for (const f of answer.files) expect(f.url).toMatch(/^file:\/\//);
    const text = await kmodforge([
      "lookup",
      "--store",
      `file://${store}`,
      ...identityArgs(60),
      "--driver-version",
      "1.0.0",
    ]);
    expect(text.stdout).toContain(`sha256=${answer.files[0].sha256}  ${answer.files[0].url}`);

    const absent = await kmodforge(["lookup", "--store", store, ...identityArgs(62), "--json"]);
    expect(absent.code).toBe(1);
    expect(JSON.parse(absent.stdout)).toMatchObject({ found: false, reason: "no-entry" });
    expect(
      (await kmodforge(["lookup", "--store", store, ...identityArgs(60), "--driver-version", "2.0"])).code,
    ).toBe(1);
    const hostile = await kmodforge([
      "lookup",
      "--store",
      store,
      "--kernel",
      "6.1.0-1-amd64;rm -rf /",
      "--distro",
      "debian",
      "--distro-version",
      "12",
      "--arch",
      "x86_64",
    ]);
    expect(hostile.code).toBe(2);
    expect(hostile.stderr).toMatch(/kernelRelease/);
    expect((await kmodforge(["lookup", "--store", "ftp://x/y", ...identityArgs(60)])).code).toBe(2);

    const download = join(dir, "download");
    const got = await kmodforge([
      "lookup",
      "--store",
      store,
      ...identityArgs(60),
      ...pub,
      "--download",
      download,
    ]);
    expect(got.code, got.stderr).toBe(0);
    const [artifact] = await readdir(download);
    expect((await readdir(join(download, artifact!))).sort()).toEqual(
      (await readdir(join(out, artifact!))).sort(),
    );

    // A compromised store: one module's bytes change, then the index itself.
    const s = await openArtifactStore(store);
    const module = answer.files.find((f: { role: string }) => f.role === "module");
    await s.replace(shardFolder("1.0.0", "debian", "12", 1), module.asset, Buffer.from("evil"));
    const refused = await kmodforge([
      "lookup",
      "--store",
      store,
      ...identityArgs(60),
      "--download",
      join(dir, "d2"),
    ]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/checksum mismatch/);
    const index = join(store, indexFolder("1.0.0"), "index.json");
    await writeFile(index, (await readFile(index, "utf8")).replace("kmodtest", "kmodtesx"));
    const forged = await kmodforge(["lookup", "--store", store, ...identityArgs(61), ...pub]);
    expect(forged.code).toBe(11);
    expect(forged.stderr).toMatch(/signature of generation 1 does not verify/);

    const conflict = join(dir, "conflict");
    await writeTestArtifact(conflict, { kernelRelease: debianRelease(61) });
    const refusedPublish = await kmodforge(["publish", "--from", conflict, "--store", store, ...key]);
    expect(refusedPublish.code).toBe(12);
    expect(refusedPublish.stderr).toMatch(/already published .*\(--force replaces it\)/);
    // That publish also put back the pointer the attacker rewrote.
    expect((await kmodforge(["lookup", "--store", store, ...identityArgs(61), ...pub])).code).toBe(0);
  });

  it("lookup revalidates its cached index with one conditional GET", async () => {
    const backend = await backends.fresh("github");
    const out = join(dir, "gh");
    await writeTestArtifact(out, { kernelRelease: debianRelease(70) });
    expect((await kmodforge(["publish", "--from", out, ...backend.cliArgs, "--quiet"])).code).toBe(0);
    const fake = backends.github();
    const seen = fake.requests.length;
    const first = await kmodforge(["lookup", ...backend.cliArgs, ...identityArgs(70), "--quiet"]);
    expect(first.code, first.stderr).toBe(0);
    const second = await kmodforge([
      "lookup",
      ...backend.cliArgs,
      ...identityArgs(70),
      "--driver-version",
      "1.0.0",
      "--quiet",
    ]);
    expect(second.code).toBe(0);
    // First: catalog + index (each a download redirect and a storage GET); second: the index, revalidated (304).
    const lookups = fake.requests.slice(seen);
    expect(lookups.every((r) => r.method === "GET" && !r.path.startsWith("/repos/"))).toBe(true);
    const second_ = lookups.slice(4);
    expect(second_.map((r) => r.path)).toEqual([
      `/acme/drivers/releases/download/${indexFolder("1.0.0")}/index.json`,
      expect.stringMatching(/^\/storage\/\d+$/),
    ]);
    expect(second_[1]?.conditional).toBe(true);
  });
});
