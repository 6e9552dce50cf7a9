import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAndFetch } from "../../src/adapters/resolve-and-fetch.js";
import { createSourceLinks } from "../../src/adapters/sources/index.js";
import { ChecksumMismatchError, KmodforgeError } from "../../src/core/errors.js";
import { classifyFailure } from "../../src/core/sweep/backoff.js";
import type { HeaderSource } from "../../src/core/targets.js";
import { type FixtureServer, startFixtureServer } from "../support/fixture-server.js";
import {
  createSignedAptRepos,
  debianIdentity,
  debianTarget,
  type FixtureDeb,
  poolPath,
  type SignedAptRepos,
  sha256,
} from "../support/signed-apt-repo.js";

/**
 * A file the signed index lists but the mirror does not serve (404/410) is a mirror gap, not a broken kernel: the
 * chain runs again for that package without the link that listed it. Another link that has it supplies it (held to
 * the listing's signed hash); when none has it the failure is HEADERS_UNAVAILABLE naming every URL tried.
 */

const V = "5.10.999-1";
const HEADERS = "linux-headers-5.10.0-99-amd64";
const debs: FixtureDeb[] = [
  {
    name: HEADERS,
    version: V,
    arch: "amd64",
    bytes: Buffer.from("arch headers 5.10.0-99"),
    depends: `linux-headers-5.10.0-99-common (= ${V}), linux-kbuild-5.10 (>= ${V}), linux-compiler-gcc-10-x86`,
  },
  { name: "linux-headers-5.10.0-99-common", version: V, arch: "all", bytes: Buffer.from("common 5.10.0-99") },
  { name: "linux-kbuild-5.10", version: V, arch: "amd64", bytes: Buffer.from("kbuild 5.10") },
];
const headersDeb = debs[0]!;
const commonDeb = debs[1]!;

const work = mkdtempSync(join(tmpdir(), "kmodforge-gap-"));
let server: FixtureServer;
let repos: SignedAptRepos;
const mirrors: Record<string, string> = {};

const apt = (name: string): HeaderSource => ({
  kind: "apt",
  mirrors: [mirrors[name]!],
  suites: ["bullseye-security"],
  components: ["main"],
  keyring: repos.keyring,
});
const snapshot = (): HeaderSource => ({ kind: "debian-snapshot", base: `${server.url}/snapshot` });
const identity = () => debianIdentity("5.10.0-99-amd64", "11");
const target = (headerSources: HeaderSource[]) => debianTarget("11", headerSources);
const fetchThrough = (...chain: HeaderSource[]) =>
  resolveAndFetch(identity(), {
    target: target(chain),
    hostArch: "x86_64",
    links: createSourceLinks({ aptStateRoot: mkdtempSync(join(work, "apt-")) }),
    cacheDir: mkdtempSync(join(work, "packages-")),
  });

beforeAll(async () => {
  server = await startFixtureServer();
  repos = createSignedAptRepos(server);
  const publish = (name: string, serve?: Record<string, Buffer | 404 | 410>, list = debs) => {
    mirrors[name] = repos.publish(name, {
      suite: "bullseye-security",
      debs: list,
      ...(serve ? { serve } : {}),
    });
  };
  publish("security", { [HEADERS]: 404, [commonDeb.name]: 404 });
  publish("retired", undefined);
  publish("retired-gap", { [HEADERS]: 410, [commonDeb.name]: 404 });
  publish("rebuilt", undefined, [
    { ...headersDeb, bytes: Buffer.from("a different build") },
    ...debs.slice(1),
  ]);
}, 120_000);
afterAll(async () => {
  await repos?.close();
  await server?.close();
});

describe("mirror gaps", () => {
  it("takes a listed file the mirror lacks from the next link, and the trace records the gap", async () => {
    const { resolved, fetched } = await fetchThrough(apt("security"), apt("retired"), snapshot());
    const headers = fetched.find((f) => f.candidate.role === "headers")!;
    expect(headers.candidate.url).toBe(`${mirrors.retired}/${poolPath(headersDeb)}`);
    expect(readFileSync(headers.path)).toEqual(headersDeb.bytes);
    expect(headers.sha256).toBe(sha256(headersDeb.bytes));
    // The common package had a gap too; kbuild was served where it was listed.
    const servedBy = Object.fromEntries(fetched.map((f) => [f.candidate.role, f.candidate.url]));
    expect(servedBy.common).toBe(`${mirrors.retired}/${poolPath(commonDeb)}`);
    expect(servedBy.kbuild?.startsWith(`${mirrors.security}/`)).toBe(true);
    const gap = resolved.trace.find((t) => t.package === HEADERS && t.outcome === "miss");
    expect(gap).toMatchObject({ reason: "not-found", url: `${mirrors.security}/${poolPath(headersDeb)}` });
    expect(gap?.detail).toContain("mirror gap");
    expect(resolved.packages.find((p) => p.role === "headers")?.url).toBe(headers.candidate.url);
  });

  it("fails as headers-unavailable naming every URL tried when no link has the file", async () => {
    const err = await fetchThrough(apt("security"), apt("retired-gap"), snapshot()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmodforgeError);
    const e = err as KmodforgeError;
    expect(e.code).toBe("HEADERS_UNAVAILABLE");
    expect(classifyFailure(e.code)).toBe("headers-unavailable");
    const tried = (deb: FixtureDeb) => [
      `${mirrors.security}/${poolPath(deb)}`,
      `${mirrors["retired-gap"]}/${poolPath(deb)}`,
      `${server.url}/snapshot/mr/binary/${deb.name}/`,
    ];
    for (const url of [...tried(headersDeb), ...tried(commonDeb)]) expect(e.message).toContain(url);
    expect(e.details.missing).toEqual([HEADERS, commonDeb.name]);
    expect((e.details.urls as string[]).map((u) => u.split(" ")[0])).toEqual([
      ...tried(headersDeb),
      ...tried(commonDeb),
    ]);
  });

  it("holds another link's copy to the signed hash of the listing", async () => {
    const err = await fetchThrough(apt("security"), apt("rebuilt")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as Error).message).toContain(sha256(headersDeb.bytes));
  });
});
