import { describe, expect, it } from "vitest";
import { type IdentityInput, parseIdentity } from "../../src/core/identity.js";

function issuesOf(input: IdentityInput) {
  const r = parseIdentity(input);
  if (r.ok) throw new Error(`accepted ${JSON.stringify(input)}`);
  return r.error.issues;
}

describe("consistency checks name the field, the value given and what is expected", () => {
  it.each([
    [
      "an .el9 kernel on CentOS 8",
      { kernelRelease: "5.14.0-427.el9.x86_64", distro: "centos", distroVersion: "8", arch: "x86_64" },
      "distroVersion",
      "9",
    ],
    [
      "an el9_4 kernel on Rocky 9.3",
      {
        kernelRelease: "5.14.0-427.13.1.el9_4.x86_64",
        distro: "rocky",
        distroVersion: "9.3",
        arch: "x86_64",
      },
      "distroVersion",
      "9.4",
    ],
    [
      "an .aarch64 suffix with arch x86_64",
      { kernelRelease: "5.14.0-427.el9.aarch64", distro: "centos", distroVersion: "9", arch: "x86_64" },
      "arch",
      "aarch64",
    ],
    [
      "an .x86_64 suffix with arch arm64",
      { kernelRelease: "6.8.9-300.fc40.x86_64", distro: "fedora", distroVersion: "40", arch: "arm64" },
      "arch",
      "x86_64",
    ],
    [
      "a fc39 kernel on Fedora 40",
      { kernelRelease: "6.5.6-300.fc39.x86_64", distro: "fedora", distroVersion: "40", arch: "x86_64" },
      "distroVersion",
      "39",
    ],
    [
      "an amzn2 kernel on AL2023",
      {
        kernelRelease: "5.10.210-201.852.amzn2.x86_64",
        distro: "amazonlinux",
        distroVersion: "2023",
        arch: "x86_64",
      },
      "distroVersion",
      "2",
    ],
    [
      "a Debian arm64 flavour with arch x86_64",
      { kernelRelease: "6.1.0-18-arm64", distro: "debian", distroVersion: "12", arch: "x86_64" },
      "arch",
      "aarch64",
    ],
    [
      "a +deb13 kernel on Debian 12",
      { kernelRelease: "6.12.38+deb13-amd64", distro: "debian", distroVersion: "12", arch: "x86_64" },
      "distroVersion",
      "13",
    ],
    [
      "a .deb11. upload on Debian 12",
      { kernelRelease: "6.1.0-0.deb11.48-amd64", distro: "debian", distroVersion: "12", arch: "x86_64" },
      "distroVersion",
      "11",
    ],
    [
      "a 5.10 backport on Debian 11 (it is built for 10)",
      { kernelRelease: "5.10.0-0.bpo.15-amd64", distro: "debian", distroVersion: "11", arch: "x86_64" },
      "distroVersion",
      "10",
    ],
    [
      "a 64k Ubuntu kernel on x86_64",
      { kernelRelease: "6.8.0-31-generic-64k", distro: "ubuntu", distroVersion: "24.04", arch: "x86_64" },
      "arch",
      "aarch64",
    ],
    [
      "a 64k EL variant on x86_64",
      { kernelRelease: "5.14.0-100.el9.x86_64+64k", distro: "centos", distroVersion: "9", arch: "x86_64" },
      "kernelRelease",
      undefined,
    ],
  ])("%s", (_name, input, field, expected) => {
    const issues = issuesOf(input);
    const hit = issues.find((i) => i.field === field);
    expect(hit, JSON.stringify(issues)).toBeDefined();
    if (expected !== undefined) expect(hit!.expected).toBe(expected);
    expect(hit!.message.length).toBeGreaterThan(10);
  });

  it("rejects an Ubuntu kernel line older than the series' own", () => {
    const [issue] = issuesOf({
      kernelRelease: "5.4.0-122-generic",
      distro: "ubuntu",
      distroVersion: "22.04",
      arch: "x86_64",
    });
    expect(issue!.field).toBe("distroVersion");
    expect(issue!.message).toContain("5.15");
  });

  it("26.04's GA line (7.0) is provisional: it names packages but refuses nothing", () => {
    const ga = parseIdentity({
      kernelRelease: "7.0.0-10-generic",
      distro: "ubuntu",
      distroVersion: "26.04",
      arch: "x86_64",
    });
    if (!ga.ok) throw ga.error;
    expect(ga.value.headerPackages.map((p) => p.name)).toEqual([
      "linux-headers-7.0.0-10-generic",
      "linux-headers-7.0.0-10",
    ]);
    expect(
      parseIdentity({
        kernelRelease: "6.19.0-5-generic",
        distro: "ubuntu",
        distroVersion: "26.04",
        arch: "x86_64",
      }).ok,
    ).toBe(true);
  });

  it("reports every bad field at once", () => {
    const issues = issuesOf({
      kernelRelease: "6.1.0-18-amd64;id",
      distro: "gentoo",
      distroVersion: "12",
      arch: "mips",
      driverVersion: "1 2",
    });
    expect(issues.map((i) => i.field).sort()).toEqual(["arch", "distro", "driverVersion", "kernelRelease"]);
    expect(issues.find((i) => i.field === "distro")!.given).toBe("gentoo");
  });

  it("rejects an unknown RPM variant and an unsupported arch suffix", () => {
    expect(
      issuesOf({
        kernelRelease: "5.14.0-427.el9.x86_64+foo",
        distro: "centos",
        distroVersion: "9",
        arch: "x86_64",
      })[0]!.field,
    ).toBe("kernelRelease");
    expect(
      issuesOf({
        kernelRelease: "5.14.0-427.el9.ppc64le",
        distro: "centos",
        distroVersion: "9",
        arch: "x86_64",
      })[0]!.message,
    ).toContain("ppc64le");
  });
});

