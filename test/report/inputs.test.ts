import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readArtifactDirectory } from "../../src/adapters/artifact-dir.js";
import { loadReportInputs } from "../../src/adapters/report-inputs.js";
import { FsStateStore } from "../../src/adapters/state-fs.js";
import { commitOps, putMatrix } from "../../src/adapters/sweep-state.js";
import { buildMetadata, serialiseMetadata } from "../../src/core/verify/metadata.js";
import { syntheticMatrix } from "../support/report-synthetic.js";

const run = promisify(execFile);
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kmodforge-report-inputs-"));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const sha = (c: string) => c.repeat(64);

function metadataFor(kernelRelease: string, finishedAt: string) {
  return buildMetadata({
    artifactName: `hello_1.0_debian12_${kernelRelease}`.replace(/[^A-Za-z0-9._-]/g, "_"),
    identity: { distro: "debian", distroVersion: "12", arch: "x86_64", kernelRelease },
    package: { name: "hello", version: "1.0", kind: "kbuild" },
    driverVersion: "1.0",
    modules: [
      {
        name: "hello",
        file: "hello.ko.xz",
        sha256: sha("c"),
        size: 1000,
        location: ".",
        signed: false,
        checks: [{ check: "elf", ok: true, expected: "x86_64", actual: "x86_64" }],
      },
    ],
    compiler: { text: "gcc-12 (Debian 12.2.0-14) 12.2.0", kernelText: "gcc-12 (Debian 12.2.0-14) 12.2.0" },
    headerPackages: [
      {
        name: "linux-headers",
        version: "6.1.1-1",
        url: "http://mirror.test/h.deb",
        sha256: sha("d"),
        source: "apt:bookworm",
      },
    ],
    builder: { runner: "host", mode: "native" },
    cacheKey: sha("e"),
    signed: false,
    startedAt: "2025-05-01T10:00:00.000Z",
    finishedAt,
  });
}

async function writeArtifact(root: string, name: string, body: string) {
  await mkdir(join(root, name), { recursive: true });
  await writeFile(join(root, name, "metadata.json"), body);
}

describe("reading artifact directories", () => {
  it("summarises every valid metadata.json, reports invalid ones and passes over non-artifacts", async () => {
    const root = join(dir, "artifacts");
    await writeArtifact(
      root,
      "one",
      serialiseMetadata(metadataFor("6.1.0-1-amd64", "2025-05-01T10:01:30.000Z")),
    );
    await writeArtifact(root, "two", `{"schemaVersion": 1}`);
    await mkdir(join(root, "failed", "6.1.0-9-amd64-x86_64"), { recursive: true });
    const read = await readArtifactDirectory(root, { from: join(dir, "report") });
    expect(read.summaries).toEqual([
      {
        id: "debian/12/x86_64/6.1.0-1-amd64",
        url: "../artifacts/one/hello.ko.xz",
        sha256: sha("c"),
        compiler: "gcc-12 (Debian 12.2.0-14) 12.2.0",
        headerPackages: [
          {
            name: "linux-headers",
            version: "6.1.1-1",
            url: "http://mirror.test/h.deb",
            sha256: sha("d"),
            source: "apt:bookworm",
          },
        ],
        buildSeconds: 90,
        builtAt: "2025-05-01T10:01:30.000Z",
      },
    ]);
    expect(read.problems).toHaveLength(1);
    expect(read.problems[0]).toMatch(/two: metadata\.json: schemaVersion/);
    const published = await readArtifactDirectory(root, { from: dir, baseUrl: "https://dl.test/mods/" });
    expect(published.summaries[0]?.url).toBe("https://dl.test/mods/one/hello.ko.xz");
    await expect(readArtifactDirectory(join(dir, "missing"), { from: dir })).rejects.toThrow(
      /artifacts: cannot read/,
    );
  });
});

describe("reading the state for a report", () => {
  it("takes the newest generation and its matrix, and samples earlier generations for the coverage line", async () => {
    const store = new FsStateStore(join(dir, "state"));
    const matrix = syntheticMatrix(4);
    const key = await putMatrix(store, matrix);
    const at = (m: number) => new Date(Date.parse("2025-05-01T00:00:00Z") + m * 60_000).toISOString();
    await commitOps(
      store,
      [
        { op: "matrix", key },
        { op: "seen", ids: matrix.entries.map((e) => e.id), at: at(0) },
      ],
      {
        writer: "t",
      },
    );
    for (const [i, e] of matrix.entries.entries())
      await commitOps(
        store,
        [{ op: "result", id: e.id, cacheKey: e.cacheKey, at: at(i + 1), outcome: "built" }],
        {
          writer: "t",
        },
      );
    const all = await loadReportInputs(store, { historyLimit: 50, now: new Date(0) });
    expect(all.state.generation).toBe(5);
    expect(all.matrix?.entries).toHaveLength(4);
    expect(all.history.map((p) => [p.generation, p.counts.built, p.total])).toEqual([
      [1, 0, 4],
      [2, 1, 4],
      [3, 2, 4],
      [4, 3, 4],
    ]);
    const few = await loadReportInputs(store, { historyLimit: 3 });
    expect(few.history.map((p) => p.generation)).toEqual([1, 4]);
  });

  it("kmodforge report writes index.html, report.json and the Markdown summary, and prints one line", async () => {
    const store = new FsStateStore(join(dir, "state"));
    const matrix = syntheticMatrix(3);
    const key = await putMatrix(store, matrix);
    const now = new Date().toISOString();
    const [a, b] = matrix.entries;
    await commitOps(
      store,
      [
        { op: "matrix", key },
        { op: "seen", ids: matrix.entries.map((e) => e.id), at: now },
        { op: "result", id: a!.id, cacheKey: a!.cacheKey, at: now, outcome: "built" },
        {
          op: "result",
          id: b!.id,
          cacheKey: b!.cacheKey,
          at: now,
          outcome: "failed",
          reason: "compile-error",
          detail: "E",
        },
      ],
      { writer: "t" },
    );
    const out = join(dir, "report");
    const md = join(dir, "summary.md");
    await writeFile(md, "earlier step\n");
    const args = [
      "bin/kmodforge.js",
      "report",
      "--state",
      `file://${join(dir, "state")}`,
      "--out",
      out,
      "--markdown",
      md,
    ];
    const text = await run(process.execPath, [...args, "--quiet"]);
    expect(text.stdout).toBe(
      `report: 3 kernels, 1 built (33.3%), 1 failed, 0 headers unavailable, 0 excluded, 1 pending (generation 1) → ${join(out, "index.html")}\n`,
    );
    const json = JSON.parse((await run(process.execPath, [...args, "--json", "--quiet"])).stdout);
    expect(json).toMatchObject({ generation: 1, total: 3, built: 1, failed: 1, pending: 1, artifacts: 0 });
    const report = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
    expect(report.cells.map((c: { status: string }) => c.status)).toEqual(
      matrix.entries.map((e) => (e.id === a!.id ? "built" : e.id === b!.id ? "failed" : "pending")),
    );
    expect(await readFile(join(out, "index.html"), "utf8")).toMatch(/^<!doctype html>/);
    const summary = await readFile(md, "utf8");
    expect(summary.startsWith("earlier step\n## kmodforge coverage: 33.3% built (1 of 3 kernels)")).toBe(
      true,
    );
    const bad = await run(process.execPath, ["bin/kmodforge.js", "report", "--history", "0"]).catch((e) => e);
    expect(bad.code).toBe(2);
  });
});
