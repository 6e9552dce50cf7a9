import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvedHeadersSchema } from "../../src/core/headers/types.js";
import { type FixtureServer, startFixtureServer } from "../support/fixture-server.js";
import { createSignedAptRepos, type SignedAptRepos, sha256 } from "../support/signed-apt-repo.js";

/**
 * `kmodforge resolve --json` is what other processes (the Dagger functions, plan files) read back: its output
 * parses with the exported schema and survives the round trip unchanged, with and without --download.
 */

const BIN = fileURLToPath(new URL("../../bin/kmodforge.js", import.meta.url));
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), "kmodforge-resolve-cli-"));
const V = "6.1.999-1";
let server: FixtureServer;
let repos: SignedAptRepos;

beforeAll(async () => {
  server = await startFixtureServer();
  repos = createSignedAptRepos(server);
  const deb = (name: string, arch: string, depends?: string) => ({
    name,
    version: V,
    arch,
    bytes: Buffer.from(`${name} payload`),
    ...(depends ? { depends } : {}),
  });
  const mirror = repos.publish("debian", {
    suite: "bookworm",
    debs: [
      deb(
        "linux-headers-6.1.0-99-amd64",
        "amd64",
        `linux-headers-6.1.0-99-common (= ${V}), linux-kbuild-6.1 (>= ${V})`,
      ),
      deb("linux-headers-6.1.0-99-common", "all"),
      deb("linux-kbuild-6.1", "amd64"),
    ],
  });
  mkdirSync(join(work, "targets"));
  writeFileSync(
    join(work, "targets", "debian.yaml"),
    `distro: debian
versions:
  - version: "12"
    arches: [x86_64]
    builderImage: debian:bookworm
    compiler: { family: gcc, defaultMajor: 12 }
    headerSources:
      - kind: apt
        mirrors: [${mirror}]
        suites: [bookworm]
        keyring: ${repos.keyring}
`,
  );
}, 120_000);
afterAll(async () => {
  await repos?.close();
  await server?.close();
});

const resolve = async (extra: string[]) => {
  const cache = mkdtempSync(join(work, "cache-"));
  const args = ["resolve", "--kernel", "6.1.0-99-amd64", "--distro", "debian", "--distro-version", "12"];
  args.push(
    "--arch",
    "x86_64",
    "--host-arch",
    "x86_64",
    "--targets",
    join(work, "targets"),
    "--json",
    ...extra,
  );
  const { stdout } = await run(process.execPath, [BIN, ...args], {
    env: { ...process.env, KMODFORGE_CACHE: cache, XDG_CACHE_HOME: cache },
    timeout: 120_000,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
};

describe("resolve --json", () => {
  for (const download of [false, true]) {
    it(`round-trips through resolvedHeadersSchema${download ? " with --download" : ""}`, async () => {
      const json = await resolve(download ? ["--download", join(work, `packages-${Date.now()}`)] : []);
      const { downloaded, ...resolved } = json;
      const parsed = resolvedHeadersSchema.parse(json);
      // Nothing the schema does not know is dropped but the download report, and nothing is altered.
      expect(parsed).toEqual(resolved);
      expect(JSON.parse(JSON.stringify(parsed))).toEqual(resolved);
      expect(parsed.packages.map((p) => `${p.role}:${p.name}`).sort()).toEqual([
        "common:linux-headers-6.1.0-99-common",
        "headers:linux-headers-6.1.0-99-amd64",
        "kbuild:linux-kbuild-6.1",
      ]);
      expect(parsed.packages.find((p) => p.role === "kbuild")?.sha256).toBe(
        sha256("linux-kbuild-6.1 payload"),
      );
      expect(downloaded).toHaveLength(download ? 3 : 0);
    });
  }

  it("rejects what is not a resolution, naming each bad field", () => {
    const bad = resolvedHeadersSchema.safeParse({ kernelRelease: "x", packages: [{ url: "ftp://x" }] });
    const paths = bad.error?.issues.map((i) => i.path.join(".")) ?? [];
    expect(paths).toEqual(expect.arrayContaining(["distro", "arch", "packages.0.url", "trace"]));
  });
});
