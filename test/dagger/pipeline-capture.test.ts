import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSchema, parse, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTargets } from "../../src/adapters/targets-fs.js";
import { ARCH_FACTS, type Arch } from "../../src/core/arch.js";
import { identityAndTarget, planBuilder } from "../../src/core/build/builder-plan.js";
import { builderSteps, CONTAINER_LAYOUT, dkmsEvaluateStep } from "../../src/core/build/steps.js";
import { parseIdentity } from "../../src/core/identity.js";
import { dkmsPresets } from "../../src/core/modules/package-plan.js";
import { dkmsPaths, parsePlanJson, renderRequest } from "../../src/core/modules/plan-files.js";
import { adapterFor, buildTreeOf } from "../../src/distros/registry.js";
import { evaluatedOutput } from "../modules/support.js";
import {
  type Captured,
  type CapturedStep,
  type FakeSession,
  fakeId,
  renderChain,
  startFakeSession,
  withModule,
} from "./support/fake-session.js";

/**
 * Drives `Kmodforge.build` through the SDK's real send path against a fake session server and asserts the pipeline
 * the engine would receive, for every family on both arches: the family's Dockerfile on the engine's platform, the
 * headers and seal steps in the CLI image, and the builder steps — the very command lines the container executor
 * runs (core/build/steps.ts at the container layout).
 */

const REPO = join(import.meta.dirname, "../..");
const FIXTURES = join(REPO, "test/fixtures/dagger");
const SCHEMA = join(FIXTURES, "dagger-schema-v0.21.8.graphqls");

interface Case {
  name: string;
  kernel: string;
  distro: string;
  version: string;
  arch: Arch;
  /** The kernel build directory inside the extracted headers, as the headers step would report it. */
  buildDir: string;
  mode: "native" | "cross" | "emulated";
  /** A DKMS tree: its dkms.conf, and what the evaluate step prints when the file needs a shell. */
  dkms?: { conf: string; evaluated?: string };
}

const dkmsFixture = (name: string) => readFileSync(join(FIXTURES, "../dkms", `${name}.conf`), "utf8");
/** A kernel configuration the DKMS cases plan against. */
const KERNEL_CONFIG = "CONFIG_ACPI=y\nCONFIG_NET=y\nCONFIG_VIDEO_DEV=m\n";

