import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAndFetch } from "../../src/adapters/resolve-and-fetch.js";
import { resolveHeaders } from "../../src/adapters/resolver.js";
import { createSourceLinks } from "../../src/adapters/sources/index.js";
import { ChecksumMismatchError, type KmodforgeError } from "../../src/core/errors.js";
import type { HeaderSource } from "../../src/core/targets.js";
import { type FixtureServer, startFixtureServer } from "../support/fixture-server.js";
import {
  createSignedAptRepos,
  debianIdentity,
  debianTarget,
  type FixtureDeb,
  type SignedAptRepos,
  sha256,
} from "../support/signed-apt-repo.js";

/**
 * The apt link against a local repository in Debian's real layout (InRelease clear-signed with gpg, Packages with
 * SHA256 per file), with one fault at a time: a signature by an untrusted key, an index changed after signing, a
 * package whose bytes differ from its signed hash, a missing repository. Each gives its typed outcome; nothing
 * unverified is ever offered.
 */

const work = mkdtempSync(join(tmpdir(), "kmodforge-aptfix-"));
let server: FixtureServer;
let repos: SignedAptRepos;

const depends =
  "linux-headers-6.1.0-99-common (= 6.1.999-1), linux-kbuild-6.1 (>= 6.1.999-1), linux-compiler-gcc-12-x86";
const debs: FixtureDeb[] = [
  {
    name: "linux-headers-6.1.0-99-amd64",
    version: "6.1.999-1",
    arch: "amd64",
    bytes: Buffer.from("arch headers"),
    depends,
  },
  {
    name: "linux-headers-6.1.0-99-common",
    version: "6.1.999-1",
    arch: "all",
    bytes: Buffer.from("common headers"),
  },
  { name: "linux-kbuild-6.1", version: "6.1.999-1", arch: "amd64", bytes: Buffer.from("kbuild payload") },
];

const identity = () => debianIdentity("6.1.0-99-amd64", "12");
const target = (...sources: HeaderSource[]) => debianTarget("12", sources);
const aptLink = (name: string): HeaderSource => ({
  kind: "apt",
  mirrors: [`${server.url}/${name}`],
  suites: ["bookworm"],
  components: ["main"],
  keyring: repos.keyring,
});
const options = (...sources: HeaderSource[]) => ({
  target: target(...sources),
  hostArch: "x86_64" as const,
  links: createSourceLinks({ aptStateRoot: mkdtempSync(join(work, "apt-")) }),
});
const resolveWith = (...sources: HeaderSource[]) => resolveHeaders(identity(), options(...sources));

beforeAll(async () => {
  server = await startFixtureServer();
  repos = createSignedAptRepos(server);
  repos.publish("good", { suite: "bookworm", debs });
  repos.publish("badsig", { suite: "bookworm", debs, untrusted: true });
  repos.publish("tampered-index", {
    suite: "bookworm",
    debs,
    tamperIndex: (signed) => signed.replace("Section: kernel", "Section: kernel2"),
  });
  repos.publish("wrong-bytes", {
    suite: "bookworm",
    debs,
    serve: { "linux-kbuild-6.1": Buffer.from("something else entirely") },
  });
}, 120_000);

afterAll(async () => {
  await repos?.close();
  await server?.close();
});

describe("apt link faults", () => {
  it("resolves every package from a correctly signed repository and downloads them verified", async () => {
    const { resolved, fetched } = await resolveAndFetch(identity(), {
      ...options(aptLink("good")),
      cacheDir: join(work, "cache-good"),
    });
    expect(resolved.packages.map((p) => p.name).sort()).toEqual(debs.map((d) => d.name).sort());
    for (const p of resolved.packages)
      expect(p.sha256).toBe(sha256(debs.find((d) => d.name === p.name)!.bytes));
    expect(fetched).toHaveLength(3);
  });

  it("treats a signature by an untrusted key as bad-signature and uses nothing from it", async () => {
    const err = (await resolveWith(aptLink("badsig")).catch((e: unknown) => e)) as KmodforgeError;
    expect(err.code).toBe("HEADERS_UNAVAILABLE");
    const trace = err.details.trace as Array<{ outcome: string; reason?: string }>;
    expect(trace.length).toBeGreaterThan(0);
    expect(trace.every((t) => t.outcome === "miss" && t.reason === "bad-signature")).toBe(true);
  });

  it("refuses an index whose hash differs from the signed Release", async () => {
    const err = (await resolveWith(aptLink("tampered-index")).catch((e: unknown) => e)) as KmodforgeError;
    const reasons = (err.details.trace as Array<{ reason?: string }>).map((t) => t.reason);
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.every((r) => r === "checksum-mismatch")).toBe(true);
  });

  it("fails hard when a package's bytes differ from its signed hash, naming URL and both hashes", async () => {
    const err = await resolveAndFetch(identity(), {
      ...options(aptLink("wrong-bytes")),
      cacheDir: join(work, "cache-wrong"),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as Error).message).toContain("linux-kbuild-6.1_6.1.999-1_amd64.deb");
    expect((err as Error).message).toContain(sha256("kbuild payload"));
    expect((err as Error).message).toContain(sha256("something else entirely"));
  });

  it("moves on from a bad link to the next one and records both in the trace", async () => {
    const resolved = await resolveWith(aptLink("missing"), aptLink("badsig"), aptLink("good"));
    expect(resolved.packages).toHaveLength(3);
    const kbuild = resolved.trace
      .filter((t) => t.package === "linux-kbuild-6.1")
      .map((t) => `${t.outcome} ${t.reason ?? ""}`.trim());
    expect(kbuild).toEqual(["miss unreachable", "miss bad-signature", "found"]);
  });

  it("treats a corrupt or foreign lookup cache as a miss and rewrites it", async () => {
    const root = mkdtempSync(join(work, "apt-memo-"));
    const resolveIn = () =>
      resolveHeaders(identity(), {
        ...options(aptLink("good")),
        links: createSourceLinks({ aptStateRoot: root }),
      });
    const first = await resolveIn();
    const memos = readdirSync(root).map((d) => join(root, d, "lookups-2.json"));
    expect(memos).toHaveLength(1);
    const memo = memos[0]!;
    const stamp = (JSON.parse(readFileSync(memo, "utf8")) as { stamp: string }).stamp;
    const headers = "linux-headers-6.1.0-99-amd64";
    for (const bad of [
      "{ truncated",
      // An older or foreign format: same stamp, an entry that is not a package.
      JSON.stringify({
        stamp,
        entries: { [headers]: { pkg: { name: 5 }, url: "http://elsewhere.invalid/x.deb" } },
      }),
    ]) {
      writeFileSync(memo, bad);
      const again = await resolveIn();
      expect(again.packages.map((p) => p.url)).toEqual(first.packages.map((p) => p.url));
      const rewritten = JSON.parse(readFileSync(memo, "utf8")) as {
        format: number;
        entries: Record<string, unknown>;
      };
      expect(rewritten.format).toBe(2);
      expect(Object.keys(rewritten.entries)).toContain(headers);
    }
  });
});
