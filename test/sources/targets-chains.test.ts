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
  "https://yum.oracle.com": "/rpm/oraclelinux",
  "https://download.opensuse.org": "/rpm/opensuse",
  "https://vault.centos.org": "/rpm/centos/vault",
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

  it("Rocky 8: an .el8 kernel (no minor in its tag) comes from the vault of its GA build's point release, 8.7", async () => {
    const r = await resolve("rocky", "8", "8", "4.18.0-425.3.1.el8.x86_64", "x86_64");
    expect(r.found.map((f) => f.url)).toEqual([
      `${server.url}/rpm/rocky/vault/rocky/8.7/BaseOS/x86_64/os/Packages/k/kernel-devel-4.18.0-425.3.1.el8.x86_64.rpm`,
    ]);
    expect(r.found[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("CentOS 8 and 7: the vault under the point release's full name (8.4 → 8.4.2105, 7.9 → 7.9.2009)", async () => {
    const c8 = await resolve("centos", "8", "8", "4.18.0-305.3.1.el8.x86_64", "x86_64");
    expect(c8.found.map((f) => f.url)).toEqual([
      `${server.url}/rpm/centos/vault/8.4.2105/BaseOS/x86_64/os/Packages/kernel-devel-4.18.0-305.3.1.el8.x86_64.rpm`,
    ]);
    const c7 = await resolve("centos", "7", "7", "3.10.0-1160.119.1.el7.x86_64", "x86_64");
    expect(traceSummary(c7.trace)).toEqual(["vault found"]);
    expect(c7.found[0]!.url).toBe(
      `${server.url}/rpm/centos/vault/7.9.2009/updates/x86_64/Packages/kernel-devel-3.10.0-1160.119.1.el7.x86_64.rpm`,
    );
  });

  it("Oracle Linux 9: UEK from the UEK R7 repository, RHCK from appstream, both verified", async () => {
    const uek = await resolve("oraclelinux", "9", "9", "5.15.0-105.125.6.2.el9uek.x86_64", "x86_64");
    expect(uek.found.map((f) => `${f.name} ${f.version} ${f.packageArch}`)).toEqual([
      "kernel-uek-devel 5.15.0-105.125.6.2.el9uek x86_64",
    ]);
    expect(uek.found[0]!.url).toBe(
      `${server.url}/rpm/oraclelinux/repo/OracleLinux/OL9/UEKR7/x86_64/getPackage/kernel-uek-devel-5.15.0-105.125.6.2.el9uek.x86_64.rpm`,
    );
    expect(uek.found[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    const rhck = await resolve("oraclelinux", "9", "9", "5.14.0-570.51.1.0.1.el9_6.x86_64", "x86_64");
    expect(traceSummary(rhck.trace)).toEqual(["rpm-repo found"]);
    expect(rhck.found[0]!.url).toContain(
      "/OL9/appstream/x86_64/getPackage/kernel-devel-5.14.0-570.51.1.0.1.el9_6",
    );
  });

  it("Oracle Linux: UEK 8 on OL9, UEK R6 and RHCK on OL8, UEK 64k on aarch64", async () => {
    const uek8 = await resolve("oraclelinux", "9", "9", "6.12.0-100.28.2.2.el9uek.x86_64", "x86_64");
    expect(uek8.found[0]!.url).toContain(
      "/OL9/UEKR8/x86_64/getPackage/kernel-uek-devel-6.12.0-100.28.2.2.el9uek",
    );
    const uek6 = await resolve("oraclelinux", "8", "8", "5.4.17-2136.307.3.1.el8uek.x86_64", "x86_64");
    expect(uek6.found[0]!.url).toContain(
      "/OL8/UEKR6/x86_64/getPackage/kernel-uek-devel-5.4.17-2136.307.3.1.el8uek",
    );
    const rhck = await resolve("oraclelinux", "8", "8", "4.18.0-372.26.1.0.1.el8_6.x86_64", "x86_64");
    expect(rhck.found[0]!.url).toContain(
      "/OL8/baseos/latest/x86_64/getPackage/kernel-devel-4.18.0-372.26.1.0.1.el8_6",
    );
    const arm = await resolve("oraclelinux", "9", "9", "5.15.0-105.125.6.2.el9uek.aarch64+64k", "aarch64");
    expect(arm.found.map((f) => f.name)).toEqual(["kernel-uek64k-devel"]);
  });

  it("openSUSE Leap 15.6: kernel-default-devel, kernel-devel and kernel-macros matched on the uname release as prefix", async () => {
    const r = await resolve("opensuse", "15.6", "15.6", "6.4.0-150600.23.7-default", "x86_64");
    expect(r.pending).toEqual([]);
    // The counters differ per subpackage (.3 and .2): the prefix matches each.
    expect(r.found.map((f) => `${f.name} ${f.version} ${f.packageArch}`).sort()).toEqual([
      "kernel-default-devel 6.4.0-150600.23.7.3 x86_64",
      "kernel-devel 6.4.0-150600.23.7.2 noarch",
      "kernel-macros 6.4.0-150600.23.7.2 noarch",
    ]);
    for (const f of r.found) {
      expect(f.url.startsWith(`${server.url}/rpm/opensuse/update/leap/15.6/sle/`)).toBe(true);
      expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("openSUSE Leap 15.6 aarch64 64kb: the GA kernel from the distribution tree after the update repository misses", async () => {
    const r = await resolve("opensuse", "15.6", "15.6", "6.4.0-150600.16-64kb", "aarch64");
    expect(r.found.map((f) => f.url.replace(server.url, "")).sort()).toEqual([
      "/rpm/opensuse/distribution/leap/15.6/repo/oss/aarch64/kernel-64kb-devel-6.4.0-150600.16.3.aarch64.rpm",
      "/rpm/opensuse/distribution/leap/15.6/repo/oss/noarch/kernel-devel-6.4.0-150600.16.1.noarch.rpm",
      "/rpm/opensuse/distribution/leap/15.6/repo/oss/noarch/kernel-macros-6.4.0-150600.16.1.noarch.rpm",
    ]);
    const misses = r.trace.filter((t) => t.outcome === "miss");
    expect(misses.map((t) => [t.reason, t.url?.includes("/update/leap/15.6/sle/")])).toEqual([
      ["not-found", true],
      ["not-found", true],
      ["not-found", true],
    ]);
  });

  it("SLES 15 SP4: the same SLE kernel from openSUSE Leap 15.4's update repository", async () => {
    const r = await resolve("sles", "15.4", "15-SP4", "5.14.21-150400.22-default", "x86_64");
    expect(r.found.map((f) => `${f.name} ${f.version}`).sort()).toEqual([
      "kernel-default-devel 5.14.21-150400.22.1",
      "kernel-devel 5.14.21-150400.22.1",
      "kernel-macros 5.14.21-150400.22.1",
    ]);
  });

  it("SUSE: a release that only shares a prefix of digits is not the kernel (150600.23.2 is not 150600.23.25)", async () => {
    const r = await resolve("opensuse", "15.6", "15.6", "6.4.0-150600.23.2-default", "x86_64");
    expect(r.found).toEqual([]);
    expect(r.pending.map((p) => p.name).sort()).toEqual([
      "kernel-default-devel",
      "kernel-devel",
      "kernel-macros",
    ]);
  });

  it("Amazon Linux 2023 6.12: kernel6.12-devel from latest", async () => {
    const r = await resolve("amazonlinux", "2023", "2023", "6.12.58-82.121.amzn2023.x86_64", "x86_64");
    expect(traceSummary(r.trace)).toEqual(["rpm-repo found"]);
    expect(r.found[0]!.name).toBe("kernel6.12-devel");
  });
});