const CASES: Case[] = [
  {
    name: "debian-amd64",
    kernel: "6.1.0-57-amd64",
    distro: "debian",
    version: "12",
    arch: "x86_64",
    buildDir: "usr/src/linux-headers-6.1.0-57-amd64",
    mode: "native",
  },
  {
    name: "debian-arm64",
    kernel: "6.1.0-57-arm64",
    distro: "debian",
    version: "12",
    arch: "aarch64",
    buildDir: "usr/src/linux-headers-6.1.0-57-arm64",
    mode: "cross",
  },
  {
    name: "ubuntu-amd64",
    kernel: "6.8.0-45-generic",
    distro: "ubuntu",
    version: "24.04",
    arch: "x86_64",
    buildDir: "usr/src/linux-headers-6.8.0-45-generic",
    mode: "native",
  },
  {
    name: "ubuntu-arm64",
    kernel: "6.8.0-45-generic",
    distro: "ubuntu",
    version: "24.04",
    arch: "aarch64",
    buildDir: "usr/src/linux-headers-6.8.0-45-generic",
    mode: "cross",
  },
  {
    name: "fedora-x86_64",
    kernel: "6.17.8-300.fc43.x86_64",
    distro: "fedora",
    version: "43",
    arch: "x86_64",
    buildDir: "usr/src/kernels/6.17.8-300.fc43.x86_64",
    mode: "native",
  },
  {
    name: "fedora-aarch64",
    kernel: "6.19.10-300.fc44.aarch64",
    distro: "fedora",
    version: "44",
    arch: "aarch64",
    buildDir: "usr/src/kernels/6.19.10-300.fc44.aarch64",
    mode: "emulated",
  },
  {
    name: "centos-x86_64",
    kernel: "5.14.0-427.el9.x86_64",
    distro: "centos",
    version: "9",
    arch: "x86_64",
    buildDir: "usr/src/kernels/5.14.0-427.el9.x86_64",
    mode: "native",
  },
  {
    name: "rocky-aarch64",
    kernel: "5.14.0-427.13.1.el9_4.aarch64",
    distro: "rocky",
    version: "9",
    arch: "aarch64",
    buildDir: "usr/src/kernels/5.14.0-427.13.1.el9_4.aarch64",
    mode: "emulated",
  },
  {
    name: "almalinux-x86_64",
    kernel: "5.14.0-503.11.1.el9_5.x86_64",
    distro: "almalinux",
    version: "9",
    arch: "x86_64",
    buildDir: "usr/src/kernels/5.14.0-503.11.1.el9_5.x86_64",
    mode: "native",
  },
  {
    name: "amazonlinux2-x86_64",
    kernel: "5.10.210-201.852.amzn2.x86_64",
    distro: "amazonlinux",
    version: "2",
    arch: "x86_64",
    buildDir: "usr/src/kernels/5.10.210-201.852.amzn2.x86_64",
    mode: "native",
  },
  {
    name: "amazonlinux2-aarch64",
    kernel: "5.10.210-201.855.amzn2.aarch64",
    distro: "amazonlinux",
    version: "2",
    arch: "aarch64",
    buildDir: "usr/src/kernels/5.10.210-201.855.amzn2.aarch64",
    mode: "emulated",
  },
  {
    name: "amazonlinux2023-x86_64",
    kernel: "6.1.79-99.167.amzn2023.x86_64",
    distro: "amazonlinux",
    version: "2023",
    arch: "x86_64",
    buildDir: "usr/src/kernels/6.1.79-99.167.amzn2023.x86_64",
    mode: "native",
  },
  {
    name: "amazonlinux2023-aarch64",
    kernel: "6.1.38-59.109.amzn2023.aarch64",
    distro: "amazonlinux",
    version: "2023",
    arch: "aarch64",
    buildDir: "usr/src/kernels/6.1.38-59.109.amzn2023.aarch64",
    mode: "emulated",
  },
  {
    name: "oraclelinux-uek-x86_64",
    kernel: "5.15.0-105.125.6.2.el9uek.x86_64",
    distro: "oraclelinux",
    version: "9",
    arch: "x86_64",
    buildDir: "usr/src/kernels/5.15.0-105.125.6.2.el9uek.x86_64",
    mode: "native",
  },
  {
    name: "oraclelinux-uek8-aarch64",
    kernel: "6.12.0-100.28.2.2.el9uek.aarch64",
    distro: "ol",
    version: "9",
    arch: "aarch64",
    buildDir: "usr/src/kernels/6.12.0-100.28.2.2.el9uek.aarch64",
    mode: "emulated",
  },
  {
    name: "oraclelinux-rhck-x86_64",
    kernel: "4.18.0-553.el8_10.x86_64",
    distro: "oraclelinux",
    version: "8",
    arch: "x86_64",
    buildDir: "usr/src/kernels/4.18.0-553.el8_10.x86_64",
    mode: "native",
  },
  {
    name: "oraclelinux-uek6-aarch64",
    kernel: "5.4.17-2136.307.3.1.el8uek.aarch64",
    distro: "oraclelinux",
    version: "8",
    arch: "aarch64",
    buildDir: "usr/src/kernels/5.4.17-2136.307.3.1.el8uek.aarch64",
    mode: "emulated",
  },
  {
    name: "opensuse-x86_64",
    kernel: "6.4.0-150600.23.25-default",
    distro: "opensuse",
    version: "15.6",
    arch: "x86_64",
    buildDir: "usr/src/linux-6.4.0-150600.23.25-obj/x86_64/default",
    mode: "native",
  },
  {
    name: "opensuse-aarch64",
    kernel: "6.4.0-150600.23.25-64kb",
    distro: "opensuse",
    version: "15.6",
    arch: "aarch64",
    buildDir: "usr/src/linux-6.4.0-150600.23.25-obj/arm64/64kb",
    mode: "emulated",
  },
  {
    name: "sles-x86_64",
    kernel: "5.14.21-150500.55.52-default",
    distro: "sles",
    version: "15.5",
    arch: "x86_64",
    buildDir: "usr/src/linux-5.14.21-150500.55.52-obj/x86_64/default",
    mode: "native",
  },
  {
    name: "sles-aarch64",
    kernel: "5.14.21-150500.55.52-default",
    distro: "sles",
    version: "15-SP5",
    arch: "aarch64",
    buildDir: "usr/src/linux-5.14.21-150500.55.52-obj/arm64/default",
    mode: "emulated",
  },
  {
    name: "debian-amd64-dkms-v4l2loopback",
    kernel: "6.1.0-57-amd64",
    distro: "debian",
    version: "12",
    arch: "x86_64",
    buildDir: "usr/src/linux-headers-6.1.0-57-amd64",
    mode: "native",
    dkms: {
      conf: dkmsFixture("v4l2loopback-dkms"),
      // What bash makes of it in the build environment (the real script, run on this host for the fake engine).
      evaluated: evaluatedOutput(dkmsFixture("v4l2loopback-dkms")),
    },
  },
  {
    name: "debian-arm64-dkms-jool",
    kernel: "6.1.0-57-arm64",
    distro: "debian",
    version: "12",
    arch: "aarch64",
    buildDir: "usr/src/linux-headers-6.1.0-57-arm64",
    mode: "cross",
    dkms: { conf: dkmsFixture("jool-dkms") },
  },
];

