import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchPackage } from "../../src/adapters/package-cache.js";
import { type HttpClient, HttpFailure, type PackageCandidate } from "../../src/core/headers/types.js";
import { type FixtureServer, startFixtureServer } from "../support/fixture-server.js";

/**
 * The package cache over a real server: a redirected URL stores the file it leads to (never the redirect page), a
 * non-2xx answer stores nothing, whatever client hands it over.
 */

const RPM = Buffer.from("\xed\xab\xee\xdb the real rpm bytes", "latin1");
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
let server: FixtureServer;
const work = mkdtempSync(join(tmpdir(), "kmodforge-pkgcache-"));

beforeAll(async () => {
  server = await startFixtureServer({
    "/mirror/kernel-devel-6.8.9-300.fc40.x86_64.rpm": { body: RPM },
    "/gone/kernel-devel-6.8.9-300.fc40.x86_64.rpm": { fault: { kind: "status", status: 410 } },
    "/redirect/kernel-devel-6.8.9-300.fc40.x86_64.rpm": {
      fault: { kind: "redirect", location: "/mirror/kernel-devel-6.8.9-300.fc40.x86_64.rpm" },
    },
    "/redirect-to-gone/kernel-devel-6.8.9-300.fc40.x86_64.rpm": {
      fault: { kind: "redirect", location: "/gone/kernel-devel-6.8.9-300.fc40.x86_64.rpm" },
    },
  });
});
afterAll(() => server.close());

const candidate = (path: string, sha?: string): PackageCandidate => ({
  name: "kernel-devel",
  role: "headers",
  version: "6.8.9-300.fc40",
  packageArch: "x86_64",
  url: `${server.url}${path}/kernel-devel-6.8.9-300.fc40.x86_64.rpm`,
  ...(sha ? { sha256: sha } : {}),
  source: "explicit-url",
});
const filesUnder = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: "utf8" }) : [];

/** An HttpClient that reports redirects instead of following them: the cache must not trust what it is handed. */
const naiveClient: HttpClient = {
  async get(url) {
    const res = await fetch(url, { redirect: "manual" });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: {}, url };
  },
};

describe("package cache", () => {
  it("stores the file a redirect leads to, with --allow-unverified too", async () => {
    const dir = join(work, "unverified");
    const got = await fetchPackage(candidate("/redirect"), { cacheDir: dir, allowUnverified: true });
    expect(readFileSync(got.path)).toEqual(RPM);
    expect(got.sha256).toBe(sha256(RPM));
    expect(got.path).toBe(join(dir, sha256(RPM), "kernel-devel-6.8.9-300.fc40.x86_64.rpm"));
  });

  it("verifies a redirected download against its known checksum", async () => {
    const got = await fetchPackage(candidate("/redirect", sha256(RPM)), { cacheDir: join(work, "verified") });
    expect(readFileSync(got.path)).toEqual(RPM);
  });

  it("stores nothing when the redirect ends at a 410, and says not-found", async () => {
    const dir = join(work, "gone");
    const err = await fetchPackage(candidate("/redirect-to-gone"), {
      cacheDir: dir,
      allowUnverified: true,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpFailure);
    expect((err as HttpFailure).reason).toBe("not-found");
    expect(filesUnder(dir)).toEqual([]);
  });

  it("refuses a non-2xx answer even from a client that does not throw on it", async () => {
    const dir = join(work, "naive");
    const err = await fetchPackage(candidate("/redirect"), {
      cacheDir: dir,
      allowUnverified: true,
      http: naiveClient,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpFailure);
    expect((err as HttpFailure).status).toBe(302);
    expect(filesUnder(dir)).toEqual([]);
  });
  it("concurrent fetches of one package in one process (builds sharing a common package) all get the whole file", async () => {
    // The server answers all of them at once, so their writes finish together.
    const waiting: Array<() => void> = [];
    const together = 20;
    server.route("/together/kernel-devel-6.8.9-300.fc40.x86_64.rpm", {
      handler: (_req, res) =>
        new Promise<void>((done) => {
          waiting.push(() => {
            res.writeHead(200, { "content-length": String(RPM.length) }).end(RPM);
            done();
          });
          if (waiting.length === together) for (const answer of waiting) answer();
        }),
    });
    const dir = join(work, "together");
    const fetched = await Promise.allSettled(
      Array.from({ length: together }, () =>
        fetchPackage(candidate("/together", sha256(RPM)), { cacheDir: dir }),
      ),
    );
    expect(fetched.filter((f) => f.status === "rejected")).toEqual([]);
    expect(filesUnder(dir).sort()).toEqual([
      sha256(RPM),
      join(sha256(RPM), "kernel-devel-6.8.9-300.fc40.x86_64.rpm"),
    ]);
    expect(readFileSync(join(dir, sha256(RPM), "kernel-devel-6.8.9-300.fc40.x86_64.rpm"))).toEqual(RPM);
  });
});
