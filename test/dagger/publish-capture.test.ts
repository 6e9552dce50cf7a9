import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CapturedStep, type FakeSession, fakeId, startFakeSession } from "./support/fake-session.js";

/**
 * Drives `Kmodforge.publish` through the SDK's real send path against a fake session server: the function is the
 * CLI's `publish` in the CLI container, with the key as a mounted secret and only the store's own credentials.
 */

let session: FakeSession;
const calls: Record<string, CapturedStep[]> = {};
let refused: unknown;

beforeAll(async () => {
  session = await startFakeSession((leaf, chain) => {
    if (leaf === "id") return fakeId(chain);
    if (leaf === "stdout") return '{"published":[]}\n';
    return null;
  });
  process.env.DAGGER_SESSION_PORT = String(session.port);
  process.env.DAGGER_SESSION_TOKEN = session.token;
  const { connection, dag } = await import("@dagger.io/dagger");
  const { Kmodforge } = await import("../../src/index.js");
  await connection(async () => {
    const k = new Kmodforge();
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
