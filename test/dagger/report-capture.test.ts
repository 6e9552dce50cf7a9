import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CapturedStep, type FakeSession, fakeId, startFakeSession } from "./support/fake-session.js";

/**
 * Drives `Kmodforge.report` through the SDK's real send path against a fake session server: the function is the
 * CLI's `report` in the CLI container, reading an artifact store's index with only the credentials it needs.
 */

let session: FakeSession;
const calls: Record<string, CapturedStep[]> = {};
let refused: unknown;

beforeAll(async () => {
  session = await startFakeSession((leaf, chain) => (leaf === "id" ? fakeId(chain) : null));
  process.env.DAGGER_SESSION_PORT = String(session.port);
  process.env.DAGGER_SESSION_TOKEN = session.token;
  const { connection, dag } = await import("@dagger.io/dagger");
  const { Kmodforge } = await import("../../src/index.js");
  await connection(async () => {
    const k = new Kmodforge();
    const token = dag.setSecret("token", "t");
    const aws = dag.setSecret("aws", "a");
    const cases = [
      ["github", "s3://state/kmod", "github:acme/drivers"],
      ["s3", "s3://state/kmod", "s3://artifacts/kmod"],
      ["none", "s3://state/kmod", undefined],
    ] as const;
    for (const [name, state, store] of cases) {
      const before = session.captured.length;
      await k.report(state, undefined, undefined, "http://minio:9000", aws, aws, store, token).id();
      calls[name] = session.captured.slice(before).at(-1)?.chain ?? [];
    }
    try {
      k.report("s3://state/kmod", undefined, undefined, undefined, aws, aws, "file:///tmp/store");
    } catch (err) {
      refused = err;
    }
  });
}, 60_000);

afterAll(async () => session?.close());

const args = (chain: CapturedStep[], field: string) =>
  chain.filter((s) => s.field === field).map((s) => s.args);
const exec = (name: string) => args(calls[name] ?? [], "withExec").at(-1)?.args as string[];

describe("the report function", () => {
  it("reads a GitHub store's index with the GitHub token, keeping the S3 state store's credentials", () => {
    expect(exec("github")).toEqual([
      "node",
      "/kmodforge/bin/kmodforge.js",
      "report",
      "--state",
      "s3://state/kmod",
      "--out",
      "/tmp/report",
      "--markdown",
      "/tmp/report/summary.md",
      "--store",
      "github:acme/drivers",
      "--s3-endpoint",
      "http://minio:9000",
    ]);
    expect(args(calls.github ?? [], "withSecretVariable").map((a) => a.name)).toEqual([
      "GITHUB_TOKEN",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
    ]);
  });

  it("passes no GitHub token for an S3 store, and no --store without one", () => {
    expect(exec("s3")).toEqual(expect.arrayContaining(["--store", "s3://artifacts/kmod"]));
    expect(args(calls.s3 ?? [], "withSecretVariable").map((a) => a.name)).not.toContain("GITHUB_TOKEN");
    expect(exec("none")).not.toContain("--store");
    expect(args(calls.none ?? [], "withSecretVariable").map((a) => a.name)).not.toContain("GITHUB_TOKEN");
  });

  it("refuses a file:// store and says to run kmodforge report on the host", () => {
    expect(String(refused)).toMatch(
      /would stay inside the function's container.*kmodforge report on the host/,
    );
  });
});
