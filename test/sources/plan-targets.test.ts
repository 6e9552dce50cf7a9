import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createArchiveSourceLinks } from "../../src/adapters/sources/archive-links.js";
import { dispatchLink } from "../../src/adapters/sources/index.js";
import type { Arch } from "../../src/core/arch.js";
import type { PlannedUrl } from "../../src/core/headers/types.js";
import { parseIdentity } from "../../src/core/identity.js";
import { parseTargetsFile, type TargetsFile, type VersionTarget } from "../../src/core/targets.js";
import type { Distro, HeaderPackageSpec } from "../../src/distros/adapter.js";
import { identity } from "../support/source-fixtures.js";

/**
 * Offline plans over the real targets/*.yaml: for every distribution version and arch, each non-apt link of the
 * chain lists its candidates, links appear in chain order, and a few exact URLs per distribution are pinned.
 */

const TARGETS = join(import.meta.dirname, "../../targets");
const files: TargetsFile[] = readdirSync(TARGETS)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => parseTargetsFile(f, readFileSync(join(TARGETS, f), "utf8")));
const links = createArchiveSourceLinks();

/** A real-shaped kernel of each distribution version, and the packages its build needs. */
function sample(distro: Distro, version: string, arch: Arch): { kr: string; packages: HeaderPackageSpec[] } {
  const devel = (name = "kernel-devel"): HeaderPackageSpec => ({ name, role: "headers", arch: "target" });
  switch (distro) {
    case "fedora":
      return { kr: `6.17.7-300.fc${version}.${arch}`, packages: [devel()] };
    case "centos": {
      const kr = {
        "7": "3.10.0-1160.119.1.el7",
        "8": "4.18.0-348.7.1.el8_5",
        "9": "5.14.0-611.el9",
        "10": "6.12.0-124.el10",
      }[version];
      return { kr: `${kr}.${arch}`, packages: [devel()] };
    }
    case "oraclelinux":
    case "opensuse":
    case "sles": {
      const kr = {
        "8": `5.4.17-2136.307.3.1.el8uek.${arch}`,
        "9": `5.15.0-105.125.6.2.el9uek.${arch}`,
        "15.3": "5.3.18-150300.59.167-default",
        "15.4": "5.14.21-150400.24.136-default",
        "15.5": "5.14.21-150500.55.52-default",
        "15.6": "6.4.0-150600.23.25-default",
      }[version]!;
      const id = parseIdentity({ kernelRelease: kr, distro, distroVersion: version, arch });
      if (!id.ok) throw id.error;
      return { kr, packages: id.value.headerPackages };
    }
    case "almalinux":
    case "rocky": {
      const kr = {
        "8": "4.18.0-553.22.1.el8_10",
        "9": "5.14.0-503.14.1.el9_5",
        "10": "6.12.0-55.9.1.el10_0",
      }[version];
      return { kr: `${kr}.${arch}`, packages: [devel()] };
    }
    case "amazonlinux":
      return version === "2"
        ? {
            kr: `5.10.210-201.852.amzn2.${arch}`,
            packages: [devel(), { name: "gcc10", role: "compiler", arch: "host" }],
          }
        : { kr: `6.12.58-82.121.amzn2023.${arch}`, packages: [devel("kernel6.12-devel")] };
    case "debian": {
      const deb = arch === "x86_64" ? "amd64" : "arm64";
      return {
        kr: `6.1.0-18-${deb}`,
        packages: [
          { name: `linux-headers-6.1.0-18-${deb}`, role: "headers", arch: "target" },
          { name: "linux-headers-6.1.0-18-common", role: "common", arch: "all" },
        ],
      };
    }
    case "ubuntu":
      return {
        kr: "5.15.0-91-generic",
        packages: [
          { name: "linux-headers-5.15.0-91-generic", role: "headers", arch: "target" },
          { name: "linux-headers-5.15.0-91", role: "common", arch: "all" },
        ],
      };
  }
}

function planFor(distro: Distro, target: VersionTarget, arch: Arch): Array<PlannedUrl & { link: number }> {
  const s = sample(distro, target.version, arch);
  const req = {
    identity: identity(distro, target.version, s.kr, arch),
    packages: s.packages,
    hostArch: "x86_64" as const,
    target,
    requireVerified: false,
  };
  return target.headerSources.flatMap((link, i) =>
    link.kind === "apt"
      ? []
      : (
          dispatchLink(links, link.kind, link, (impl, own) => impl.plan(own, req, { hostAptMirrors: [] })) ??
          []
        ).map((p) => ({ ...p, link: i })),
  );
}

