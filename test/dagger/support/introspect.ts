import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/** The SDK's own offline module scan (the one the engine runs), as JSON. */
const ROOT = join(import.meta.dirname, "../../..");
const SDK = join(ROOT, "node_modules/@dagger.io/dagger/dist/src");

export async function introspectModule(): Promise<unknown> {
  const dir = await mkdtemp(join(tmpdir(), "kmodforge-introspect-"));
  try {
    // The scanner needs a non-declaration client.gen.ts; the package ships only the .d.ts.
    const dts = await readFile(join(SDK, "api/client.gen.d.ts"), "utf8");
    const clientGen = join(dir, "client.gen.ts");
    await writeFile(clientGen, dts.replace('"../common/context.js"', '"@dagger.io/dagger"'));
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(SDK, "module/entrypoint/introspection_entrypoint.js"), "kmodforge", "src", clientGen],
        { cwd: ROOT, env: { ...process.env, DRY_RUN: "1" }, maxBuffer: 32 * 1024 * 1024 },
      );
      return JSON.parse(stdout);
    } finally {
      await rm(clientGen, { force: true });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
