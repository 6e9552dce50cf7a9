import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSchema, parse, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Captured,
  type CapturedStep,
  type FakeSession,
  fakeId,
  renderChain,
  startFakeSession,
} from "./support/fake-session.js";

/**
 * Drives `Kmodforge.build` through the SDK's real send path against a fake session server and asserts the
 * pipeline the engine would receive.
 */

const FIXTURES = join(import.meta.dirname, "../fixtures/dagger");
const SCHEMA = join(import.meta.dirname, "../../../shared/reference/dagger-schema-v0.21.8.graphqls");

const CASES = [
  {
    name: "debian-amd64",
    kernel: "6.1.0-56-amd64",
    distro: "debian",
    version: "12",
    arch: "x86_64",
    vermagic: "6.1.0-56-amd64 SMP preempt mod_unload modversions",
    machine: "62",
  },
  {
    name: "debian-arm64",
    kernel: "6.1.0-56-arm64",
    distro: "debian",
    version: "12",
    arch: "aarch64",
    vermagic: "6.1.0-56-arm64 SMP mod_unload modversions aarch64",
    machine: "183",
  },
  {
    name: "fedora",
    kernel: "6.17.1-300.fc43.x86_64",
    distro: "fedora",
    version: "43",
    arch: "x86_64",
    vermagic: "6.17.1-300.fc43.x86_64 SMP preempt mod_unload",
    machine: "62",
  },
  {
    name: "amazonlinux2-5.10",
    kernel: "5.10.228-219.884.amzn2.x86_64",
    distro: "amazonlinux",
    version: "2",
    arch: "x86_64",
    vermagic: "5.10.228-219.884.amzn2.x86_64 SMP mod_unload modversions",
    machine: "62",
  },
] as const;

/** The configuration facts a container reports for a kernel whose modules carry this vermagic. */
function configFacts(vermagic: string): string {
  const symbols: Record<string, string> = {
    SMP: "CONFIG_SMP",
    preempt: "CONFIG_PREEMPT_BUILD",
    mod_unload: "CONFIG_MODULE_UNLOAD",
    modversions: "CONFIG_MODVERSIONS",
  };
  return vermagic
    .split(/\s+/)
    .filter((flag) => symbols[flag])
    .map((flag) => `config=${symbols[flag]}=y\n`)
    .join("");
}

let session: FakeSession;
let facts = "";
const byCase = new Map<string, Captured[]>();

beforeAll(async () => {
  session = await startFakeSession((leaf, chain) => {
    if (leaf === "id") return fakeId(chain);
    if (leaf === "contents") {
      const newFile = chain.find((s) => s.field === "withNewFile");
      return newFile ? newFile.args.contents : facts;
    }
    if (leaf === "entries") return ["hello.ko", "metadata.json", "kmodforge.log"];
    return null;
  });
  process.env.DAGGER_SESSION_PORT = String(session.port);
  process.env.DAGGER_SESSION_TOKEN = session.token;
  const { connection, dag } = await import("@dagger.io/dagger");
  const { Kmodforge } = await import("../../src/index.js");
  await connection(async () => {
    for (const c of CASES) {
      const before = session.captured.length;
      facts = `${configFacts(c.vermagic)}vermagic=${c.vermagic}\nelf_machine=${c.machine}\ncrc_checked=24\ncrc_mismatch=0\n`;
      const plan = dag
        .directory()
        .withNewFile("plan.json", readFileSync(join(FIXTURES, "plans", `${c.name}.json`), "utf8"))
        .file("plan.json");
      const out = await new Kmodforge().build(c.kernel, c.distro, c.version, c.arch, dag.directory(), plan);
      await out.entries();
      byCase.set(c.name, session.captured.slice(before));
    }
  });
}, 60_000);

afterAll(async () => {
  await session?.close();
});

/** The final document of a build: the chain ending in `entries`. */
function finalChain(name: string): CapturedStep[] {
  const docs = byCase.get(name) ?? [];
  const last = docs.at(-1);
  expect(last?.chain.at(-1)?.field).toBe("entries");
  return last?.chain ?? [];
}

