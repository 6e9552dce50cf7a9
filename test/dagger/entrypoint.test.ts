import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CapturedStep,
  type FakeSession,
  fakeId,
  renderChain,
  startFakeSession,
} from "./support/fake-session.js";

/**
 * One `dagger call build …` as the engine would run it: the SDK's real entrypoint loads every file under src/,
 * reads the call (function name, parent, argument values as JSON) from a scripted session, decodes the arguments,
 * runs the function and returns the result's ID.
 */
const ROOT = join(import.meta.dirname, "../..");
const SDK = join(ROOT, "node_modules/@dagger.io/dagger/dist/src");
const ARGS: Record<string, unknown> = {
  kernel: "6.1.0-57-arm64",
  distro: "debian",
  distroVersion: "12",
  arch: "arm64",
  source: "source-dir-id",
  plan: "plan-file-id",
};

let session: FakeSession;
let exitCode: number | null = null;
let dir = "";

beforeAll(async () => {
  const record = JSON.stringify({
    schemaVersion: 1,
    identity: { distro: "debian", distroVersion: "12", arch: "aarch64", kernelRelease: "6.1.0-57-arm64" },
    builderArch: "x86_64",
    packages: [],
    treeRoot: "/work/headers",
    buildDir: "usr/src/linux-headers-6.1.0-57-arm64",
  });
  const argAt = (chain: CapturedStep[]) => String(chain.find((s) => s.field === "node")?.args.id ?? "");
  session = await startFakeSession(
    (leaf, chain) => {
      const path = chain.map((s) => s.field).join(".");
      if (path === "currentModule.name") return "kmodforge";
      if (path === "currentFunctionCall.parentName") return "Kmodforge";
      if (path === "currentFunctionCall.name") return "build";
      if (path === "currentFunctionCall.parent") return "{}";
      if (path === "node.name") return argAt(chain).replace(/^arg:/, "");
      if (path === "node.value") return JSON.stringify(ARGS[argAt(chain).replace(/^arg:/, "")]);
      if (leaf === "contents") return record;
      // The source's listing: a Kbuild tree (no dkms.conf).
      if (leaf === "entries") return ["Kbuild", "kmodforge_sample.c"];
      if (leaf === "defaultPlatform") return "linux/amd64";
      if (leaf === "id") return fakeId(chain);
      if (leaf === "returnValue" || leaf === "returnError") return null;
      return null;
    },
    (chain, depth) =>
      chain[depth]?.field === "inputArgs"
        ? Object.keys(ARGS).map((name) => ({ id: `arg:${name}` }))
        : undefined,
  );
  dir = await mkdtemp(join(tmpdir(), "kmodforge-entry-"));
  const clientGen = join(dir, "client.gen.ts");
  const dts = await readFile(join(SDK, "api/client.gen.d.ts"), "utf8");
  await writeFile(clientGen, dts.replace('"../common/context.js"', '"@dagger.io/dagger"'));
  try {
    await promisify(execFile)(
      join(ROOT, "node_modules/.bin/tsx"),
      [join(import.meta.dirname, "support/run-entrypoint.ts"), clientGen],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          DAGGER_SESSION_PORT: String(session.port),
          DAGGER_SESSION_TOKEN: session.token,
        },
        timeout: 90_000,
      },
    );
    exitCode = 0;
  } catch (err) {
    exitCode = (err as { code?: number }).code ?? -1;
    console.error((err as { stderr?: string }).stderr);
  }
}, 120_000);

afterAll(async () => {
  await session?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("module entrypoint (scripted session)", () => {
  it("runs build and returns the output directory's ID", () => {
    expect(exitCode).toBe(0);
    const returned = session.captured.find((c) => c.chain.some((s) => s.field === "returnValue"));
    const value = JSON.parse(String(returned?.chain.at(-1)?.args.value)) as string;
    // The seal step's artifacts directory is what build returns.
    expect(value).toMatch(/^ID<.*"seal".*\)\.directory\(path:"\/work\/artifacts"\)>$/);
    expect(value).toContain('\\"name\\":\\"CROSS\\",\\"value\\":\\"1\\"');
    // `--arch=arm64` was decoded and normalised to aarch64, and the builder cross-compiles it.
    expect(value).toContain('\\"--arch\\",\\"aarch64\\"');
    expect(value).toContain('"--mode","cross"');
    expect(session.captured.some((c) => c.chain.some((s) => s.field === "returnError"))).toBe(false);
  });

  it("decoded the arguments: the source directory and plan file came from their IDs", () => {
    const all = session.captured.map((c) => renderChain(c.chain)).join("\n");
    expect(all).toContain('withFile(path:"/work/meta/plan.json",source:"ID<node(id:\\"plan-file-id\\")>")');
    expect(all).toContain('withDirectory(path:"/work/src",source:"ID<node(id:\\"source-dir-id\\")>")');
  });
});