describe("spellings are normalised", () => {
  it.each([
    [
      { kernelRelease: "6.1.0-18-amd64", distro: "Debian", distroVersion: "bookworm", arch: "amd64" },
      "debian",
      "12",
      "x86_64",
    ],
    [
      { kernelRelease: "6.1.0-18-amd64", distro: "debian", distroVersion: "12.5", arch: "x86_64" },
      "debian",
      "12",
      "x86_64",
    ],
    [
      { kernelRelease: "6.8.0-45-generic", distro: "ubuntu", distroVersion: "noble", arch: "arm64" },
      "ubuntu",
      "24.04",
      "aarch64",
    ],
    [
      { kernelRelease: "6.8.0-45-generic", distro: "ubuntu", distroVersion: "24.04.1", arch: "x86_64" },
      "ubuntu",
      "24.04",
      "x86_64",
    ],
    [
      {
        kernelRelease: "5.14.0-427.13.1.el9_4.x86_64",
        distro: "rockylinux",
        distroVersion: "9.4",
        arch: "x86_64",
      },
      "rocky",
      "9",
      "x86_64",
    ],
    [
      {
        kernelRelease: "5.14.0-427.el9.x86_64",
        distro: "centos-stream",
        distroVersion: "stream9",
        arch: "x86_64",
      },
      "centos",
      "9",
      "x86_64",
    ],
    [
      {
        kernelRelease: "6.1.79-99.167.amzn2023.x86_64",
        distro: "amzn",
        distroVersion: "2023.9.20251117",
        arch: "x86_64",
      },
      "amazonlinux",
      "2023",
      "x86_64",
    ],
    [
      {
        kernelRelease: "4.9.76-38.79.amzn2.x86_64",
        distro: "amazonlinux",
        distroVersion: "al2",
        arch: "x86_64",
      },
      "amazonlinux",
      "2",
      "x86_64",
    ],
    [
      {
        kernelRelease: "6.8.9-300.fc40.x86_64",
        distro: "fedora",
        distroVersion: 40 as unknown as string,
        arch: "x86_64",
      },
      "fedora",
      "40",
      "x86_64",
    ],
  ])("%j", (input, distro, version, arch) => {
    const r = parseIdentity(input);
    if (!r.ok) throw r.error;
    expect([r.value.distro, r.value.distroVersion, r.value.arch]).toEqual([distro, version, arch]);
  });

  it("takes host-arch kbuild for a Debian cross build and target-arch headers", () => {
    const r = parseIdentity(
      { kernelRelease: "6.1.0-18-arm64", distro: "debian", distroVersion: "12", arch: "aarch64" },
      { hostArch: "x86_64" },
    );
    if (!r.ok) throw r.error;
    expect(r.value.headerPackages.map((p) => [p.name, p.arch])).toEqual([
      ["linux-headers-6.1.0-18-arm64", "target"],
      ["linux-headers-6.1.0-18-common", "all"],
      ["linux-kbuild-6.1", "host"],
    ]);
  });
});
