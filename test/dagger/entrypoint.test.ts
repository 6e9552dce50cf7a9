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
const PLAN = join(ROOT, "test/fixtures/dagger/plans/debian-arm64.json");

const ARGS: Record<string, unknown> = {
  kernel: "6.1.0-56-arm64",
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
  const planText = await readFile(PLAN, "utf8");
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
      if (leaf === "contents")
        return chain.some((s) => s.args.id === "plan-file-id")
          ? planText
          : "config=CONFIG_SMP=y\nconfig=CONFIG_MODULE_UNLOAD=y\nconfig=CONFIG_MODVERSIONS=y\nvermagic=6.1.0-56-arm64 SMP mod_unload modversions aarch64\nelf_machine=183\ncrc_checked=24\ncrc_mismatch=0\n";
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
    expect(value).toMatch(/^ID<.*\.directory\(path:"\/work\/out"\)\.withNewFile\(.*path:"metadata\.json"\)/);
    expect(value).toContain('"name":"CROSS","value":"1"');
    expect(value).toContain('withEnvVariable(name:"CROSS_COMPILE",value:"aarch64-linux-gnu-")');
    // `--arch=arm64` was decoded and normalised to aarch64.
    expect(value).toContain('\\"arch\\": \\"aarch64\\"');
    expect(session.captured.some((c) => c.chain.some((s) => s.field === "returnError"))).toBe(false);
  });

  it("decoded the arguments: the source directory and plan file came from their IDs", () => {
    const all = session.captured.map((c) => renderChain(c.chain)).join("\n");
    expect(all).toContain('node(id:"plan-file-id")');
    expect(all).toContain('withDirectory(path:"/work/src",source:"ID<node(id:\\"source-dir-id\\")>")');
  });
});
