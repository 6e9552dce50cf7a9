import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAndFetch } from "../../src/adapters/resolve-and-fetch.js";
import { resolveHeaders } from "../../src/adapters/resolver.js";
import { createSourceLinks } from "../../src/adapters/sources/index.js";
import type { Arch } from "../../src/core/arch.js";
import { companionsFromDepends } from "../../src/core/headers/dependencies.js";
import type { HeaderSource } from "../../src/core/targets.js";
import { adapterFor } from "../../src/distros/registry.js";
import { type FixtureServer, startFixtureServer } from "../support/fixture-server.js";
import {
  createSignedAptRepos,
  debianIdentity,
  debianTarget,
  type FixtureDeb,
  type SignedAptRepos,
} from "../support/signed-apt-repo.js";

/**
 * Header packages come from the headers package's signed Depends, not from naming rules: an rt kernel of a 7.x
 * backport depends on the plain `-common` (the rule says `-common-rt`, which this repository does not have), the
 * version an `(= v)` relation demands is the one taken, and a cross build still takes kbuild for the build host.
 */

const ABI = "7.2.99+deb13";
const V = "7.2.99-1~bpo13+1";
const depends = (flavour: string) =>
  `gcc-14-for-host, linux-base (>= 4.12~), linux-base-${ABI}-${flavour} (= ${V}), linux-headers-${ABI}-common (= ${V}), linux-kbuild-${ABI}`;
const deb = (name: string, arch: string, extra: Partial<FixtureDeb> = {}): FixtureDeb => ({
  name,
  version: V,
  arch,
  bytes: Buffer.from(`${name} ${arch} ${extra.version ?? V}`),
  ...extra,
});
const debs: FixtureDeb[] = [
  deb(`linux-headers-${ABI}-rt-amd64`, "amd64", { depends: depends("rt-amd64") }),
  deb(`linux-headers-${ABI}-rt-arm64`, "arm64", { depends: depends("rt-arm64") }),
  deb(`linux-headers-${ABI}-common`, "all"),
  // A later upload of the same name: the `(= v)` relation must win over "newest".
  deb(`linux-headers-${ABI}-common`, "all", { version: "7.2.99-2~bpo13+1" }),
  deb(`linux-kbuild-${ABI}`, "amd64"),
  deb(`linux-kbuild-${ABI}`, "arm64"),
];

const work = mkdtempSync(join(tmpdir(), "kmodforge-depends-"));
let server: FixtureServer;
let repos: SignedAptRepos;
let link: HeaderSource;

const target = () => debianTarget("13", [link]);
const identity = (arch: Arch) =>
  debianIdentity(`${ABI}-rt-${arch === "x86_64" ? "amd64" : "arm64"}`, "13", arch);
const links = () => createSourceLinks({ aptStateRoot: mkdtempSync(join(work, "apt-")) });

beforeAll(async () => {
  server = await startFixtureServer();
  repos = createSignedAptRepos(server);
  const mirror = repos.publish("bpo", { suite: "trixie-backports", debs, archs: ["amd64", "arm64"] });
  link = {
    kind: "apt",
    mirrors: [mirror],
    suites: ["trixie-backports"],
    components: ["main"],
    keyring: repos.keyring,
  };
}, 120_000);
afterAll(async () => {
  await repos?.close();
  await server?.close();
});

describe("companions from signed Depends", () => {
  it("the naming rule predicts -common-rt for this rt kernel (what the fixture must disprove)", () => {
    const planned = adapterFor("debian").headerPackages("debian", {
      ...identity("x86_64"),
      hostArch: "x86_64",
      parsed: identity("x86_64"),
    });
    expect(planned.find((p) => p.role === "common")?.name).toBe(`linux-headers-${ABI}-common-rt`);
  });

  it("resolves an rt kernel's common and kbuild packages from its Depends, pinned to the demanded version", async () => {
    const resolved = await resolveHeaders(identity("x86_64"), {
      target: target(),
      hostArch: "x86_64",
      links: links(),
    });
    const byRole = Object.fromEntries(resolved.packages.map((p) => [p.role, p]));
    expect(byRole.common).toMatchObject({
      name: `linux-headers-${ABI}-common`,
      version: V,
      packageArch: "all",
      requiredBy: `linux-headers-${ABI}-rt-amd64`,
    });
    expect(byRole.kbuild).toMatchObject({ name: `linux-kbuild-${ABI}`, packageArch: "amd64" });
    expect(byRole.headers?.depends).toContain(`linux-headers-${ABI}-common (= ${V})`);
    expect(resolved.trace.some((t) => t.package.endsWith("-common-rt"))).toBe(false);
  });

  it("cross build: arm64 headers, arch-all common, kbuild for the amd64 build host", async () => {
    const { resolved, fetched } = await resolveAndFetch(identity("aarch64"), {
      target: target(),
      hostArch: "x86_64",
      links: links(),
      cacheDir: join(work, "packages"),
    });
    expect(resolved.packages.map((p) => `${p.role}:${p.name}:${p.packageArch}`).sort()).toEqual([
      `common:linux-headers-${ABI}-common:all`,
      `headers:linux-headers-${ABI}-rt-arm64:arm64`,
      `kbuild:linux-kbuild-${ABI}:amd64`,
    ]);
    expect(fetched).toHaveLength(3);
  });

  it("keeps the planned name for a role the Depends do not fill, and reads Ubuntu's source package", () => {
    const planned = [
      { name: "linux-headers-6.1.0-9-amd64", role: "headers" as const, arch: "target" as const },
      { name: "linux-headers-6.1.0-9-common", role: "common" as const, arch: "all" as const },
      { name: "linux-kbuild-6.1", role: "kbuild" as const, arch: "host" as const },
    ];
    const debian = adapterFor("debian").dependencyRole!;
    expect(companionsFromDepends(planned, "linux-headers-6.1.0-9-common (= 6.1.27-1)", debian)).toEqual([
      { ...planned[0], fromDepends: false },
      { ...planned[1], version: "6.1.27-1", fromDepends: true },
      { ...planned[2], fromDepends: false },
    ]);
    const ubuntu = adapterFor("ubuntu").dependencyRole!;
    const hwe = [{ name: "linux-hwe-6.8-headers-6.8.0-45", role: "common" as const, arch: "all" as const }];
    expect(
      companionsFromDepends(
        hwe,
        "linux-hwe-6.8-headers-6.8.0-45, libc6 (>= 2.34), libelf1t64 (>= 0.142)",
        ubuntu,
      ),
    ).toEqual([{ ...hwe[0], fromDepends: true }]);
    expect(ubuntu("linux-headers-6.8.0-45-generic")).toBeUndefined();
    expect(debian("linux-base")).toBeUndefined();
  });
});
