import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Arch } from "../../src/core/arch.js";
import { wantedRpm } from "../../src/core/headers/rpm-package.js";
import { vaultMinors } from "../../src/core/headers/rpm-repo-plan.js";
import type { ResolveRequest } from "../../src/core/headers/types.js";
import { type KernelIdentity, parseIdentity } from "../../src/core/identity.js";
import { findTarget, parseTargetsFile, type VersionTarget } from "../../src/core/targets.js";
import { EL_GA_BUILDS } from "../../src/distros/data/el-ga-builds.js";
import { enterpriseMinor } from "../../src/distros/enterprise-linux.js";
import { type RpmRelease, splitRpmRelease } from "../../src/distros/rpm-release.js";

/**
 * One RPM release parser: identity parsing and the header links (vault minors, pinned devel versions, explicit
 * URL templates) read a kernel release through the same function, so they agree on its tag, version and release.
 */

const ROOT = join(import.meta.dirname, "../..");
const TARGETS = ["rocky", "almalinux", "centos", "fedora", "amazonlinux"].map((d) =>
  parseTargetsFile(`${d}.yaml`, readFileSync(join(ROOT, "targets", `${d}.yaml`), "utf8")),
);
const ROCKY_9 = findTarget({ files: TARGETS }, "rocky", "9")!;
const vaultLink = (target: VersionTarget) => {
  const link = target.headerSources.find((l) => l.kind === "vault");
  if (link?.kind !== "vault") throw new Error(`no vault link for ${target.version}`);
  return link;
};

function identityOf(
  kernelRelease: string,
  distro: string,
  distroVersion: string,
  arch: Arch,
): KernelIdentity {
  const r = parseIdentity({ kernelRelease, distro, distroVersion, arch });
  if (!r.ok) throw r.error;
  return r.value;
}

function requestFor(identity: KernelIdentity, target: VersionTarget = ROCKY_9): ResolveRequest {
  return { identity, packages: [], hostArch: "x86_64", target, requireVerified: true };
}

interface Row {
  kr: string;
  distro: string;
  distroVersion: string;
  arch: Arch;
  parts: Omit<RpmRelease, "rpmArch">;
  flavour: string;
  /** The point release the vault is searched in, for enterprise Linux kernels that name one. */
  minor?: string;
}

/** Real releases from distribution repositories and public reports. */
const ROWS: Row[] = [
  {
    kr: "5.14.0-503.14.1.el9_5.x86_64+rt",
    distro: "rocky",
    distroVersion: "9",
    arch: "x86_64",
    parts: {
      upstreamVersion: "5.14.0",
      release: "503.14.1.el9_5",
      build: "503.14.1",
      distTag: "el9_5",
      variant: "rt",
    },
    flavour: "rt",
    minor: "9.5",
  },
  {
    kr: "6.12.0-55.34.1.el10_0.x86_64+rt",
    distro: "rocky",
    distroVersion: "10",
    arch: "x86_64",
    parts: {
      upstreamVersion: "6.12.0",
      release: "55.34.1.el10_0",
      build: "55.34.1",
      distTag: "el10_0",
      variant: "rt",
    },
    flavour: "rt",
    minor: "10.0",
  },
  {
    kr: "5.14.0-661.el9.aarch64+64k",
    distro: "centos",
    distroVersion: "9",
    arch: "aarch64",
    parts: { upstreamVersion: "5.14.0", release: "661.el9", build: "661", distTag: "el9", variant: "64k" },
    flavour: "64k",
  },
  {
    kr: "5.14.0-484.el9.x86_64+debug",
    distro: "centos",
    distroVersion: "9",
    arch: "x86_64",
    parts: { upstreamVersion: "5.14.0", release: "484.el9", build: "484", distTag: "el9", variant: "debug" },
    flavour: "debug",
  },
  {
    kr: "5.14.0-290.el9.x86_64+rt-debug",
    distro: "centos",
    distroVersion: "9",
    arch: "x86_64",
    parts: {
      upstreamVersion: "5.14.0",
      release: "290.el9",
      build: "290",
      distTag: "el9",
      variant: "rt-debug",
    },
    flavour: "rt-debug",
  },
  {
    kr: "4.18.0-553.el8_10.x86_64",
    distro: "rocky",
    distroVersion: "8",
    arch: "x86_64",
    parts: { upstreamVersion: "4.18.0", release: "553.el8_10", build: "553", distTag: "el8_10", variant: "" },
    flavour: "default",
    minor: "8.10",
  },
  {
    kr: "4.18.0-513.5.1.el8_9.x86_64",
    distro: "almalinux",
    distroVersion: "8",
    arch: "x86_64",
    parts: {
      upstreamVersion: "4.18.0",
      release: "513.5.1.el8_9",
      build: "513.5.1",
      distTag: "el8_9",
      variant: "",
    },
    flavour: "default",
    minor: "8.9",
  },
  {
    kr: "5.14.0-284.11.1.rt14.296.el9_2.x86_64",
    distro: "rocky",
    distroVersion: "9",
    arch: "x86_64",
    parts: {
      upstreamVersion: "5.14.0",
      release: "284.11.1.rt14.296.el9_2",
      build: "284.11.1.rt14.296",
      distTag: "el9_2",
      variant: "",
    },
    flavour: "rt",
    minor: "9.2",
  },
  {
    kr: "5.10.210-201.852.amzn2.x86_64",
    distro: "amazonlinux",
    distroVersion: "2",
    arch: "x86_64",
    parts: {
      upstreamVersion: "5.10.210",
      release: "201.852.amzn2",
      build: "201.852",
      distTag: "amzn2",
      variant: "",
    },
    flavour: "default",
  },
  {
    kr: "6.12.40-63.114.amzn2023.aarch64",
    distro: "amazonlinux",
    distroVersion: "2023",
    arch: "aarch64",
    parts: {
      upstreamVersion: "6.12.40",
      release: "63.114.amzn2023",
      build: "63.114",
      distTag: "amzn2023",
      variant: "",
    },
    flavour: "default",
  },
  {
    kr: "6.8.9-300.fc40.x86_64",
    distro: "fedora",
    distroVersion: "40",
    arch: "x86_64",
    parts: { upstreamVersion: "6.8.9", release: "300.fc40", build: "300", distTag: "fc40", variant: "" },
    flavour: "default",
  },
  {
    kr: "6.11.3-400.asahi.fc40.aarch64+16k",
    distro: "fedora",
    distroVersion: "40",
    arch: "aarch64",
    parts: {
      upstreamVersion: "6.11.3",
      release: "400.asahi.fc40",
      build: "400.asahi",
      distTag: "fc40",
      variant: "16k",
    },
    flavour: "16k",
  },
  {
    kr: "6.4.0-0.rc0.20230427git6e98b09da931.5.fc39.aarch64",
    distro: "fedora",
    distroVersion: "39",
    arch: "aarch64",
    parts: {
      upstreamVersion: "6.4.0",
      release: "0.rc0.20230427git6e98b09da931.5.fc39",
      build: "0.rc0.20230427git6e98b09da931.5",
      distTag: "fc39",
      variant: "",
    },
    flavour: "default",
  },
];

