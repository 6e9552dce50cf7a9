import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { introspectModule } from "./support/introspect.js";

/** The module's public API as the engine's scanner sees it, kept as a golden so CLI changes show in review. */
const GOLDEN = join(import.meta.dirname, "../fixtures/dagger/module-api.json");

type Api = {
  name: string;
  description: string;
  objects: Record<
    string,
    {
      methods: Record<
        string,
        {
          description: string;
          arguments: Record<
            string,
            { description: string; defaultPath?: string; defaultValue?: string; isOptional: boolean }
          >;
        }
      >;
    }
  >;
};

let api: Api;
beforeAll(async () => {
  api = (await introspectModule()) as Api;
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, `${JSON.stringify(api, null, 2)}\n`);
}, 60_000);

describe("module API (offline introspection)", () => {
  it("matches the golden file", () => {
    expect(api).toEqual(JSON.parse(readFileSync(GOLDEN, "utf8")));
  });

  it("exposes the documented functions, each with help text", () => {
    const methods = api.objects.Kmodforge?.methods ?? {};
    expect(Object.keys(methods).sort()).toEqual(
      [
        "build",
        "buildChunk",
        "buildMany",
        "chunk",
        "diff",
        "matrix",
        "publish",
        "report",
        "resolve",
        "sweep",
        "verify",
      ].sort(),
    );
    for (const [name, m] of Object.entries(methods)) {
      expect(m.description, name).not.toBe("");
      for (const [arg, a] of Object.entries(m.arguments))
        expect(a.description, `${name}.${arg}`).not.toBe("");
    }
    expect(api.description).toMatch(/^kmodforge:/);
  });

  it("build takes the CLI's flags and the kernel-module/ default source", () => {
    const args = api.objects.Kmodforge?.methods.build?.arguments ?? {};
    expect(Object.keys(args)).toEqual([
      "kernel",
      "distro",
      "distroVersion",
      "arch",
      "source",
      "plan",
      "driverVersion",
    ]);
    expect(args.source?.defaultPath).toBe("/kernel-module");
    expect(args.arch?.defaultValue).toBe("x86_64");
  });
});
