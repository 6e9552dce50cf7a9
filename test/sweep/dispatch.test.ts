import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGithubClient } from "../../src/adapters/github-client.js";
import { type DispatchOptions, dispatchChunks } from "../../src/adapters/github-dispatch.js";
import { FsStateStore } from "../../src/adapters/state-fs.js";
import { S3StateStore } from "../../src/adapters/state-s3.js";
import { putChunkSet, readState } from "../../src/adapters/sweep-state.js";
import { chunkEntries, formatChunkRef } from "../../src/core/sweep/chunk.js";
import { buildMatrix } from "../../src/core/sweep/matrix.js";
import { type FakeGithub, startFakeGithub } from "../support/github-fake.js";
import { type MotoServer, startMoto } from "../support/moto.js";
import { syntheticKernels, syntheticPolicy } from "../support/sweep-synthetic.js";

const FIX = "test/fixtures/sweep";
let gh: FakeGithub;
let dir: string;

beforeEach(async () => {
  gh = await startFakeGithub("acme", "drivers", "kmodforge-build.yml");
  dir = await mkdtemp(join(tmpdir(), "kmodforge-dispatch-"));
});
afterEach(async () => {
  await gh.close();
  await rm(dir, { recursive: true, force: true });
});

async function storedSet(n: number, size: number) {
  const store = new FsStateStore(dir);
  const set = chunkEntries(buildMatrix(syntheticKernels(n), syntheticPolicy()).matrix.entries, size);
  await putChunkSet(store, set);
  return { store, set };
}

async function options(owner: string, log: string[] = []): Promise<DispatchOptions> {
  return {
    client: await createGithubClient({
      token: "t",
      baseUrl: gh.url,
      retryBaseMs: 5,
      log: (l) => log.push(l),
    }),
    workflow: { owner: "acme", repo: "drivers", workflow: "kmodforge-build.yml", ref: "main" },
    stateUrl: `file://${dir}`,
    owner,
  };
}

describe("GitHub fan-out", () => {
  it("retries secondary rate limits, 429 and 5xx, and dispatches every chunk exactly once", async () => {
    const { store, set } = await storedSet(40, 4);
    gh.faults.push(
      { kind: "secondary-rate-limit", retryAfter: 1 },
      { kind: "rate-limit-429", retryAfter: 1 },
      { kind: "server-error", status: 502 },
      { kind: "server-error", status: 500 },
    );
    const log: string[] = [];
    const report = await dispatchChunks(store, set.setId, set.pages.flat(), await options("run-1", log));
    expect(report.failed).toEqual([]);
    const refs = set.chunks.map((c) => formatChunkRef({ key: `chunks/${set.setId}`, index: c.index }));
    expect(report.dispatched).toEqual(set.pages.flat());
    expect(gh.accepted).toEqual(refs);
    expect(gh.received.length).toBe(refs.length + 4);
    expect(log.some((l) => l.includes("secondary rate limit"))).toBe(true);

    // A re-run finds every chunk in the ledger and sends nothing.
    const again = await dispatchChunks(store, set.setId, set.pages.flat(), await options("run-2"));
    expect(again.alreadyDone).toEqual(set.pages.flat());
    expect(gh.received.length).toBe(refs.length + 4);
  });

  it("racing dispatchers dispatch each chunk once between them", async () => {
    const { store, set } = await storedSet(16, 2);
    const reports = await Promise.all(
      [1, 2, 3, 4].map(async (i) =>
        dispatchChunks(store, set.setId, set.pages.flat(), await options(`racer-${i}`)),
      ),
    );
    expect(gh.accepted).toHaveLength(set.chunks.length);
    expect(new Set(gh.accepted).size).toBe(set.chunks.length);
    expect(reports.reduce((n, r) => n + r.dispatched.length, 0)).toBe(set.chunks.length);
  });

  it("releases the claim of a refused dispatch so a later run retries it", async () => {
    const { store, set } = await storedSet(8, 4);
    gh.faults.push({ kind: "unprocessable" });
    const first = await dispatchChunks(store, set.setId, [0, 1], await options("run-1"));
    expect(first.failed.map((f) => f.index)).toEqual([0]);
    expect(first.dispatched).toEqual([1]);
    const second = await dispatchChunks(store, set.setId, [0, 1], await options("run-2"));
    expect(second.failed).toEqual([]);
    expect(second.dispatched).toEqual([0]);
    expect(second.alreadyDone).toEqual([1]);
    expect([...gh.accepted].sort()).toEqual(
      set.chunks.map((c) => formatChunkRef({ key: `chunks/${set.setId}`, index: c.index })).sort(),
    );
  });
});