describe("RPM kernel releases, real strings", () => {
  it.each(ROWS.map((r) => [r.kr, r] as const))("%s", (_kr, row) => {
    expect(splitRpmRelease(row.kr)).toEqual({ ...row.parts, rpmArch: row.arch });
    const id = identityOf(row.kr, row.distro, row.distroVersion, row.arch);
    expect({ distroTag: id.distroTag, flavour: id.flavour, upstreamVersion: id.upstreamVersion }).toEqual({
      distroTag: row.parts.distTag,
      flavour: row.flavour,
      upstreamVersion: row.parts.upstreamVersion,
    });
    const devel = id.headerPackages.find((p) => p.role === "headers")!;
    expect(devel.version).toBe(`${row.parts.upstreamVersion}-${row.parts.release}`);
    // A headers spec without a pinned version takes the kernel's own V-R, whatever its variant suffix.
    expect(wantedRpm(requestFor(id), { ...devel, version: undefined })).toMatchObject({
      version: row.parts.upstreamVersion,
      release: row.parts.release,
    });
  });

  it("the vault is searched in the minor the identity's tag names (el9_5+rt → 9.5, el8_10 → 8.10)", () => {
    for (const row of ROWS.filter((r) => r.distro === "rocky" || r.distro === "almalinux")) {
      const target = findTarget({ files: TARGETS }, row.distro, row.distroVersion)!;
      const id = identityOf(row.kr, row.distro, row.distroVersion, row.arch);
      expect([row.kr, vaultMinors(vaultLink(target), requestFor(id, target))]).toEqual([row.kr, [row.minor]]);
      expect(enterpriseMinor(id.distroTag)).toBe(row.minor);
    }
  });

  it("a kernel whose tag names no minor is placed by its build: 425 → 8.7, 427 → 9.4 (Stream 430 → 9.5)", () => {
    const link = { ...vaultLink(ROCKY_9), minors: ["9.4", "9.3"] };
    const cases: Array<[string, string, string[]]> = [
      ["4.18.0-425.3.1.el8.x86_64", "8", ["8.7"]],
      ["4.18.0-305.3.1.el8.x86_64", "8", ["8.4"]],
      ["5.14.0-427.el9.x86_64+rt", "9", ["9.4"]],
      ["5.14.0-430.el9.x86_64", "9", ["9.5"]],
      ["3.10.0-1160.119.1.el7.x86_64", "7", ["7.9"]],
    ];
    for (const [kr, major, minors] of cases)
      expect([kr, vaultMinors(link, requestFor(identityOf(kr, "rocky", major, "x86_64")))]).toEqual([
        kr,
        minors,
      ]);
    expect(enterpriseMinor("el9")).toBeUndefined();
    expect(enterpriseMinor("fc40")).toBeUndefined();
  });

  it("a build past every point release the table knows falls back to the link's listed minors, in order", () => {
    const link = { ...vaultLink(ROCKY_9), minors: ["9.4", "9.3"] };
    const id = identityOf("5.14.0-700.el9.x86_64", "rocky", "9", "x86_64");
    expect(vaultMinors(link, requestFor(id))).toEqual(["9.4", "9.3"]);
  });

  it("rejects what is not an RPM kernel release", () => {
    for (const kr of ["6.1.0-18-amd64", "6.8.0-45-generic", "5.14.0-427.el9", "5.14.0-427.el9.x86_64+", "x"])
      expect(splitRpmRelease(kr), kr).toBeUndefined();
  });
});

