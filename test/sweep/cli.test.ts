import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { matrixSchema } from "../../src/core/sweep/types.js";
import { kmodforge } from "../support/cli.js";

const FIX = "test/fixtures/sweep";
const KERNELS = [`${FIX}/crawler/x86_64/list.json`, `${FIX}/crawler/aarch64/list.json`];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kmodforge-cli-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe("kmodforge matrix / chunk / diff / sweep", () => {
  it("matrix --targets <dir> --kernels <crawler.json>… --out <file>", async () => {
    const out = join(dir, "matrix.json");
    const r = await kmodforge([
      "matrix",
      "--targets",
      `${FIX}/targets`,
      "--kernels",
      ...KERNELS,
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^matrix: 5 entries/);
    expect(r.stderr).toContain("crawler: 7 entries mapped, 2 unmappable");
    const matrix = matrixSchema.parse(JSON.parse(await readFile(out, "utf8")));
    expect(matrix.entries).toHaveLength(5);
    // Same inputs, same bytes.
    const again = join(dir, "matrix-again.json");
    await kmodforge([
      "matrix",
      "--targets",
      `${FIX}/targets`,
      "--kernels",
      ...[...KERNELS].reverse(),
      "--out",
      again,
      "--quiet",
    ]);
    expect(await readFile(again, "utf8")).toBe(await readFile(out, "utf8"));
  });

  it("chunk --matrix <file> --size <n> --out-dir <dir> --json", async () => {
    const outDir = join(dir, "chunks");
    const r = await kmodforge([
      "chunk",
      "--matrix",
      join(dir, "matrix.json"),
      "--size",
      "2",
      "--out-dir",
      outDir,
      "--json",
    ]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    const files = (await readdir(outDir)).sort();
    expect(files).toEqual(["chunk-000000.json", "chunk-000001.json", "chunk-000002.json"]);
    const sizes = await Promise.all(files.map(async (f) => (await stat(join(outDir, f))).size));
    expect(summary).toMatchObject({
      chunkCount: 3,
      pageCount: 1,
      entries: 5,
      largestChunkBytes: Math.max(...sizes),
    });
    expect(
      (await kmodforge(["chunk", "--matrix", join(dir, "matrix.json"), "--size", "257", "--json"])).code,
    ).toBe(2);
  });

  it("diff reports every entry as added against an empty state", async () => {
    const r = await kmodforge([
      "diff",
      "--matrix",
      join(dir, "matrix.json"),
      "--state",
      `file://${dir}/state`,
      "--json",
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ generation: 0, added: 5, changed: 0, removed: 0, work: 5 });
  });

  it("sweep prints a GitLab child pipeline, then finds nothing new; --force schedules everything again", async () => {
    const base = [
      "sweep",
      "--executor",
      "none",
      "--targets",
      `${FIX}/targets`,
      "--kernels",
      KERNELS[0]!,
      "--kernels",
      KERNELS[1]!,
      "--state",
      `file://${dir}/state`,
      "--size",
      "2",
      "--quiet",
    ];
    const first = await kmodforge([...base, "--format", "gitlab"]);
    expect(first.code).toBe(0);
    const doc = parseYaml(first.stdout);
    const jobs = Object.keys(doc).filter((k) => k.startsWith("build-chunk-"));
    expect(jobs).toHaveLength(3);
    expect(doc[jobs[0]!].variables.KMODFORGE_STATE).toBe(`file://${dir}/state`);
    const second = JSON.parse((await kmodforge([...base, "--json"])).stdout);
    expect(second).toMatchObject({ generation: 1, added: 0, pending: 5, scheduled: 0, chunks: 0 });
    const forced = JSON.parse((await kmodforge([...base, "--json", "--force"])).stdout);
    expect(forced).toMatchObject({ scheduled: 5, chunks: 3 });
    const gh = JSON.parse((await kmodforge([...base, "--force", "--format", "github-matrix"])).stdout);
    expect(gh.include).toHaveLength(3);
    expect(gh.include[0].chunk).toMatch(/^chunks\/[0-9a-f]{32}#0$/);
  });

  it("rejects bad input with exit code 2", async () => {
    expect(
      (
        await kmodforge([
          "matrix",
          "--targets",
          `${FIX}/targets`,
          "--kernels",
          `${FIX}/targets/debian.yaml`,
          "--out",
          join(dir, "x.json"),
        ])
      ).code,
    ).toBe(2);
    expect((await kmodforge(["sweep", "--targets", `${FIX}/targets`, "--state", "ftp://x/y"])).code).toBe(2);
  });

  it("enumerated options refuse a typo before any work, naming the choices (exit 2)", async () => {
    const cases: Array<[string[], string]> = [
      [["chunk", "--matrix", join(dir, "none.json"), "--format", "jsn"], "github-matrix, gitlab, json"],
      [["sweep", "--executor", "lcoal"], "auto, host, container, local, github, none"],
      [["sweep", "--format", "github"], "github-matrix, gitlab, json"],
      [["build", "--executor", "docker", "--kernel", "6.1.0-18-amd64"], "auto, host, container"],
    ];
    for (const [args, choices] of cases) {
      const r = await kmodforge(args);
      expect([args.join(" "), r.code, r.stdout]).toEqual([args.join(" "), 2, ""]);
      expect(r.stderr).toContain(`Allowed choices are ${choices}.`);
    }
  });
});
