import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMetadata } from "../../src/core/verify/metadata.js";
import { BUILD_CACHE, newestRelease } from "../build/support.js";

/**
 * End to end on this host: a real build of the sample module for the newest Debian 12 6.1 amd64 kernel the mirror
 * serves, published by `build --publish`, found by `lookup` and downloaded byte for byte.
 */

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kmodforge-real-publish-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function kmodforge(args: string[]) {
  try {
    return {
      code: 0,
      ...(await run(process.execPath, ["bin/kmodforge.js", ...args], { maxBuffer: 16 << 20 })),
    };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("a real build, published and looked up", () => {
  it("build --publish → lookup → lookup --download", async () => {
    const kernel = await newestRelease("12", "x86_64", /^linux-headers-6\.1\.0-[0-9]+-amd64$/);
    const store = `file://${join(dir, "store")}`;
    const identity = ["--kernel", kernel, "--distro", "debian", "--distro-version", "12", "--arch", "x86_64"];
    const built = await kmodforge([
      "build",
      ...identity,
      "--executor",
      "host",
      "--out",
      join(dir, "out"),
      "--cache-dir",
      BUILD_CACHE,
      "--publish",
      store,
      "--json",
    ]);
    expect(built.code, built.stderr).toBe(0);
    const result = JSON.parse(built.stdout);
    expect(result.published.published).toHaveLength(1);
    const metadata = parseMetadata(await readFile(join(result.artifactDir, "metadata.json"), "utf8"));
    if (!metadata.ok) throw new Error(metadata.message);

    const found = await kmodforge([
      "lookup",
      "--store",
      store,
      ...identity,
      "--json",
      "--cache-dir",
      join(dir, "cache"),
    ]);
    expect(found.code, found.stderr).toBe(0);
    const answer = JSON.parse(found.stdout);
    expect(answer).toMatchObject({
      found: true,
      artifactName: metadata.value.artifactName,
      cacheKey: metadata.value.cacheKey,
    });
    const module = metadata.value.modules[0]!;
    expect(answer.files).toContainEqual(
      expect.objectContaining({ role: "module", file: module.file, sha256: module.sha256 }),
    );

    const got = await kmodforge([
      "lookup",
      "--store",
      store,
      ...identity,
      "--download",
      join(dir, "dl"),
      "--cache-dir",
      join(dir, "cache"),
    ]);
    expect(got.code, got.stderr).toBe(0);
    const target = join(dir, "dl", metadata.value.artifactName);
    for (const f of await readdir(result.artifactDir))
      expect(await readFile(join(target, f)), f).toEqual(await readFile(join(result.artifactDir, f)));

    // Publishing the same build directory again changes nothing.
    const again = await kmodforge([
      "publish",
      "--from",
      join(dir, "out"),
      "--store",
      store,
      "--json",
      "--quiet",
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      published: [],
      unchanged: [{ artifactName: metadata.value.artifactName }],
    });
  }, 600_000);
});
