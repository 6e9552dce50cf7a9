import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrivateApt } from "../../src/adapters/private-apt.js";
import { FsStateStore } from "../../src/adapters/state-fs.js";
import { getChunk, readState } from "../../src/adapters/sweep-state.js";
import { parseChunkRef } from "../../src/core/sweep/chunk.js";
import { SWEEP_APT_CACHE, writeBookwormTargets } from "../support/cli.js";
import { CONTAINER_BUILDS, requireOrSkip } from "../support/prerequisites.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");

/** Releases of every arch-specific `linux-headers-<X.Y.Z…>-amd64` package apt lists (line metapackages excluded). */
async function listedReleases(apt: PrivateApt): Promise<Set<string>> {
  const release = /^linux-headers-(\d+\.\d+\.\d+[A-Za-z0-9.+~-]*-amd64)$/;
  const names = await apt.names("^linux-headers-[0-9]");
  return new Set(names.flatMap((n) => release.exec(n)?.[1] ?? []));
}

/**
 * A real sweep over Debian's archive (the host's mirror): discovery → matrix → diff → chunks, then a second sweep
 * that finds nothing new. Lists are cached under $KMODFORGE_TEST_CACHE/sweep-apt between runs.
 */
describe("real sweep over Debian 12 (host apt mirror)", () => {
  const cache = SWEEP_APT_CACHE;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kmodforge-debian-sweep-"));
    await writeBookwormTargets(dir);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const sweep = async (extra: string[]) => {
    const args = [
      join(ROOT, "bin/kmodforge.js"),
      "sweep",
      "--debian",
      "--targets",
      join(dir, "targets"),
      "--apt-root",
      cache,
      "--state",
      `file://${dir}/state`,
      "--size",
      "2",
      "--json",
      "--quiet",
      ...(extra.includes("--executor") ? [] : ["--executor", "none"]),
      ...extra,
    ];
    const r = await run(process.execPath, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(r.stdout);
  };

  it("discovers every bookworm kernel with signed header files, chunks the work, and is idempotent", async () => {
    const first = await sweep([]);
    // One entry per kernel release whose headers the archive lists today, in any pocket of bookworm (apt's own
    // search over the same signed lists the sweep read): how many there are changes as the archive moves on.
    const listed = await listedReleases(new PrivateApt(cache, "12", "x86_64"));
    expect(listed.size).toBeGreaterThan(0);
    expect(first.entries).toBe(listed.size);
    expect(first).toMatchObject({
      generation: 0,
      added: first.entries,
      scheduled: first.entries,
      chunks: Math.ceil(first.entries / 2),
    });
    const store = new FsStateStore(join(dir, "state"));
    const chunk = await getChunk(store, parseChunkRef(first.chunkRefs[0])!);
    expect(chunk.entries).toHaveLength(2);
    for (const e of chunk.entries) {
      expect(listed).toContain(e.id.replace(/^debian\/12\/x86_64\//, ""));
      expect(e.headers.kind).toBe("files");
      if (e.headers.kind === "files") {
        expect(e.headers.files.map((f) => f.name.replace(/-\d.*$/, ""))).toEqual([
          "linux-headers",
          "linux-headers",
          "linux-kbuild",
        ]);
        expect(e.headers.files.every((f) => f.sha256 && f.url.startsWith("http"))).toBe(true);
      }
    }
    const state = await readState(store);
    expect(Object.keys(state.entries)).toHaveLength(first.entries);

    const second = await sweep([]);
    expect(second).toMatchObject({
      generation: 1,
      added: 0,
      changed: 0,
      removed: 0,
      pending: first.entries,
      scheduled: 0,
      chunks: 0,
    });
    const limited = await sweep(["--force", "--limit", "2"]);
    expect(limited).toMatchObject({ scheduled: 2, chunks: 1 });
  }, 300_000);

  it("builds one chunk of two kernels end to end on this host", async () => {
    const r = await sweep([
      "--force",
      "--limit",
      "2",
      "--executor",
      "host",
      "--module-dir",
      join(ROOT, "test/fixtures/sweep/hello-module"),
      "--artifacts",
      join(dir, "artifacts"),
    ]);
    expect(r).toMatchObject({ scheduled: 2, built: 2, failed: 0 });
  }, 900_000);
});

/**
 * `sweep --executor auto` over every Debian version kmodforge targets, on both arches: each entry is built where it
 * can be — this Debian 12 host for Debian 12, the version's builder image for 11 (gcc-10) and 13 (gcc-14) — so no
 * entry fails for want of a compiler. One kernel per version and arch keeps it short; bench/ sweeps them all.
 */
describe("sweep --executor auto over Debian 11, 12 and 13 on both arches", () => {
  const cache = SWEEP_APT_CACHE;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kmodforge-auto-sweep-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  for (const version of ["11", "12", "13"])
    for (const arch of ["x86_64", "aarch64"])
      it(`debian ${version} ${arch}`, async (ctx) => {
        requireOrSkip(ctx, ...CONTAINER_BUILDS);
        const args = [
          join(ROOT, "bin/kmodforge.js"),
          "sweep",
          "--debian",
          "--apt-root",
          cache,
          "--state",
          `file://${dir}/state`,
        ];
        args.push(
          "--executor",
          "auto",
          "--only",
          `debian/${version}/${arch}/*`,
          "--limit",
          "1",
          "--jobs",
          "1",
        );
        args.push("--artifacts", join(dir, "artifacts"), "--json", "--quiet");
        const r = JSON.parse(
          (await run(process.execPath, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 })).stdout,
        );
        expect(r, JSON.stringify(r.failures)).toMatchObject({ scheduled: 1, built: 1, failed: 0 });
        const state = await readState(new FsStateStore(join(dir, "state")));
        const built = Object.entries(state.entries).filter(
          ([id, e]) => id.startsWith(`debian/${version}/${arch}/`) && e.status === "built",
        );
        expect(built).toHaveLength(1);
        const metadata = JSON.parse(await readFile(join(built[0]![1].artifact!, "metadata.json"), "utf8"));
        expect(metadata.builder.runner).toBe(version === "12" ? "host" : "container");
      }, 1_800_000);
});
