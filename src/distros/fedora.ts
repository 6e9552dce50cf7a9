import type { FieldIssue } from "../core/errors.js";
import type { DistroAdapter, ParsedRelease, ReleaseContext } from "./adapter.js";
import {
  develPackage,
  kernelsBuildTree,
  parseRpmRelease,
  parseTaggedRpmRelease,
  rpmCrawlerRule,
} from "./rpm-release.js";

/**
 * Fedora. `uname -r` is the kernel NVRA: `6.8.9-300.fc40.x86_64`, rawhide `6.13.0-0.rc2.24.fc42.x86_64`, variants
 * `…aarch64+16k`, `…x86_64+debug`. The `fcNN` tag names the release the kernel was built for.
 */

const EXPECTED = "a Fedora release such as 6.8.9-300.fc40.x86_64";
const TAG = /^fc(\d+)$/;

function normaliseVersion(input: string): string | FieldIssue {
  const m = /^(?:f|fc|fedora-?)?(\d{2,3})$/i.exec(input);
  if (m && Number(m[1]) >= 10) return String(Number(m[1]));
  return {
    field: "distroVersion",
    given: input,
    expected: "a Fedora release number such as 40, 41, 43",
    message: `distroVersion: ${JSON.stringify(input)} is not a Fedora release; expected a release number such as 40, 41, 43`,
  };
}

function parse(ctx: ReleaseContext): ParsedRelease | FieldIssue[] {
  const r = parseTaggedRpmRelease(ctx, TAG, EXPECTED, "Fedora");
  return Array.isArray(r) ? r : r.parsed;
}

export const fedoraAdapter: DistroAdapter = {
  distros: ["fedora"],
  aliases: {},
  packageFormat: "rpm",
  builder: {
    dockerfile: "dockerfiles/fedora.Dockerfile",
    crossCompiles: false,
  },
  crawler: { fedora: rpmCrawlerRule("fedora", /\.fc(\d+)/) },
  help: () => ({ title: "Fedora", versions: "40, 43 (or f43, fc43)", release: "6.8.9-300.fc40.x86_64" }),
  buildTree: (_distro, ctx) => kernelsBuildTree(ctx.kernelRelease),
  normaliseVersion: (_distro, input) => normaliseVersion(input),
  parseRelease: (_distro, ctx) => parse(ctx),
  headerPackages(_distro, ctx) {
    const r = parseRpmRelease(ctx, TAG, EXPECTED);
    return Array.isArray(r) ? [] : [develPackage(r)];
  },
};
