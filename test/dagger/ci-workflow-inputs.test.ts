import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * Workflow inputs never reach a shell as text: they are bound to environment variables, checked by a first
 * `Check inputs` step against strict patterns, and only then used (GitHub's security hardening guide). The checks
 * are run here with bash, as the runner runs them, against real values and hostile ones.
 */

const ROOT = join(import.meta.dirname, "../..");
const CI = join(ROOT, "ci");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  env?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, { inputs?: Record<string, unknown> } | null>;
  jobs: Record<string, Job>;
}

const workflows = readdirSync(CI)
  .filter((f) => f.endsWith(".yml") && f !== "gitlab-ci.yml")
  .map((f) => ({ file: f, doc: parse(readFileSync(join(CI, f), "utf8")) as Workflow }));

const EXPRESSION = /\$\{\{[^}]*\}\}/g;
/** A GitHub expression as text: expr("inputs.kernel") is the expression syntax around inputs.kernel. */
const expr = (inner: string) => `\${{ ${inner} }}`;

/** `file#job.step: key: ${{ … }}` for every expression inside a value a shell runs. */
function expressionsInShellValues(file: string, doc: Workflow): string[] {
  const found: string[] = [];
  for (const [jobName, job] of Object.entries(doc.jobs ?? {}))
    for (const [i, step] of (job.steps ?? []).entries()) {
      const values: Array<[string, unknown]> = [
        ["run", step.run],
        ["args", step.with?.args],
        ["call", step.with?.call],
      ];
      for (const [key, value] of values)
        for (const m of String(value ?? "").matchAll(EXPRESSION))
          found.push(`${file}#${jobName}.${step.name ?? i}: ${key}: ${m[0]}`);
    }
  return found;
}

/** The names of a workflow's dispatch and call inputs. */
function inputNames(doc: Workflow): string[] {
  const names = new Set<string>();
  for (const trigger of ["workflow_dispatch", "workflow_call"])
    for (const name of Object.keys(doc.on?.[trigger]?.inputs ?? {})) names.add(name);
  return [...names];
}