function find(distro: Distro, version: string): VersionTarget {
  const t = files.find((f) => f.distro === distro)?.versions.find((v) => v.version === version);
  if (!t) throw new Error(`targets has no ${distro} ${version}`);
  return t;
}

describe("offline plans for every distribution version in targets/", () => {
  it("covers the distributions whose chains use these links", () => {
    expect(files.map((f) => f.distro).sort()).toEqual(
      expect.arrayContaining(["almalinux", "amazonlinux", "centos", "fedora", "rocky"]),
    );
  });
  for (const file of files) {
    for (const target of file.versions) {
      for (const arch of target.arches) {
        it(`${file.distro} ${target.version} ${arch}: every link plans candidates, in chain order`, () => {
          const plan = planFor(file.distro, target, arch);
          const nonApt = target.headerSources.map((l, i) => ({ l, i })).filter(({ l }) => l.kind !== "apt");
          for (const { i } of nonApt)
            expect(
              plan.some((p) => p.link === i),
              `link ${i} planned nothing`,
            ).toBe(true);
          expect(plan.map((p) => p.link)).toEqual([...plan.map((p) => p.link)].sort((a, b) => a - b));
          for (const p of plan) {
            expect(p.url).toMatch(/^https?:\/\/[^\s$]+$/);
            expect(p.url).not.toContain("{");
          }
        });
      }
    }
  }
});