describe("kmodforge sweep against S3 (moto) and GitHub, killed mid-dispatch", () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
    await moto.createBucket("sweeps");
  }, 60_000);
  afterAll(async () => moto?.stop());

  function cli(args: string[], onStderr?: (text: string) => void) {
    const child = spawn(process.execPath, ["bin/kmodforge.js", ...args], {
      env: {
        ...process.env,
        GITHUB_TOKEN: "t",
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        AWS_REGION: "us-east-1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr);
    });
    const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on("exit", (code) => resolve({ code, stdout, stderr })),
    );
    return { child, done };
  }

  it("resumes without dispatching any chunk twice", async () => {
    const args = [
      "sweep",
      "--targets",
      `${FIX}/targets`,
      "--kernels",
      `${FIX}/crawler/x86_64/list.json`,
      "--kernels",
      `${FIX}/crawler/aarch64/list.json`,
      "--state",
      "s3://sweeps/nightly",
      "--s3-endpoint",
      moto.endpoint,
      "--size",
      "1",
      "--executor",
      "github",
      "--repo",
      "acme/drivers",
      "--github-api",
      gh.url,
      "--github-retry-base-ms",
      "5",
      "--json",
    ];
    // First run: GitHub never answers the third dispatch; the sweep is killed while it waits.
    const hangAt = 2;
    let killed = false;
    gh.faults.push(...Array.from({ length: hangAt }, () => ({ kind: "ok" }) as const), { kind: "hang" });
    const first = cli(args);
    const hangWatch = setInterval(() => {
      if (gh.received.length > hangAt && !killed) {
        killed = true;
        first.child.kill("SIGKILL");
      }
    }, 20);
    const r1 = await first.done;
    clearInterval(hangWatch);
    expect(killed).toBe(true);
    expect(r1.code).not.toBe(0);
    expect(gh.accepted).toHaveLength(hangAt);

    // Second run: the same chunk set; dispatched chunks are skipped, the one in flight at the kill is in doubt.
    const r2 = await cli([...args, "--lease-seconds", "0"]).done;
    expect(r2.code).toBe(0);
    const s2 = JSON.parse(r2.stdout);
    expect(s2.alreadyDone).toBe(hangAt);
    expect(s2.inDoubt).toBe(1);
    expect(s2.chunks).toBe(5);
    expect(new Set(gh.accepted).size).toBe(gh.accepted.length);
    expect(gh.accepted).toHaveLength(4);

    // Third run, told to re-dispatch in-doubt chunks (GitHub never accepted it): the last chunk goes out once.
    const r3 = await cli([...args, "--lease-seconds", "0", "--redispatch-in-doubt"]).done;
    expect(r3.code).toBe(0);
    expect(JSON.parse(r3.stdout)).toMatchObject({ dispatched: 1, alreadyDone: 4 });
    expect(gh.accepted).toHaveLength(5);
    expect(new Set(gh.accepted).size).toBe(5);
    const store = new S3StateStore({
      bucket: "sweeps",
      prefix: "nightly",
      endpoint: moto.endpoint,
      credentials: moto.credentials,
    });
    const state = await readState(store);
    expect(Object.values(state.entries).map((e) => e.status)).toEqual(Array(5).fill("pending"));

    // A fourth run has nothing new to build and dispatches nothing.
    const before = gh.received.length;
    const r4 = JSON.parse((await cli(args).done).stdout);
    expect(r4).toMatchObject({ scheduled: 0, chunks: 0, dispatched: 0 });
    expect(gh.received.length).toBe(before);
    store.destroy();
  }, 120_000);
});
