import type { DiscoveredKernel } from "../../src/core/sweep/matrix.js";
import type { TargetsPolicy } from "../../src/core/targets.js";
import { parseTargetsFile } from "../../src/core/targets.js";

/** A policy admitting Debian 12 on both arches, every flavour, no exclusions: synthetic kernels all pass. */
export function syntheticPolicy(): TargetsPolicy {
  const yaml = `distro: debian
versions:
  - version: "12"
    arches: [x86_64, aarch64]
    builderImage: debian:bookworm
    compiler: { family: gcc, defaultMajor: 12 }
    headerSources:
      - kind: apt
        suites: [bookworm]
`;
  return { files: [parseTargetsFile("synthetic.yaml", yaml)] };
}

const FLAVOURS = [
  ["x86_64", "amd64"],
  ["x86_64", "cloud-amd64"],
  ["x86_64", "rt-amd64"],
  ["aarch64", "arm64"],
] as const;

/** `n` distinct, valid Debian 12 kernels with apt-style header files (what discovery hands the matrix). */
export function syntheticKernels(n: number, revision = "1"): DiscoveredKernel[] {
  const out: DiscoveredKernel[] = [];
  for (let i = 0; i < n; i++) {
    const [arch, flavour] = FLAVOURS[i % FLAVOURS.length]!;
    const abi = Math.floor(i / FLAVOURS.length) + 1;
    const release = `6.1.0-${abi}-${flavour}`;
    const version = `6.1.${abi}-${revision}`;
    const sha = (abi * 2654435761 + i).toString(16).padStart(64, "0").slice(-64);
    out.push({
      input: { kernelRelease: release, distro: "debian", distroVersion: "12", arch },
      headerFiles: [
        {
          name: `linux-headers-${release}`,
          version,
          url: `http://mirror.test/pool/main/l/linux/linux-headers-${release}_${version}.deb`,
          sha256: sha,
        },
        {
          name: `linux-headers-6.1.0-${abi}-common`,
          version,
          url: `http://mirror.test/pool/main/l/linux/common-${abi}_${version}.deb`,
        },
      ],
      source: "apt:bookworm",
    });
  }
  return out;
}
