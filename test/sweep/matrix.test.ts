import { readFile } from "node:fs/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readCrawlerFiles } from "../../src/adapters/sweep-discovery.js";
import { loadTargets } from "../../src/adapters/targets-fs.js";
import { parseIdentity } from "../../src/core/identity.js";
import { archFromCrawlerPath, mapCrawlerList, parseCrawlerList } from "../../src/core/sweep/crawler.js";
import { buildMatrix, serialiseMatrix } from "../../src/core/sweep/matrix.js";
import { syntheticKernels, syntheticPolicy } from "../support/sweep-synthetic.js";

const FIX = "test/fixtures/sweep";

describe("kernel-crawler mapping", () => {
  it("maps Debian entries to uname -r from the headers URL, not the crawler's kernelrelease", async () => {
    const parsed = parseCrawlerList(JSON.parse(await readFile(`${FIX}/crawler/x86_64/list.json`, "utf8")));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const { candidates, unmapped } = mapCrawlerList(parsed.list, "x86_64");
    const debian = candidates
      .filter((c) => c.input.distro === "debian")
      .map((c) => [c.input.kernelRelease, c.input.distroVersion]);
    expect(debian).toEqual([
      ["6.1.0-18-amd64", "12"],
      ["6.1.0-18-cloud-amd64", "12"],
      ["5.10.0-28-amd64", "11"],
    ]);
    expect(candidates.find((c) => c.input.distro === "centos")?.input).toMatchObject({
      kernelRelease: "5.14.0-427.el9.x86_64",
      distroVersion: "9",
    });
    expect(candidates.find((c) => c.input.distro === "ubuntu")?.input).toMatchObject({
      distroVersion: "22.04",
    });
    expect(unmapped.map((u) => [u.key, u.reason.split(" ")[0]])).toEqual([
      ["debian", "no"],
      ["flatcar", "distro"],
    ]);
  });

  it("maps every family's crawler key by that family's rules: ol, opensuse, and Ubuntu series the old table missed", () => {
    const entry = (kernelrelease: string, headers: string[] = [], kernelversion = "1") => ({
      kernelversion,
      kernelrelease,
      target: "",
      headers,
    });
    const suse = "https://mirrors.edge.kernel.org/opensuse/distribution/leap/15.4/repo/oss";
    const { candidates, unmapped } = mapCrawlerList(
      {
        ol: [entry("5.15.0-105.125.6.2.el9uek.x86_64", [], "2"), entry("4.18.0-553.el8_10.x86_64")],
        opensuse: [
          entry("5.14.21-150400.22.1.x86_64", [
            `${suse}/x86_64/kernel-default-devel-5.14.21-150400.22.1.x86_64.rpm`,
          ]),
          entry("5.3.18-57.3.x86_64", [
            `${suse.replace("15.4", "15.3")}/x86_64/kernel-default-devel-5.3.18-57.3.x86_64.rpm`,
          ]),
          entry("6.14.4-1.1.x86_64", [
            "http://download.opensuse.org/tumbleweed/repo/oss/x86_64/kernel-default-devel-6.14.4-1.1.x86_64.rpm",
          ]),
        ],
        ubuntu: [entry("6.5.0-9-generic", [], "9"), entry("6.2.0-20-generic", [], "20")],
      },
      "x86_64",
    );
    expect(candidates.map((c) => [c.input.distro, c.input.distroVersion, c.input.kernelRelease])).toEqual([
      ["oraclelinux", "9", "5.15.0-105.125.6.2.el9uek.x86_64"],
      ["oraclelinux", "8", "4.18.0-553.el8_10.x86_64"],
      ["opensuse", "15.4", "5.14.21-150400.22-default"],
      ["opensuse", "15.3", "5.3.18-57-default"],
      ["ubuntu", "23.10", "6.5.0-9-generic"],
      ["ubuntu", "23.04", "6.2.0-20-generic"],
    ]);
    expect(unmapped.map((u) => [u.key, u.kernelrelease, u.reason])).toEqual([
      ["opensuse", "6.14.4-1.1.x86_64", "cannot tell the openSUSE Leap release of 6.14.4-1"],
    ]);
    for (const c of candidates) expect(parseIdentity(c.input).ok, JSON.stringify(c.input)).toBe(true);
  });

  it("rejects a file of the wrong shape with the path of the problem", () => {
    const r = parseCrawlerList({ debian: [{ kernelrelease: 5 }] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^debian\.0\.kernelrelease/);
  });

  it("reads the arch from the file path", () => {
    expect(archFromCrawlerPath("lists/x86_64/list.json")).toBe("x86_64");
    expect(archFromCrawlerPath("aarch64.json")).toBe("aarch64");
    expect(archFromCrawlerPath("list.json")).toBeUndefined();
  });
});

describe("matrix", () => {
  it("applies the targets policy and reports what it leaves out", async () => {
    const policy = await loadTargets(`${FIX}/targets`);
    const { kernels } = await readCrawlerFiles([
      `${FIX}/crawler/x86_64/list.json`,
      `${FIX}/crawler/aarch64/list.json`,
    ]);
    const { matrix, skipped } = buildMatrix(kernels, policy);
    expect(matrix.entries.map((e) => e.id)).toEqual([
      "centos/9/x86_64/5.14.0-427.el9.x86_64",
      "debian/11/x86_64/5.10.0-28-amd64",
      "debian/12/aarch64/6.1.0-18-arm64",
      "debian/12/x86_64/6.1.0-18-amd64",
      "debian/12/x86_64/6.1.0-18-cloud-amd64",
    ]);
    expect(skipped.map((s) => s.reason)).toEqual([
      "no targets file lists amazonlinux",
      "no targets file lists ubuntu",
    ]);
    const deb = matrix.entries.find((e) => e.id === "debian/12/x86_64/6.1.0-18-amd64")!;
    expect(deb.headers.kind === "files" && deb.headers.files.map((f) => `${f.name}=${f.version}`)).toEqual([
      "linux-headers-6.1.0-18-amd64=6.1.76-1",
      "linux-headers-6.1.0-18-common=6.1.76-1",
      "linux-kbuild-6.1=6.1.76-1",
    ]);
    expect(deb.compiler).toEqual({ family: "gcc", major: 12 });
  });

  it("builds end-of-life versions by default and leaves them out, with the reason, under excludeEol", async () => {
    const policy = await loadTargets();
    const kernels = [
      { distro: "debian", distroVersion: "11", kernelRelease: "5.10.0-28-amd64" },
      { distro: "debian", distroVersion: "12", kernelRelease: "6.1.0-18-amd64" },
      { distro: "centos", distroVersion: "7", kernelRelease: "3.10.0-1160.119.1.el7.x86_64" },
    ].map((input) => ({ input: { ...input, arch: "x86_64" }, headerFiles: [], source: "test" }));
    expect(buildMatrix(kernels, policy).matrix.entries.map((e) => e.id)).toEqual([
      "centos/7/x86_64/3.10.0-1160.119.1.el7.x86_64",
      "debian/11/x86_64/5.10.0-28-amd64",
      "debian/12/x86_64/6.1.0-18-amd64",
    ]);
    const { matrix, skipped } = buildMatrix(kernels, policy, { excludeEol: true });
    expect(matrix.entries.map((e) => e.id)).toEqual(["debian/12/x86_64/6.1.0-18-amd64"]);
    expect(skipped.map((s) => s.reason)).toEqual([
      "centos 7 is end-of-life (eol: 2024-06-30); --exclude-eol leaves it out",
      "debian 11 is end-of-life (eol: 2026-08-31 (LTS)); --exclude-eol leaves it out",
    ]);
  });

  it("honours flavours, minKernel, exclusions and pins", async () => {
    const policy = await loadTargets(`${FIX}/targets`);
    const k = (release: string, version = "12", arch = "x86_64") => ({
      input: { kernelRelease: release, distro: "debian", distroVersion: version, arch },
      headerFiles: [],
      source: "t",
    });
    const { matrix, skipped } = buildMatrix(
      [
        k("6.1.0-47-amd64"),
        k("5.10.0-28-cloud-amd64", "11"),
        k("6.1.0-50-amd64"),
        k("5.10.0-30-amd64", "11"),
      ],
      policy,
    );
    expect(matrix.entries.map((e) => e.id)).toEqual([
      "debian/11/x86_64/5.10.0-30-amd64",
      "debian/12/x86_64/6.1.0-50-amd64",
    ]);
    expect(skipped.map((s) => s.reason).sort()).toEqual([
      "6.1.0-47-amd64 is excluded by pattern 6.1.0-47-* of debian 12",
      "flavour cloud-amd64 is not a target flavour of debian 11 (amd64)",
    ]);
    const pinned = structuredClone(policy);
    const bookworm = pinned.files.find((f) => f.distro === "debian")!.versions[0]!;
    bookworm.minKernel = "6.2";
    bookworm.pins = ["6.1.0-50-amd64"];
    expect(
      buildMatrix([k("6.1.0-50-amd64"), k("6.1.0-51-amd64")], pinned).matrix.entries.map((e) => e.id),
    ).toEqual(["debian/12/x86_64/6.1.0-50-amd64"]);
    // Entries without known files carry a reference the build resolves through the targets/ chain.
    expect(matrix.entries[0]!.headers).toEqual({
      kind: "resolve",
      ref: "headers:debian/11/x86_64/5.10.0-30-amd64",
    });
  });

  it("is deterministic: any order and duplication of the inputs gives the same bytes", () => {
    const policy = syntheticPolicy();
    const kernels = syntheticKernels(40);
    const reference = serialiseMatrix(buildMatrix(kernels, policy).matrix);
    fc.assert(
      fc.property(fc.array(fc.nat(kernels.length - 1), { maxLength: 30 }), fc.integer(), (dups, seed) => {
        const shuffled = [...kernels, ...dups.map((i) => kernels[i]!)];
        let s = seed;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) & 0x7fffffff;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(serialiseMatrix(buildMatrix(shuffled, policy).matrix)).toBe(reference);
      }),
      { numRuns: 50 },
    );
  });

  it("changes the cache key when headers, compiler or module source change, and only then", () => {
    const policy = syntheticPolicy();
    const base = buildMatrix(syntheticKernels(4), policy).matrix.entries;
    const sameAgain = buildMatrix(syntheticKernels(4), policy).matrix.entries;
    expect(sameAgain.map((e) => e.cacheKey)).toEqual(base.map((e) => e.cacheKey));
    const newHeaders = buildMatrix(syntheticKernels(4, "2"), policy).matrix.entries;
    expect(newHeaders.every((e, i) => e.cacheKey !== base[i]!.cacheKey)).toBe(true);
    const newModule = buildMatrix(syntheticKernels(4), policy, { moduleDigest: "a".repeat(64) }).matrix
      .entries;
    expect(newModule.every((e, i) => e.cacheKey !== base[i]!.cacheKey)).toBe(true);
    const gcc13 = structuredClone(policy);
    gcc13.files[0]!.versions[0]!.compiler.defaultMajor = 13;
    expect(
      buildMatrix(syntheticKernels(4), gcc13).matrix.entries.every(
        (e, i) => e.cacheKey !== base[i]!.cacheKey,
      ),
    ).toBe(true);
    // A mirror move (same files, other URLs) keeps the keys of checksummed files.
    const moved = syntheticKernels(4).map((k) => ({
      ...k,
      headerFiles: k.headerFiles.map((f) =>
        f.sha256 ? { ...f, url: f.url.replace("mirror.test", "other.test") } : f,
      ),
    }));
    expect(buildMatrix(moved, policy).matrix.entries.map((e) => e.cacheKey)).toEqual(
      base.map((e) => e.cacheKey),
    );
  });
});