describe("exact candidates", () => {
  const urls = (distro: Distro, version: string, arch: Arch, pkg?: string) =>
    planFor(distro, find(distro, version), arch)
      .filter((p) => !pkg || p.package === pkg)
      .map((p) => p.url);

  it("Fedora 43: updates and release repos → updates archive → Koji → archived repos", () => {
    expect(urls("fedora", "43", "x86_64")).toEqual([
      "https://dl.fedoraproject.org/pub/fedora/linux/updates/43/Everything/x86_64/repodata/repomd.xml",
      "https://dl.fedoraproject.org/pub/fedora/linux/releases/43/Everything/x86_64/os/repodata/repomd.xml",
      "https://fedoraproject-updates-archive.fedoraproject.org/fedora/43/x86_64/kernel-devel-6.17.7-300.fc43.x86_64.rpm",
      "https://kojipkgs.fedoraproject.org/packages/kernel/6.17.7/300.fc43/x86_64/kernel-devel-6.17.7-300.fc43.x86_64.rpm",
      "https://archives.fedoraproject.org/pub/archive/fedora/linux/updates/43/Everything/x86_64/repodata/repomd.xml",
      "https://archives.fedoraproject.org/pub/archive/fedora/linux/releases/43/Everything/x86_64/os/repodata/repomd.xml",
    ]);
  });

  it("CentOS Stream 9 aarch64: mirror → Stream Koji signed copy, then unsigned → CBS", () => {
    expect(urls("centos", "9", "aarch64")).toEqual([
      "https://mirror.stream.centos.org/9-stream/AppStream/aarch64/os/repodata/repomd.xml",
      "https://mirror.stream.centos.org/9-stream/BaseOS/aarch64/os/repodata/repomd.xml",
      "https://kojihub.stream.centos.org/kojifiles/packages/kernel/5.14.0/611.el9/data/signed/8483c65d/aarch64/kernel-devel-5.14.0-611.el9.aarch64.rpm",
      "https://kojihub.stream.centos.org/kojifiles/packages/kernel/5.14.0/611.el9/aarch64/kernel-devel-5.14.0-611.el9.aarch64.rpm",
      "https://cbs.centos.org/kojifiles/packages/kernel/5.14.0/611.el9/aarch64/kernel-devel-5.14.0-611.el9.aarch64.rpm",
    ]);
  });

  it("Rocky 9 and Alma 8: current repos, then the vault of the kernel's own minor", () => {
    expect(urls("rocky", "9", "x86_64")).toEqual([
      "https://dl.rockylinux.org/pub/rocky/9/BaseOS/x86_64/os/repodata/repomd.xml",
      "https://dl.rockylinux.org/pub/rocky/9/AppStream/x86_64/os/repodata/repomd.xml",
      "https://dl.rockylinux.org/vault/rocky/9.5/BaseOS/x86_64/os/repodata/repomd.xml",
      "https://dl.rockylinux.org/vault/rocky/9.5/AppStream/x86_64/os/repodata/repomd.xml",
    ]);
    expect(urls("almalinux", "8", "aarch64").slice(2)).toEqual([
      "https://vault.almalinux.org/8.10/BaseOS/aarch64/os/repodata/repomd.xml",
      "https://vault.almalinux.org/8.10/AppStream/aarch64/os/repodata/repomd.xml",
    ]);
  });

  it("CentOS 7 and 8: the vault of the kernel's point release under its full name", () => {
    expect(urls("centos", "7", "x86_64")).toEqual([
      "https://vault.centos.org/7.9.2009/updates/x86_64/repodata/repomd.xml",
      "https://vault.centos.org/7.9.2009/os/x86_64/repodata/repomd.xml",
    ]);
    expect(urls("centos", "8", "aarch64")[0]).toBe(
      "https://vault.centos.org/8.5.2111/BaseOS/aarch64/os/repodata/repomd.xml",
    );
  });

  it("Oracle Linux 9: Oracle's yum repositories, RHCK trees then UEK releases", () => {
    expect(urls("oraclelinux", "9", "aarch64")).toEqual([
      "https://yum.oracle.com/repo/OracleLinux/OL9/appstream/aarch64/repodata/repomd.xml",
      "https://yum.oracle.com/repo/OracleLinux/OL9/baseos/latest/aarch64/repodata/repomd.xml",
      "https://yum.oracle.com/repo/OracleLinux/OL9/UEKR8/aarch64/repodata/repomd.xml",
      "https://yum.oracle.com/repo/OracleLinux/OL9/UEKR7/aarch64/repodata/repomd.xml",
    ]);
  });

  it("openSUSE Leap and SLES: the Leap trees of the version, for each of the three packages", () => {
    const leap = (pkg: string) => urls("opensuse", "15.6", "x86_64", pkg);
    expect(leap("kernel-default-devel")).toEqual([
      "https://download.opensuse.org/update/leap/15.6/sle/repodata/repomd.xml",
      "https://download.opensuse.org/distribution/leap/15.6/repo/oss/repodata/repomd.xml",
      "https://download.opensuse.org/update/leap/15.6/oss/repodata/repomd.xml",
    ]);
    expect(leap("kernel-devel")).toEqual(leap("kernel-default-devel"));
    expect(leap("kernel-macros")).toEqual(leap("kernel-default-devel"));
    expect(urls("sles", "15.4", "aarch64", "kernel-default-devel")).toEqual([
      "https://download.opensuse.org/update/leap/15.4/sle/repodata/repomd.xml",
      "https://download.opensuse.org/distribution/leap/15.4/repo/oss/repodata/repomd.xml",
    ]);
  });

  it("Amazon Linux 2: topic-repo mirror lists, for the kernel and the gcc10 compiler of the build host", () => {
    const mirrors = (arch: string) => [
      `http://amazonlinux.us-east-1.amazonaws.com/2/core/2.0/${arch}/mirror.list`,
      `http://amazonlinux.us-east-1.amazonaws.com/2/core/latest/${arch}/mirror.list`,
      `http://amazonlinux.us-east-1.amazonaws.com/2/extras/kernel-5.4/latest/${arch}/mirror.list`,
      `http://amazonlinux.us-east-1.amazonaws.com/2/extras/kernel-5.10/latest/${arch}/mirror.list`,
      `http://amazonlinux.us-east-1.amazonaws.com/2/extras/kernel-5.15/latest/${arch}/mirror.list`,
    ];
    expect(urls("amazonlinux", "2", "aarch64", "kernel-devel")).toEqual(mirrors("aarch64"));
    expect(urls("amazonlinux", "2", "aarch64", "gcc10")).toEqual(mirrors("x86_64"));
  });

  it("Amazon Linux 2023: latest, then the date-stamped release", () => {
    expect(urls("amazonlinux", "2023", "x86_64")).toEqual([
      "https://cdn.amazonlinux.com/al2023/core/mirrors/latest/x86_64/mirror.list",
      "https://cdn.amazonlinux.com/al2023/core/mirrors/2023.9.20251117/x86_64/mirror.list",
    ]);
  });

  it("Debian and Ubuntu archives after apt: snapshot mr API, Launchpad publishing history", () => {
    expect(urls("debian", "12", "aarch64")).toEqual([
      "https://snapshot.debian.org/mr/binary/linux-headers-6.1.0-18-arm64/",
      "https://snapshot.debian.org/mr/binary/linux-headers-6.1.0-18-common/",
    ]);
    expect(urls("ubuntu", "22.04", "x86_64")[0]).toBe(
      "https://api.launchpad.net/devel/ubuntu/+archive/primary?ws.op=getPublishedBinaries&binary_name=linux-headers-5.15.0-91-generic&exact_match=true",
    );
  });
});