/** What the fake engine answers for a file's contents: the case's DKMS files, or the headers record. */
function contentsFor(c: Case, chain: CapturedStep[]): string {
  const path = String(chain.filter((s) => s.field === "file").at(-1)?.args.path ?? "");
  if (c.dkms && path === "dkms.conf") return c.dkms.conf;
  if (c.dkms && path.endsWith("include/config/auto.conf")) return KERNEL_CONFIG;
  if (c.dkms?.evaluated && path === dkmsPaths(CONTAINER_LAYOUT.work).evaluated) return c.dkms.evaluated;
  return record(c);
}

/** The headers record the CLI container would write for a case (it records the normalised identity). */
function record(c: Case): string {
  const id = parseIdentity({
    kernelRelease: c.kernel,
    distro: c.distro,
    distroVersion: c.version,
    arch: c.arch,
  });
  if (!id.ok) throw id.error;
  const { distro, distroVersion, arch, kernelRelease } = id.value;
  return JSON.stringify({
    schemaVersion: 1,
    identity: { distro, distroVersion, arch, kernelRelease },
    builderArch: c.mode === "emulated" ? c.arch : "x86_64",
    packages: [],
    treeRoot: "/work/headers",
    buildDir: c.buildDir,
  });
}

let session: FakeSession;
let current: Case | undefined;
/** Every object the SDK resolved to an ID, by that ID: the chain that made it. */
const chains = new Map<string, CapturedStep[]>();
const byCase = new Map<string, Captured[]>();

beforeAll(async () => {
  session = await startFakeSession((leaf, chain) => {
    if (leaf === "id") {
      const id = fakeId(chain);
      chains.set(id, chain.slice(0, -1));
      return id;
    }
    if (leaf === "defaultPlatform") return "linux/amd64";
    if (leaf === "contents" && current) return contentsFor(current, chain);
    // The source directory's own listing (a DKMS tree has dkms.conf), else the artifact directory's.
    if (leaf === "entries" && chain.length === 2 && current?.dkms) return ["Makefile", "dkms.conf"];
    if (leaf === "entries") return ["kmodforge__sample_1.0.0_debian-12_x86-64_6.1.0-57-amd64"];
    return null;
  });
  await withModule(session, async (k, dag) => {
    for (const c of CASES) {
      current = c;
      const before = session.captured.length;
      const out = await k.build(c.kernel, c.distro, c.version, c.arch, dag.directory());
      await out.entries();
      byCase.set(c.name, session.captured.slice(before));
    }
  });
}, 120_000);