const digits = (max: number) => fc.integer({ min: 0, max }).map(String);
const TAGS = fc.oneof(
  fc
    .tuple(fc.integer({ min: 7, max: 10 }), fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }))
    .map(([major, minor]) => (minor === undefined ? `el${major}` : `el${major}_${minor}`)),
  fc.integer({ min: 30, max: 45 }).map((n) => `fc${n}`),
  fc.constantFrom("amzn2", "amzn2023"),
);
const VARIANTS = fc.constantFrom("", "rt", "64k", "16k", "debug", "rt-debug", "64k-debug", "rt-64k");
const ARCHES = fc.constantFrom<Arch>("x86_64", "aarch64");
/** `427`, `503.14.1`, `284.11.1.rt14.296`, `0.rc0.5`: a number, then numbers or realtime/rc markers. */
const BUILDS = fc
  .tuple(
    digits(99_999),
    fc.array(
      fc.oneof(
        digits(999),
        digits(99).map((n) => `rt${n}`),
        fc.constant("rc2"),
      ),
    ),
  )
  .map(([first, rest]) => [first, ...rest].join("."));
const PARTS = fc.record({
  upstreamVersion: fc.tuple(digits(9), digits(30), digits(400)).map((v) => v.join(".")),
  build: BUILDS,
  distTag: TAGS,
  rpmArch: ARCHES,
  variant: VARIANTS,
});

const compose = (p: {
  upstreamVersion: string;
  build: string;
  distTag: string;
  rpmArch: string;
  variant: string;
}) => `${p.upstreamVersion}-${p.build}.${p.distTag}.${p.rpmArch}${p.variant ? `+${p.variant}` : ""}`;

describe("RPM kernel releases, properties", () => {
  it("splitting a composed release gives back its parts", () => {
    fc.assert(
      fc.property(PARTS, (p) => {
        expect(splitRpmRelease(compose(p))).toEqual({ ...p, release: `${p.build}.${p.distTag}` });
      }),
    );
  });

  it("whatever it accepts, the parts put together give the input back", () => {
    const nvraLike = fc
      .array(fc.constantFrom(..."0123456789.-_+xrtelfcamzn864k"), { maxLength: 40 })
      .map((cs) => cs.join(""));
    fc.assert(
      fc.property(fc.oneof(fc.string(), nvraLike, PARTS.map(compose)), (kr) => {
        const r = splitRpmRelease(kr);
        if (r)
          expect(`${r.upstreamVersion}-${r.release}.${r.rpmArch}${r.variant ? `+${r.variant}` : ""}`).toBe(
            kr,
          );
      }),
    );
  });

  it("identity and the vault plan read the same tag from an enterprise Linux release", () => {
    const el = fc.record({
      upstreamVersion: fc.tuple(digits(6), digits(20), digits(9)).map((v) => v.join(".")),
      build: BUILDS,
      major: fc.constantFrom("8", "9", "10"),
      minor: fc.option(digits(12), { nil: undefined }),
      rpmArch: ARCHES,
      variant: fc.constantFrom("", "rt", "debug", "rt-debug"),
    });
    fc.assert(
      fc.property(el, ({ major, minor, ...p }) => {
        const distTag = minor === undefined ? `el${major}` : `el${major}_${minor}`;
        const kr = compose({ ...p, distTag });
        const target = findTarget({ files: TARGETS }, "rocky", major)!;
        const id = identityOf(kr, "rocky", major, p.rpmArch);
        expect(id.distroTag).toBe(splitRpmRelease(kr)!.distTag);
        const link = { ...vaultLink(target), minors: ["listed"] };
        const got = vaultMinors(link, requestFor(id, target));
        if (minor !== undefined) expect(got).toEqual([`${major}.${minor}`]);
        else {
          // No minor in the tag: the first point release whose GA build is at least the kernel's, else the list.
          const build = Number(p.build.split(".")[0]);
          const line = EL_GA_BUILDS[major]!;
          const placed =
            line.kernel === p.upstreamVersion ? line.points.find(([ga]) => ga >= build)?.[1] : undefined;
          expect(got).toEqual([placed ?? "listed"]);
        }
      }),
    );
  });
});
