import type { Arch } from "../core/arch.js";
import type { FieldIssue } from "../core/errors.js";

/** Distributions kmodforge knows how to parse. Support for building them is policy, kept in targets/. */
export const DISTROS = ["ubuntu", "debian", "fedora", "centos", "almalinux", "rocky", "amazonlinux"] as const;
export type Distro = (typeof DISTROS)[number];

/** What a kernel release string says once a distribution's rules have read it. */
export interface ParsedRelease {
  /** Upstream X.Y.Z as far as the release string shows it (Debian and Ubuntu ABI releases always show `.0`). */
  upstreamVersion: string;
  /** Whether upstreamVersion's sublevel is real (RPM, Debian 6.12+) or the nominal `.0` of an ABI release. */
  sublevelKnown: boolean;
  /** ABI number (Debian/Ubuntu) or package build/release (RPM families: `427.13.1`, `201.852`). */
  abi: string;
  /** Kernel flavour: generic, aws, lowlatency, amd64, cloud-amd64, rt, 64k, default … */
  flavour: string;
  /** Distribution tag read from the string: fc40, el9, el9_4, amzn2, amzn2023, deb12, bpo … or "" when none. */
  distroTag: string;
  /** The distribution version the string itself implies, when it implies one (e.g. `9` for `.el9`). */
  impliedDistroVersion?: string;
  /**
   * The distribution version the identity records when it differs from the normalised input: enterprise Linux
   * keeps the major only (`9.4` → `9`) because the kernel's own `el9_4` tag already carries the minor.
   */
  canonicalDistroVersion?: string;
}

/** One binary package a module build needs from the distribution. */
export interface HeaderPackageSpec {
  name: string;
  /**
   * - `headers`: the arch-specific headers/devel package
   * - `common`: arch-independent headers shared by flavours (Debian `-common`, Ubuntu `_all`)
   * - `kbuild`: host tools (Debian `linux-kbuild-*`), taken for the *build host's* arch
   * - `compiler`: a compiler the kernel line needs beyond the image's default (Amazon Linux 2 `gcc10`)
   */
  role: "headers" | "common" | "kbuild" | "compiler";
  /** Package architecture to fetch: the target's, the build host's, or arch-independent. */
  arch: "target" | "host" | "all";
  /** Exact version, when the release string pins it (RPM NVRA). Otherwise resolved from repository metadata. */
  version?: string;
}

export interface ReleaseContext {
  kernelRelease: string;
  distroVersion: string;
  arch: Arch;
}

/** How a family's modules are built in containers. */
export interface BuilderFacts {
  /** The family's builder Dockerfile, relative to the repository root (one per family). */
  dockerfile: string;
  /**
   * Whether the family's archives ship an aarch64 cross gcc and host-arch kbuild tools, so aarch64 modules build on
   * an x86_64 host without emulation. Otherwise (RPM kernel-devel ships target-arch tools) aarch64 needs an arm64
   * builder.
   */
  crossCompiles: boolean;
  /**
   * For machines that reach no container registry: the debootstrap suite that makes this family's base image
   * (`debian:bookworm` → `bookworm`), when the family's bases can be made that way; undefined otherwise.
   */
  debootstrapSuite?(baseImage: string): string | undefined;
}

/**
 * One distribution family. Adding a distribution means one adapter file (this interface), one targets file and its
 * fixtures. Everything distribution-specific that the pure core needs lives behind this interface.
 */
export interface DistroAdapter {
  /** The distributions this adapter serves. */
  readonly distros: readonly Distro[];
  /** Package format of the family. */
  readonly packageFormat: "deb" | "rpm";
  /** Builder image facts (dockerfiles/, cross compilation, package cache). */
  readonly builder: BuilderFacts;
  /** Accepts the user's spelling of a version (`bookworm`, `12`, `9.4`, `2023`) and returns its canonical form. */
  normaliseVersion(distro: Distro, input: string): string | FieldIssue;
  /** Reads a kernel release string under this distribution's rules. */
  parseRelease(distro: Distro, ctx: ReleaseContext): ParsedRelease | FieldIssue[];
  /** The packages a build of this kernel needs. `hostArch` matters for cross builds (Debian kbuild). */
  headerPackages(
    distro: Distro,
    ctx: ReleaseContext & { parsed: ParsedRelease; hostArch: Arch },
  ): HeaderPackageSpec[];
  /**
   * Package families whose headers package names its companions in signed metadata (deb: `Depends`): the role a
   * package named there plays in a module build, or undefined when the build does not need it. The resolver takes
   * the companions from the metadata; headerPackages' names are then only the offline plan.
   */
  dependencyRole?(dependency: string): DependencyRole | undefined;
}

/** The roles a headers package's dependencies can fill. */
export type DependencyRole = Exclude<HeaderPackageSpec["role"], "headers">;
