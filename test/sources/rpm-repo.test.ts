import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { livepatchKernelsFromRepo } from "../../src/adapters/sources/livepatch-kernels.js";
import { createRpmRepoLink } from "../../src/adapters/sources/rpm-repo.js";
import { createVaultLink } from "../../src/adapters/sources/vault.js";
import type { ResolveContext } from "../../src/core/headers/types.js";
import { type FixtureServer, startFixtureServer } from "../support/fixture-server.js";
import { context, develSpec, FIXTURES, identity, request, serveTree } from "../support/source-fixtures.js";

let server: FixtureServer;
let ctx: ResolveContext;
let base: string;

beforeAll(async () => {
  server = await startFixtureServer();
  serveTree(server, join(FIXTURES, "rpm-repo"), "/rpm", {
    "http://amazonlinux.us-east-1.amazonaws.com": "/rpm/amazonlinux",
    "https://cdn.amazonlinux.com": "/rpm",
  });
  ctx = await context();
  base = `${server.url}/rpm`;
});
afterAll(() => server.close());

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function fetchAndCheck(url: string, expected: string | undefined): Promise<boolean> {
  const res = await ctx.http.get(url);
  return expected !== undefined && sha256(res.body) === expected;
}

describe("rpm-repo link against real-format repositories", () => {
  const cases = [
    {
      distro: "fedora",
      ver: "40",
      kr: "6.8.9-300.fc40.x86_64",
      repo: "fedora/updates/$releasever/Everything/$basearch/",
      path: "fedora/updates/40/Everything/x86_64/Packages/k/kernel-devel-6.8.9-300.fc40.x86_64.rpm",
    },
    {
      distro: "centos",
      ver: "9",
      kr: "5.14.0-427.el9.x86_64",
      repo: "centos-stream/$releasever-stream/AppStream/$basearch/os/",
      path: "centos-stream/9-stream/AppStream/x86_64/os/Packages/k/kernel-devel-5.14.0-427.el9.x86_64.rpm",
    },
    {
      distro: "almalinux",
      ver: "9",
      kr: "5.14.0-427.13.1.el9_4.aarch64",
      repo: "almalinux/9.4/AppStream/$basearch/os/",
      path: "almalinux/9.4/AppStream/aarch64/os/Packages/k/kernel-devel-5.14.0-427.13.1.el9_4.aarch64.rpm",
    },
  ] as const;
  for (const c of cases) {
    it(`finds kernel-devel for ${c.distro} ${c.kr} with the sha256 the primary index records`, async () => {
      const arch = c.kr.endsWith("aarch64") ? "aarch64" : "x86_64";
      const req = request(identity(c.distro, c.ver, c.kr, arch), [develSpec()]);
      const out = await createRpmRepoLink().resolve(
        { kind: "rpm-repo", baseurls: [`${base}/${c.repo}`], mirrorlists: [] },
        req,
        ctx,
      );
      expect(out.misses).toEqual([]);
      expect(out.found).toHaveLength(1);
      const f = out.found[0]!;
      expect(f.url).toBe(`${base}/${c.path}`);
      expect(f.version).toBe(c.kr.replace(/\.(x86_64|aarch64)$/, ""));
      expect(f.packageArch).toBe(arch);
      expect(f.source).toBe(`rpm-repo:127.0.0.1:${server.port}`);
      expect(await fetchAndCheck(f.url, f.sha256)).toBe(true);
    });
  }

  it("finds a variant devel package (kernel-rt-devel) of the same build", async () => {
    const req = request(identity("centos", "9", "5.14.0-427.el9.x86_64"), [develSpec("kernel-rt-devel")]);
    const out = await createRpmRepoLink().resolve(
      {
        kind: "rpm-repo",
        baseurls: [`${base}/centos-stream/9-stream/AppStream/x86_64/os/`],
        mirrorlists: [],
      },
      req,
      ctx,
    );
    expect(out.found[0]?.url).toBe(
      `${base}/centos-stream/9-stream/AppStream/x86_64/os/Packages/k/kernel-rt-devel-5.14.0-427.el9.x86_64.rpm`,
    );
  });

  it("reads Amazon Linux 2 through mirror.list ($basearch) and resolves ../ segments into the blob store", async () => {
    const req = request(identity("amazonlinux", "2", "5.10.210-201.852.amzn2.x86_64"), [
      develSpec(),
      { name: "gcc10", role: "compiler", arch: "host" },
    ]);
    const link = {
      kind: "rpm-repo" as const,
      baseurls: [],
      mirrorlists: [
        `${base}/amazonlinux/2/extras/kernel-5.10/latest/$basearch/mirror.list`,
        `${base}/amazonlinux/2/core/2.0/$basearch/mirror.list`,
      ],
    };
    const out = await createRpmRepoLink().resolve(link, req, ctx);
    const devel = out.found.find((f) => f.name === "kernel-devel")!;
    expect(devel.url).toBe(
      `${base}/amazonlinux/2/blobstore/8b1e6a0ad9f3f0b33e9ac4fd3c4b0bbd8a3f52c1bb53b7ed4b1b2d3c0e5f6a7b/kernel-devel-5.10.210-201.852.amzn2.x86_64.rpm`,
    );
    expect(await fetchAndCheck(devel.url, devel.sha256)).toBe(true);
    // gcc10 is unpinned: the highest EVR wins, found after the 5.10 repository does not carry it.
    const gcc = out.found.find((f) => f.name === "gcc10")!;
    expect(gcc.version).toBe("10.5.0-1.amzn2.0.2");
    // The core repository of this fixture publishes only primary_db (primary.sqlite.bz2), read with sqlite3.
    expect(server.requests.some((r) => r.endsWith("-primary.sqlite.bz2"))).toBe(true);
    expect(await fetchAndCheck(gcc.url, gcc.sha256)).toBe(true);
    expect(out.misses).toEqual([expect.objectContaining({ package: "gcc10", reason: "not-found" })]);
  });

  it("walks AL2023 releasevers in order: latest misses, the date-stamped release has the kernel", async () => {
    const link = {
      kind: "rpm-repo" as const,
      baseurls: [],
      mirrorlists: [`${base}/al2023/core/mirrors/$releasever/$basearch/mirror.list`],
      releasevers: ["latest", "2023.3.20240312"],
    };
    const req = request(identity("amazonlinux", "2023", "6.1.79-99.167.amzn2023.x86_64"), [develSpec()]);
    const out = await createRpmRepoLink().resolve(link, req, ctx);
    expect(out.found[0]?.url).toBe(
      `${base}/al2023/core/guids/9e2c4d1b7a6f3e05/x86_64/Packages/k/kernel-devel-6.1.79-99.167.amzn2023.x86_64.rpm`,
    );
    expect(out.misses.map((m) => m.reason)).toEqual(["not-found"]);
    const r612 = request(identity("amazonlinux", "2023", "6.12.58-82.121.amzn2023.x86_64"), [
      develSpec("kernel6.12-devel"),
    ]);
    const out612 = await createRpmRepoLink().resolve(link, r612, ctx);
    expect(out612.found[0]?.name).toBe("kernel6.12-devel");
    expect(out612.found[0]?.url).toContain(
      "/guids/4b1a6f3c0d2e9a87/x86_64/Packages/k/kernel6.12-devel-6.12.58-82.121.amzn2023.x86_64.rpm",
    );
  });

  it("vault: the minor comes from el9_5", async () => {
    const req = request(identity("rocky", "9", "5.14.0-503.14.1.el9_5.x86_64"), [develSpec()]);
    const link = {
      kind: "vault" as const,
      baseurls: [`${base}/rocky/vault/rocky/$releasever/AppStream/$basearch/os/`],
      minors: [],
    };
    const vault = createVaultLink();
    expect(vault.plan(link, req, { hostAptMirrors: [] }).map((p) => p.url)).toEqual([
      `${base}/rocky/vault/rocky/9.5/AppStream/x86_64/os/repodata/repomd.xml`,
    ]);
    const out = await vault.resolve(link, req, ctx);
    expect(out.found[0]?.url).toBe(
      `${base}/rocky/vault/rocky/9.5/AppStream/x86_64/os/Packages/k/kernel-devel-5.14.0-503.14.1.el9_5.x86_64.rpm`,
    );
    expect(out.found[0]?.source).toMatch(/^vault:/);
    expect(await fetchAndCheck(out.found[0]!.url, out.found[0]!.sha256)).toBe(true);
  });

  it("a kernel absent from every repository is a not-found miss per repository", async () => {
    const req = request(identity("fedora", "40", "6.9.1-200.fc40.x86_64"), [develSpec()]);
    const out = await createRpmRepoLink().resolve(
      {
        kind: "rpm-repo",
        baseurls: [`${base}/fedora/updates/$releasever/Everything/$basearch/`, `${base}/nowhere/`],
        mirrorlists: [],
      },
      req,
      ctx,
    );
    expect(out.found).toEqual([]);
    expect(out.misses.map((m) => m.reason)).toEqual(["not-found", "not-found"]);
  });
});

describe("Amazon Linux live patches as a kernel index", () => {
  it("lists the kernels an AL2023 repository carries live patches for", async () => {
    const out = await livepatchKernelsFromRepo(
      ctx,
      `${base}/al2023/core/guids/9e2c4d1b7a6f3e05/x86_64/`,
      "x86_64",
    );
    expect(out).toEqual({ ok: true, kernels: ["6.1.79-99.167.amzn2023.x86_64"] });
    const missing = await livepatchKernelsFromRepo(ctx, `${base}/nowhere/`, "x86_64");
    expect(missing).toEqual(expect.objectContaining({ ok: false, reason: "not-found" }));
  });
});
