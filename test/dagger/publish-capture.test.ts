import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CapturedStep,
  type FakeSession,
  fakeId,
  startFakeSession,
  withModule,
} from "./support/fake-session.js";

/**
 * Drives the functions that talk to an artifact store — `Kmodforge.publish` and `Kmodforge.report` — through the
 * SDK's real send path against a fake session server: each is the CLI's command in the CLI container, with the
 * signing key as a mounted secret and only the store's own credentials.
 */

let session: FakeSession;
const calls: Record<string, CapturedStep[]> = {};
const reports: Record<string, CapturedStep[]> = {};
let refused: unknown;
let reportRefused: unknown;

beforeAll(async () => {
  session = await startFakeSession((leaf, chain) => {
    if (leaf === "id") return fakeId(chain);
    if (leaf === "stdout") return '{"published":[]}\n';
    return null;
  });
  await withModule(session, async (k, dag) => {
    const artifacts = dag.directory();
    const key = dag.setSecret("index-key", "pem");
    const token = dag.setSecret("token", "t");
    const aws = dag.setSecret("aws", "a");
    for (const [name, store, args] of [
      ["github", "github:acme/drivers", [key, undefined, token, aws, aws]],
      ["s3", "s3://bucket/kmod", [undefined, "http://minio:9000", token, aws, aws]],
    ] as const) {
      const before = session.captured.length;
      const [signKey, endpoint, gh, id, secret] = args;
      expect(await k.publish(artifacts, store, name === "s3", signKey, endpoint, gh, id, secret)).toBe(
        '{"published":[]}\n',
      );
      calls[name] = session.captured.slice(before).at(-1)?.chain ?? [];
    }
    refused = await k.publish(artifacts, "file:///tmp/store").catch((e: unknown) => e);

    for (const [name, store] of [
      ["github", "github:acme/drivers"],
      ["s3", "s3://artifacts/kmod"],
      ["none", undefined],
    ] as const) {
      const before = session.captured.length;
      await k
        .report("s3://state/kmod", undefined, undefined, "http://minio:9000", aws, aws, store, token)
        .id();
      reports[name] = session.captured.slice(before).at(-1)?.chain ?? [];
    }
    try {
      k.report("s3://state/kmod", undefined, undefined, undefined, aws, aws, "file:///tmp/store");
    } catch (err) {
      reportRefused = err;
    }
  });
}, 60_000);

afterAll(async () => session?.close());

const args = (chain: CapturedStep[], field: string) =>
  chain.filter((s) => s.field === field).map((s) => s.args);

describe("the publish function", () => {
  it("runs kmodforge publish on the artifacts with the signing key mounted as a secret", () => {
    const chain = calls.github ?? [];
    const execs = args(chain, "withExec").map((a) => a.args as string[]);
    expect(execs.at(-1)).toEqual([
      "node",
      "/kmodforge/bin/kmodforge.js",
      "publish",
      "--from",
      "/artifacts",
      "--store",
      "github:acme/drivers",
      "--json",
      "--quiet",
      "--sign-key",
      "/run/secrets/kmodforge-index-key",
    ]);
    expect(args(chain, "withDirectory").map((a) => a.path)).toContain("/artifacts");
    expect(args(chain, "withMountedSecret")).toEqual([
      expect.objectContaining({ path: "/run/secrets/kmodforge-index-key" }),
    ]);
    // A GitHub store gets the GitHub token and no AWS credentials.
    expect(args(chain, "withSecretVariable").map((a) => a.name)).toEqual(["GITHUB_TOKEN"]);
  });

  it("passes S3 credentials, the endpoint and --force for an S3 store", () => {
    const chain = calls.s3 ?? [];
    const exec = args(chain, "withExec").at(-1)?.args as string[];
    expect(exec).toEqual(expect.arrayContaining(["--force", "--s3-endpoint", "http://minio:9000"]));
    expect(exec).not.toContain("--sign-key");
    expect(args(chain, "withSecretVariable").map((a) => a.name)).toEqual([
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
    ]);
  });

  it("refuses a file:// store, which would stay inside the container", () => {
    expect(String(refused)).toMatch(/would stay inside the function's container/);
  });
});

const reportExec = (name: string) => args(reports[name] ?? [], "withExec").at(-1)?.args as string[];

describe("the report function", () => {
  it("reads a GitHub store's index with the GitHub token, keeping the S3 state store's credentials", () => {
    expect(reportExec("github")).toEqual([
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
    expect(args(reports.github ?? [], "withSecretVariable").map((a) => a.name)).toEqual([
      "GITHUB_TOKEN",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
    ]);
  });

  it("passes no GitHub token for an S3 store, and no --store without one", () => {
    expect(reportExec("s3")).toEqual(expect.arrayContaining(["--store", "s3://artifacts/kmod"]));
    expect(args(reports.s3 ?? [], "withSecretVariable").map((a) => a.name)).not.toContain("GITHUB_TOKEN");
    expect(reportExec("none")).not.toContain("--store");
    expect(args(reports.none ?? [], "withSecretVariable").map((a) => a.name)).not.toContain("GITHUB_TOKEN");
  });

  it("refuses a file:// store and says to run kmodforge report on the host", () => {
    expect(String(reportRefused)).toMatch(
      /would stay inside the function's container.*kmodforge report on the host/,
    );
  });
});
