import { describe, expect, it } from "vitest";
import { parseIdentity } from "../../src/core/identity.js";
import { checkSupport } from "../../src/core/support.js";
import { parseTargetsFile, type TargetsPolicy } from "../../src/core/targets.js";

const policy: TargetsPolicy = {
  files: [
    parseTargetsFile(
      "ubuntu.yaml",
      `distro: ubuntu
versions:
  - version: "22.04"
    arches: [x86_64]
    builderImage: ubuntu:22.04
    compiler: { defaultMajor: 11 }
    flavours: [generic, aws]
    minKernel: "5.15"
    exclude: ["5.15.0-1034-*"]
    pins: ["5.4.0-1*"]
    headerSources: [{ kind: apt, suites: [jammy] }]
`,
    ),
  ],
};

function verdict(kernelRelease: string, distroVersion = "22.04", arch = "x86_64", distro = "ubuntu") {
  const id = parseIdentity({ kernelRelease, distro, distroVersion, arch });
  if (!id.ok) throw id.error;
  return checkSupport(id.value, policy);
}

describe("supported-target verdict", () => {
  it("supports a listed version, arch and flavour", () => {
    expect(verdict("5.15.0-118-generic")).toMatchObject({ supported: true });
  });

  it.each([
    ["unlisted version", () => verdict("6.8.0-45-generic", "24.04"), /24\.04 is not a supported version/],
    [
      "unlisted arch",
      () => verdict("5.15.0-118-generic", "22.04", "aarch64"),
      /aarch64 is not a target arch/,
    ],
    ["unlisted flavour", () => verdict("5.15.0-47-lowlatency"), /flavour lowlatency/],
    ["excluded release", () => verdict("5.15.0-1034-aws"), /excluded by pattern 5\.15\.0-1034-\*/],
    [
      "unlisted distribution",
      () => verdict("6.1.0-18-amd64", "12", "x86_64", "debian"),
      /no targets file lists debian/,
    ],
  ])("%s is unsupported with a reason", (_name, run, reason) => {
    const v = run();
    expect(v.supported).toBe(false);
    expect(v.reason).toMatch(reason);
  });

  it("minKernel floors the upstream version", () => {
    const id = parseIdentity({
      kernelRelease: "5.15.0-118-generic",
      distro: "ubuntu",
      distroVersion: "22.04",
      arch: "x86_64",
    });
    if (!id.ok) throw id.error;
    const v = checkSupport({ ...id.value, upstreamVersion: "5.14.0" }, policy);
    expect(v).toMatchObject({ supported: false });
    expect(v.reason).toMatch(/older than minKernel 5\.15/);
  });

  it("a pin keeps a kernel whatever its flavour or age", () => {
    const id = parseIdentity({
      kernelRelease: "5.15.0-1001-gke",
      distro: "ubuntu",
      distroVersion: "22.04",
      arch: "x86_64",
    });
    if (!id.ok) throw id.error;
    const pinned = checkSupport(
      { ...id.value, kernelRelease: "5.4.0-1001-gke", upstreamVersion: "5.4.0" },
      policy,
    );
    expect(pinned).toMatchObject({ supported: true });
    expect(pinned.reason).toMatch(/pinned/);
  });

  it("parsing does not depend on support: old releases parse and are reported unsupported", () => {
    const v = verdict("4.15.0-188-generic", "18.04");
    expect(v.supported).toBe(false);
  });
});