afterAll(async () => {
  await session?.close();
});

/** The final document of a build: the chain ending in `entries`. */
function finalChain(name: string): CapturedStep[] {
  const last = byCase.get(name)?.at(-1);
  expect(last?.chain.at(-1)?.field).toBe("entries");
  return last?.chain ?? [];
}

const argsOf = (chain: CapturedStep[], field: string) =>
  chain.filter((s) => s.field === field).map((s) => s.args);

/** The builder container's chain: the one whose work directory the seal step mounts at /work/out. */
function builderPart(chain: CapturedStep[]): CapturedStep[] {
  const work = argsOf(chain, "withDirectory").find((a) => a.path === "/work/out")?.source;
  const builder = chains.get(String(work));
  expect(builder, renderChain(chain)).toBeDefined();
  return builder ?? [];
}

describe("build pipeline sent to the engine", () => {
  it.each(CASES.map((c) => c.name))("%s matches its golden pipeline", (name) => {
    const rendered = (byCase.get(name) ?? []).map((d) => renderChain(d.chain)).join("\n");
    const golden = join(FIXTURES, "pipelines", `${name}.txt`);
    if (process.env.UPDATE_GOLDEN === "1") {
      mkdirSync(join(FIXTURES, "pipelines"), { recursive: true });
      writeFileSync(golden, `${rendered}\n`);
    }
    expect(`${rendered}\n`).toBe(readFileSync(golden, "utf8"));
  });

  it.each(CASES)(
    "$name: the family's Dockerfile on the plan's platform, the builder steps the container executor runs",
    async (c) => {
      const policy = await loadTargets();
      const { identity, target } = identityAndTarget(
        { kernelRelease: c.kernel, distro: c.distro, distroVersion: c.version, arch: c.arch },
        policy,
        "x86_64",
      );
      const plan = planBuilder(identity, target, "x86_64");
      expect(plan.mode).toBe(c.mode);
      // The builder image: the family's own Dockerfile, which exists, on the platform the plan says.
      const dockerfile = adapterFor(identity.distro).builder.dockerfile;
      expect(existsSync(join(REPO, dockerfile))).toBe(true);
      // The build tree the headers step reports is where the family says its packages put it.
      expect(buildTreeOf(identity)[0]).toBe(c.buildDir);
      const builder = builderPart(finalChain(c.name));
      expect(argsOf(builder, "dockerBuild")).toEqual([
        {
          buildArgs: Object.entries(plan.buildArgs).map(([name, value]) => ({ name, value })),
          dockerfile,
          platform: ARCH_FACTS[c.mode === "emulated" ? c.arch : "x86_64"].platform,
        },
      ]);
      // The builder's exec lines are exactly the steps the container executor runs for this kernel.
      const execs = argsOf(builder, "withExec").map((a) => a.args);
      const dkms = c.dkms ? { kernelRelease: c.kernel } : undefined;
      expect(execs).toEqual(
        builderSteps(CONTAINER_LAYOUT, c.buildDir, identity.arch, undefined, dkms).map((s) => s.argv),
      );
    },
  );

  it("a DKMS tree: dkms.conf that needs a shell is evaluated by the evaluate step in the builder image", () => {
    const c = CASES.find((x) => x.name === "debian-amd64-dkms-v4l2loopback")!;
    const docs = byCase.get(c.name) ?? [];
    const paths = dkmsPaths(CONTAINER_LAYOUT.work);
    const evaluate = docs.find((d) =>
      d.chain.some((s) => s.field === "file" && s.args.path === paths.evaluated),
    );
    expect(evaluate).toBeDefined();
    const chain = evaluate!.chain;
    expect(argsOf(chain, "withExec").map((a) => a.args)).toEqual([
      dkmsEvaluateStep(CONTAINER_LAYOUT, c.buildDir, { kernelRelease: c.kernel }).argv,
    ]);
    expect(argsOf(chain, "withNewFile")).toEqual([
      {
        path: paths.request,
        contents: renderRequest(dkmsPresets({ kernelRelease: c.kernel, arch: c.arch, ...CONTAINER_LAYOUT })),
      },
    ]);
    // The builder gets the plan the TypeScript side made from the evaluated values.
    const builder = builderPart(finalChain(c.name));
    const files = argsOf(builder, "withNewFile");
    expect(files.map((f) => f.path)).toEqual([paths.planEnv, paths.planJson]);
    const plan = parsePlanJson(String(files[1]!.contents));
    expect(plan.ok && plan.value).toMatchObject({
      evaluatedBy: "shell",
      plan: {
        package: { name: "v4l2loopback", version: "0.12.7" },
        modules: [{ builtName: "v4l2loopback" }],
      },
    });
  });

  it("a DKMS tree of plain assignments is read without an evaluate step", () => {
    const docs = byCase.get("debian-arm64-dkms-jool") ?? [];
    const all = docs.map((d) => renderChain(d.chain)).join("\n");
    expect(all).not.toContain("dkms-evaluate.sh");
    const builder = builderPart(finalChain("debian-arm64-dkms-jool"));
    const plan = parsePlanJson(String(argsOf(builder, "withNewFile")[1]!.contents));
    expect(plan.ok && plan.value.plan.modules.map((m) => m.builtName)).toEqual([
      "jool_common",
      "jool",
      "jool_siit",
    ]);
  });

  it("the TypeScript steps run the kmodforge CLI in the CLI image", () => {
    const chain = finalChain("debian-arm64");
    const all = renderChain(chain);
    expect(all).toContain('dockerBuild(dockerfile:"dockerfiles/cli.Dockerfile")');
    const seal = argsOf(chain, "withExec").at(-1)?.args as string[];
    expect(seal.slice(0, 3)).toEqual(["node", "/kmodforge/bin/kmodforge.js", "seal"]);
    expect(seal).toEqual(
      expect.arrayContaining([
        "--record",
        "/work/meta/headers.json",
        "--runner",
        "dagger",
        "--mode",
        "cross",
      ]),
    );
    // The headers step ran for the arm64 kernel with x86_64 kbuild tools (the builder's arch).
    const headers = (byCase.get("debian-arm64") ?? []).map((d) => renderChain(d.chain)).join("\n");
    expect(headers).toContain(
      '"headers","--kernel","6.1.0-57-arm64","--distro","debian","--distro-version","12","--arch","aarch64","--builder-arch","x86_64"',
    );
    expect(argsOf(chain, "directory").at(-1)).toEqual({ path: "/work/artifacts" });
  });

  it("asks the engine for its platform instead of assuming x86_64", () => {
    const all = [...byCase.values()].flat();
    expect(all.some((d) => d.chain.some((s) => s.field === "defaultPlatform"))).toBe(true);
  });

  it("authenticates every request with the session token", () => {
    const all = [...byCase.values()].flat();
    expect(all.length).toBeGreaterThan(10);
    const expected = `Basic ${Buffer.from(`${session.token}:`).toString("base64")}`;
    for (const d of all) expect(d.authorization).toBe(expected);
  });

  it("every captured document is valid against the engine schema", () => {
    const schema = buildSchema(readFileSync(SCHEMA, "utf8"));
    const all = [...byCase.values()].flat();
    for (const d of all) expect(validate(schema, parse(d.query)).map((e) => e.message)).toEqual([]);
  });
});