/** Job env variables bound to an input: `KMODFORGE_KERNEL` → `kernel`. */
function inputBindings(job: Job): Map<string, string> {
  const out = new Map<string, string>();
  for (const [variable, value] of Object.entries(job.env ?? {})) {
    const m = /\$\{\{\s*inputs\.([A-Za-z0-9_-]+)/.exec(String(value));
    if (m) out.set(variable, m[1]!);
  }
  return out;
}

function checkStep(file: string): { script: string; bindings: Map<string, string> } {
  const doc = workflows.find((w) => w.file === file)!.doc;
  const [job] = Object.values(doc.jobs);
  const step = job!.steps![0]!;
  return { script: step.run!, bindings: inputBindings(job!) };
}

const scratch = mkdtempSync(join(tmpdir(), "kmodforge-ci-inputs-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const MARK = join(scratch, "injected");

/** Runs a check script as a GitHub runner runs `shell: bash`; true when it accepts the environment. */
function accepts(script: string, env: Record<string, string>): boolean {
  const file = join(scratch, "check.sh");
  writeFileSync(file, script);
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    encoding: "utf8",
  });
  if (r.error) throw r.error;
  return r.status === 0;
}

/** Values that would run a command, add an option or break a line if they reached the shell or the CLI. */
const HOSTILE = [
  "",
  `6.1.0-18-amd64; touch ${MARK}`,
  `$(touch ${MARK})`,
  `\`touch ${MARK}\``,
  "6.1.0-18-amd64 --source=/etc",
  "--kernel=6.1.0-18-amd64",
  "6.1.0-18-amd64\n::set-env name=X::y",
  "../../etc/passwd",
  "a".repeat(200),
];

describe("workflow inputs", () => {
  it(`no ${expr("…")} (inputs, github.event or anything else) inside run:, args: or call:`, () => {
    const found = workflows.flatMap((w) => expressionsInShellValues(w.file, w.doc));
    expect(found.filter((f) => /\$\{\{\s*inputs\./.test(f))).toEqual([]);
    expect(found.filter((f) => /\$\{\{\s*github\.event\./.test(f))).toEqual([]);
    expect(found).toEqual([]);
  });

  it("the scan finds an input pasted into args or run", () => {
    const doc = parse(`
on: { workflow_dispatch: { inputs: { kernel: { type: string } } } }
jobs:
  b:
    steps:
      - run: echo "\${{ github.event.inputs.kernel }}"
      - uses: dagger/dagger-for-github@v8.4.1
        with: { args: "build --kernel=\${{ inputs.kernel }}" }
`) as Workflow;
    expect(expressionsInShellValues("x.yml", doc)).toEqual([
      `x.yml#b.0: run: ${expr("github.event.inputs.kernel")}`,
      `x.yml#b.1: args: ${expr("inputs.kernel")}`,
    ]);
  });

  it("every input is bound to an environment variable and checked by the job's first step", () => {
    const withInputs = workflows.filter((w) => inputNames(w.doc).length > 0);
    expect(withInputs.map((w) => w.file).sort()).toEqual(["build.yml", "chunk.yml", "generator.yml"]);
    for (const { file, doc } of withInputs) {
      for (const [jobName, job] of Object.entries(doc.jobs)) {
        if (!job.steps) continue; // a job that calls a reusable workflow passes inputs on; that workflow checks them
        if (!JSON.stringify(job).includes("inputs.")) continue; // a job that reads no input has nothing to check
        const bindings = inputBindings(job);
        expect([file, jobName, [...new Set(bindings.values())].sort()]).toEqual([
          file,
          jobName,
          inputNames(doc).sort(),
        ]);
        const first = job.steps[0]!;
        expect([file, first.name, first.shell]).toEqual([file, "Check inputs", "bash"]);
        for (const variable of bindings.keys())
          expect(first.run, `${file} checks $${variable}`).toContain(`"$${variable}"`);
      }
    }
  });

  it("build.yml accepts every real kernel identity in the fixtures", () => {
    const { script } = checkStep("build.yml");
    const rows = JSON.parse(
      readFileSync(join(ROOT, "test/fixtures/identity/real-releases.json"), "utf8"),
    ) as Array<{ kernelRelease: string; distro: string; distroVersion: string; arch: string }>;
    expect(rows.length).toBeGreaterThan(80);
    const refused = rows.filter(
      (r) =>
        !accepts(script, {
          KMODFORGE_KERNEL: r.kernelRelease,
          KMODFORGE_DISTRO: r.distro,
          KMODFORGE_DISTRO_VERSION: r.distroVersion,
          KMODFORGE_ARCH: r.arch.replace("amd64", "x86_64").replace("arm64", "aarch64"),
        }),
    );
    expect(refused).toEqual([]);
  });

  it("build.yml refuses hostile values in every input, and none of them runs", () => {
    const { script, bindings } = checkStep("build.yml");
    const good = {
      KMODFORGE_KERNEL: "5.14.0-503.14.1.el9_5.x86_64+rt",
      KMODFORGE_DISTRO: "rocky",
      KMODFORGE_DISTRO_VERSION: "9",
      KMODFORGE_ARCH: "x86_64",
      KMODFORGE_DRIVER_VERSION: "1.2.3+build.4",
      KMODFORGE_BUILD_ID: "0123456789abcdef".repeat(2),
      KMODFORGE_STORE: "s3://acme-drivers/kmodforge",
    };
    // Optional inputs a dispatch by hand leaves empty.
    const optional = new Set(["KMODFORGE_DRIVER_VERSION", "KMODFORGE_BUILD_ID", "KMODFORGE_STORE"]);
    expect([...bindings.keys()].sort()).toEqual(Object.keys(good).sort());
    expect(accepts(script, good)).toBe(true);
    for (const variable of optional)
      expect([variable, accepts(script, { ...good, [variable]: "" })]).toEqual([variable, true]);
    for (const variable of Object.keys(good))
      for (const value of [...HOSTILE, "debian rm", "x86_64 "]) {
        if (value === "" && optional.has(variable)) continue;
        expect([variable, value, accepts(script, { ...good, [variable]: value })]).toEqual([
          variable,
          value,
          false,
        ]);
      }
    expect(existsSync(MARK)).toBe(false);
  });

  it("build.yml takes the stores the service dispatches with, and refuses anything else as a store", () => {
    const { script } = checkStep("build.yml");
    const base = {
      KMODFORGE_KERNEL: "6.1.0-18-amd64",
      KMODFORGE_DISTRO: "debian",
      KMODFORGE_DISTRO_VERSION: "12",
      KMODFORGE_ARCH: "x86_64",
      KMODFORGE_DRIVER_VERSION: "1.2.3",
      KMODFORGE_BUILD_ID: "",
    };
    for (const store of ["github:acme/drivers", "s3://acme-drivers", "s3://acme-drivers/kmod/forge_1"])
      expect([store, accepts(script, { ...base, KMODFORGE_STORE: store })]).toEqual([store, true]);
    for (const store of [
      "file:///srv/store",
      "/srv/store",
      "github:acme",
      "github:acme/drivers/extra",
      "s3://Acme/x",
      "s3://acme/../x",
      "s3://acme//x",
      "github:acme/drivers --force",
      "https://example.com/store",
    ])
      expect([store, accepts(script, { ...base, KMODFORGE_STORE: store })]).toEqual([store, false]);
    expect(accepts(script, { ...base, KMODFORGE_STORE: "", KMODFORGE_DRIVER_VERSION: "1..2" })).toBe(false);
    expect(accepts(script, { ...base, KMODFORGE_STORE: "", KMODFORGE_BUILD_ID: "0".repeat(31) })).toBe(false);
  });

  it("chunk.yml takes only a chunk reference; generator.yml only true or false", () => {
    const chunk = checkStep("chunk.yml").script;
    const ref = `chunks/${"0123456789abcdef".repeat(2)}#3`;
    expect(accepts(chunk, { KMODFORGE_CHUNK: ref })).toBe(true);
    for (const value of [
      ...HOSTILE,
      `${ref} --state=file:///`,
      `${ref}\nx`,
      "chunks/abc#1",
      `${ref.toUpperCase()}`,
    ])
      expect([value, accepts(chunk, { KMODFORGE_CHUNK: value })]).toEqual([value, false]);

    const generator = checkStep("generator.yml").script;
    expect(accepts(generator, { KMODFORGE_FORCE: "true" })).toBe(true);
    expect(accepts(generator, { KMODFORGE_FORCE: "false" })).toBe(true);
    for (const value of [...HOSTILE, "yes", "true; id", "TRUE"])
      expect([value, accepts(generator, { KMODFORGE_FORCE: value })]).toEqual([value, false]);
    expect(existsSync(MARK)).toBe(false);
  });
});
