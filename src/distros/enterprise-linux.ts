import type { DistroAdapter } from "./adapter.js";

// Placeholder until this family's rules are written.
export const enterpriseLinuxAdapter: DistroAdapter = {
  distros: ["centos","almalinux","rocky"],
  packageFormat: "rpm",
  normaliseVersion: (_d, input) => input,
  parseRelease: (_d, ctx) => [
    { field: "kernelRelease", given: ctx.kernelRelease, expected: "-", message: "not implemented" },
  ],
  headerPackages: () => [],
};