const steps = (chain: CapturedStep[], field: string) => chain.filter((s) => s.field === field);
const argsOf = (chain: CapturedStep[], field: string) => steps(chain, field).map((s) => s.args);

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

  it("authenticates every request with the session token", () => {
    const all = [...byCase.values()].flat();
    expect(all.length).toBeGreaterThan(10);
    const expected = `Basic ${Buffer.from(`${session.token}:`).toString("base64")}`;
    for (const d of all) expect(d.authorization).toBe(expected);
  });

  it("Debian amd64: native amd64 builder from the Debian Dockerfile, locked apt cache, pinned header URLs", () => {
    const chain = finalChain("debian-amd64");
    const build = argsOf(chain, "dockerBuild")[0] as Record<string, unknown>;
    expect(build.dockerfile).toBe("dockerfiles/debian.Dockerfile");
    expect(build.platform).toBe("linux/amd64");
    expect(build.buildArgs).toContainEqual({ name: "GCC_MAJOR", value: "12" });
    expect(build.buildArgs).toContainEqual({ name: "CROSS", value: "0" });
    const cache = argsOf(chain, "withMountedCache")[0] as Record<string, unknown>;
    expect(cache.path).toBe("/var/cache/apt/archives");
    expect(cache.sharing).toBe("LOCKED");
    expect(cache.cache).toBe('ID<cacheVolume(key:"kmodforge-pkgcache-debian-12-linux-amd64")>');
    const plan = JSON.parse(readFileSync(join(FIXTURES, "plans/debian-amd64.json"), "utf8")) as {
      packages: Array<{ url: string; sha256: string }>;
    };
    const sources = argsOf(chain, "withFile").map((a) => a.source);
    for (const p of plan.packages)
      expect(sources).toContain(`ID<http(checksum:"sha256:${p.sha256}",url:"${p.url}")>`);
    const env = Object.fromEntries(argsOf(chain, "withEnvVariable").map((a) => [a.name, a.value]));
    expect(env).toMatchObject({
      ARCH: "x86",
      KERNELRELEASE: "6.1.0-56-amd64",
      KMODFORGE_BUILD_MODE: "native",
    });
    expect(env.CROSS_COMPILE).toBeUndefined();
    const execs = argsOf(chain, "withExec").map((a) => a.args as string[]);
    expect(execs[0]).toEqual(["mkdir", "-p", "/work/out", "/work/headers", "/work/build"]);
    expect(execs.map((a) => a[1])).toEqual([
      "-p",
      "/kmodforge/scripts/extract-headers.sh",
      "/kmodforge/scripts/compile-module.sh",
      "-c",
    ]);
    expect(execs[3]?.slice(3)).toEqual([
      "collect",
      "/work/build",
      "/work/out",
      "/work/headers/usr/src/linux-headers-6.1.0-56-amd64",
    ]);
    expect(execs[3]?.[2]).toContain("/kmodforge/scripts/package-module.sh");
    expect(execs[2]?.slice(2)).toEqual([
      "/work/headers/usr/src/linux-headers-6.1.0-56-amd64",
      "/work/src",
      "/work/build",
      "x86_64",
    ]);
    expect(execs[1]?.slice(3)).toEqual(
      plan.packages.map((_, i) => expect.stringMatching(new RegExp(`^/work/pkgs/0${i}-`))),
    );
    expect(argsOf(chain, "directory").at(-1)).toEqual({ path: "/work/out" });
    expect(steps(chain, "withNewFile").map((s) => s.args.path)).toEqual(["metadata.json", "kmodforge.log"]);
  });

  it("Debian arm64: cross-compiled on the amd64 engine, and says so", () => {
    const chain = finalChain("debian-arm64");
    const build = argsOf(chain, "dockerBuild")[0] as Record<string, unknown>;
    expect(build.platform).toBe("linux/amd64");
    expect(build.buildArgs).toContainEqual({ name: "CROSS", value: "1" });
    const env = Object.fromEntries(argsOf(chain, "withEnvVariable").map((a) => [a.name, a.value]));
    expect(env).toMatchObject({
      ARCH: "arm64",
      CROSS_COMPILE: "aarch64-linux-gnu-",
      KMODFORGE_BUILD_MODE: "cross",
    });
    const log = steps(chain, "withNewFile").find((s) => s.args.path === "kmodforge.log")?.args.contents;
    expect(log).toMatch(/cross-compiled on x86_64/);
    // The kbuild package is the host's (amd64), the headers the target's.
    expect(
      argsOf(chain, "withFile")
        .map((a) => String(a.source))
        .join("\n"),
    ).toMatch(/linux-kbuild-6\.1_6\.1\.192-2_amd64\.deb/);
  });

  it("Fedora: the Fedora Dockerfile with the targets' base image and a dnf cache", () => {
    const chain = finalChain("fedora");
    const build = argsOf(chain, "dockerBuild")[0] as Record<string, unknown>;
    expect(build.dockerfile).toBe("dockerfiles/fedora.Dockerfile");
    expect(build.buildArgs).toContainEqual({
      name: "BASE_IMAGE",
      value: "registry.fedoraproject.org/fedora:43",
    });
    expect((argsOf(chain, "withMountedCache")[0] as Record<string, unknown>).path).toBe("/var/cache/dnf");
  });

  it("Amazon Linux 2 5.10: gcc10 selected by the kernel line", () => {
    const chain = finalChain("amazonlinux2-5.10");
    const build = argsOf(chain, "dockerBuild")[0] as Record<string, unknown>;
    expect(build.dockerfile).toBe("dockerfiles/amazonlinux.Dockerfile");
    expect(build.buildArgs).toContainEqual({ name: "GCC_MAJOR", value: "10" });
    const env = Object.fromEntries(argsOf(chain, "withEnvVariable").map((a) => [a.name, a.value]));
    expect(env.KMODFORGE_GCC_MAJOR).toBe("10");
  });

  it.skipIf(!existsSync(SCHEMA))("every captured document is valid against the engine schema", () => {
    const schema = buildSchema(readFileSync(SCHEMA, "utf8"));
    const all = [...byCase.values()].flat();
    for (const d of all) expect(validate(schema, parse(d.query)).map((e) => e.message)).toEqual([]);
  });
});
