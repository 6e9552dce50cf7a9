import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Arch } from "../../src/core/arch.js";
import type { ResolveContext } from "../../src/core/headers/types.js";
import { parseIdentity } from "../../src/core/identity.js";
import { type HeaderSource, parseTargetsFile, type VersionTarget } from "../../src/core/targets.js";
import type { Distro } from "../../src/distros/adapter.js";
import { type FixtureServer, startFixtureServer } from "../support/fixture-server.js";
import { runChain, traceSummary } from "../support/run-chain.js";
import { context, FIXTURES, serveTree } from "../support/source-fixtures.js";

/**
 * Real kernel identities (parseIdentity → the packages their build needs) through the real targets/ chains, with
 * each public host rewritten to the fixture server: the chain order of targets/ decides which link answers.
 */

let server: FixtureServer;
let ctx: ResolveContext;
beforeAll(async () => {
  server = await startFixtureServer();
  serveTree(server, join(FIXTURES, "rpm-repo"), "/rpm", {
    "http://amazonlinux.us-east-1.amazonaws.com": "/rpm/amazonlinux",
    "https://cdn.amazonlinux.com": "/rpm",
  });
  serveTree(server, join(FIXTURES, "koji"), "/koji");
  ctx = await context();
});
afterAll(() => server.close());

const HOSTS: Record<string, string> = {
  "https://dl.fedoraproject.org/pub/fedora/linux": "/rpm/fedora",
  "https://fedoraproject-updates-archive.fedoraproject.org": "/nowhere",
  "https://kojipkgs.fedoraproject.org": "/koji/fedora",
  "https://archives.fedoraproject.org": "/nowhere",
  "https://mirror.stream.centos.org": "/rpm/centos-stream",
  "https://kojihub.stream.centos.org/kojifiles": "/koji/stream/kojifiles",
  "https://cbs.centos.org/kojifiles": "/koji/cbs/kojifiles",
  "https://dl.rockylinux.org": "/rpm/rocky",
  "https://repo.almalinux.org/almalinux": "/rpm/almalinux",
  "https://vault.almalinux.org": "/rpm/almalinux",
  "http://amazonlinux.us-east-1.amazonaws.com": "/rpm/amazonlinux",
  "https://cdn.amazonlinux.com": "/rpm",
};

function chainOf(distro: Distro, version: string): { target: VersionTarget; chain: HeaderSource[] } {
  const file = parseTargetsFile(
    `${distro}.yaml`,
    readFileSync(join(import.meta.dirname, `../../targets/${distro}.yaml`), "utf8"),
  );
  const target = file.versions.find((v) => v.version === version)!;
  let text = JSON.stringify(target.headerSources);
  for (const [host, path] of Object.entries(HOSTS)) text = text.split(host).join(`${server.url}${path}`);
  return { target, chain: JSON.parse(text) as HeaderSource[] };
}

async function resolve(
  distro: Distro,
  targetVersion: string,
  distroVersion: string,
  kernelRelease: string,
  arch: Arch,
) {
  const id = parseIdentity({ kernelRelease, distro, distroVersion, arch });
  if (!id.ok) throw id.error;
  const { target, chain } = chainOf(distro, targetVersion);
  const req = {
    identity: id.value,
    packages: id.value.headerPackages,
    hostArch: "x86_64" as const,
    target,
    requireVerified: false,
  };
  return runChain(chain, req, ctx);
}

describe("real identities through the targets/ chains", () => {
  it("Fedora: the updates repository answers", async () => {
    const r = await resolve("fedora", "43", "40", "6.8.9-300.fc40.x86_64", "x86_64");
    expect(traceSummary(r.trace)).toEqual(["rpm-repo found"]);
    expect(r.found[0]!.url).toBe(
      `${server.url}/rpm/fedora/updates/40/Everything/x86_64/Packages/k/kernel-devel-6.8.9-300.fc40.x86_64.rpm`,
    );
  });

  it("CentOS Stream 9: a build the mirror no longer has comes from the Stream Koji", async () => {
    const r = await resolve("centos", "9", "9", "5.14.0-503.el9.aarch64", "aarch64");
    expect(traceSummary(r.trace)).toEqual([
      "rpm-repo miss not-found",
      "rpm-repo miss not-found",
      "koji miss not-found",
      "koji found",
    ]);
    expect(r.found[0]!.url).toContain("/koji/stream/kojifiles/packages/kernel/5.14.0/503.el9/aarch64/");
  });

  it("CentOS Stream 9: a current build comes from the mirror, verified", async () => {
    const r = await resolve("centos", "9", "9", "5.14.0-427.el9.x86_64", "x86_64");
    expect(traceSummary(r.trace)).toEqual(["rpm-repo found"]);
    expect(r.found[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("Rocky 9: an el9_5 kernel comes from the 9.5 vault", async () => {
    const r = await resolve("rocky", "9", "9", "5.14.0-503.14.1.el9_5.x86_64", "x86_64");
    expect(traceSummary(r.trace)).toEqual([
      "rpm-repo miss not-found",
      "rpm-repo miss not-found",
      "vault miss not-found",
      "vault found",
    ]);
  });

  it("AlmaLinux 9: an el9_4 aarch64 kernel comes from the 9.4 vault", async () => {
    const r = await resolve("almalinux", "9", "9", "5.14.0-427.13.1.el9_4.aarch64", "aarch64");
    expect(r.found.map((f) => f.url)).toEqual([
      `${server.url}/rpm/almalinux/9.4/AppStream/aarch64/os/Packages/k/kernel-devel-5.14.0-427.13.1.el9_4.aarch64.rpm`,
    ]);
    expect(traceSummary(r.trace).at(-1)).toBe("vault found");
  });

  it("Amazon Linux 2 5.10: kernel-devel from the kernel-5.10 topic repo, gcc10 from core", async () => {
    const r = await resolve("amazonlinux", "2", "2", "5.10.210-201.852.amzn2.x86_64", "x86_64");
    expect(r.found.map((f) => `${f.name} ${f.version}`).sort()).toEqual([
      "gcc10 10.5.0-1.amzn2.0.2",
      "kernel-devel 5.10.210-201.852.amzn2",
    ]);
    expect(r.pending).toEqual([]);
  });

  it("Amazon Linux 2023 6.12: kernel6.12-devel from latest", async () => {
    const r = await resolve("amazonlinux", "2023", "2023", "6.12.58-82.121.amzn2023.x86_64", "x86_64");
    expect(traceSummary(r.trace)).toEqual(["rpm-repo found"]);
    expect(r.found[0]!.name).toBe("kernel6.12-devel");
  });
});
