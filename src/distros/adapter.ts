import type { Arch } from "../core/arch.js";
import type { FieldIssue } from "../core/errors.js";

/** Distributions kmodforge knows how to parse. Support for building them is policy, kept in targets/. */
export const DISTROS = [
  "ubuntu",
  "debian",
  "fedora",
  "centos",
  "almalinux",
  "rocky",
  "amazonlinux",
  "oraclelinux",
  "opensuse",
  "sles",
] as const;
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
  /**
   * The version as far as the release string pins it, when the package's own version goes on (SUSE: uname
   * `6.4.0-150600.23.25-default` is package V-R `6.4.0-150600.23.25.<rebuild counter>`). A repository's V-R that
   * equals it or continues it with `.<n>` matches; the highest such one wins.
   */
  versionPrefix?: string;
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

/** What help text and error messages say about one distribution. */
export interface DistroHelp {
  /** How people write its name: `Oracle Linux`. */
  title: string;
  /** Version spellings it accepts, as examples: `8, 9 (or 8.10)`. */
  versions: string;
  /** A real kernel release of it. */
  release: string;
}

/** A kernel-crawler list entry, as far as a family reads it (the published format's fields). */
export interface CrawlerEntryFields {
  kernelrelease: string;
  kernelversion: string;
  headers?: readonly string[];
}

/** The file name a header URL ends in, decoded (`…/linux-headers-6.1.0-18-amd64_6.1.76-1_amd64.deb`). */
export function urlFileName(url: string): string {
  return decodeURIComponent(url.slice(url.lastIndexOf("/") + 1));
}

/** How a family maps an entry of one kernel-crawler key to identity input, or why it cannot. */
export type CrawlerRule = (
  entry: CrawlerEntryFields,
  arch: Arch,
) => { distro: Distro; distroVersion: string; release: string } | string;

/** Facts of the families whose repositories apt reads (Packages indexes, suites). */
export interface AptFacts {
  /** The suite (codename) of a version: `12` → `bookworm`; undefined when unknown. */
  suite(version: string): string | undefined;
  /**
   * Whether this machine's own apt configuration is a mirror of this family (kmodforge's hosts run Debian), so
   * `mirrors: [host]` links and discovery from the host's lists apply to it.
   */
  readonly servedByHost: boolean;
  /** The `uname -r` whose arch headers package this is (`linux-headers-6.1.0-18-amd64` → `6.1.0-18-amd64`), if any. */
  headersRelease(packageName: string, arch: Arch): string | undefined;
  /** Packages holding `/boot/vmlinuz-<release>`, best first (boot tests fetch the kernel through them). */
  kernelImagePackages?(kernelRelease: string): string[];
}

/**
 * One distribution family. Adding a distribution means one adapter file (this interface), one targets file, one
 * builder Dockerfile and their fixtures. Everything distribution-specific the rest of kmodforge needs lives behind
 * this interface; everything else asks the registry (registry.ts).
 */
export interface DistroAdapter {
  /** The distributions this adapter serves. */
  readonly distros: readonly Distro[];
  /** Other spellings of their names on the command line and in crawler files (`ol` → `oraclelinux`). */
  readonly aliases: Readonly<Record<string, Distro>>;
  /** Package format of the family: which extractor unpacks it and how URL templates spell arches. */
  readonly packageFormat: "deb" | "rpm";
  /** Builder image facts (dockerfiles/, cross compilation, package cache). */
  readonly builder: BuilderFacts;
  /** kernel-crawler keys this family reads (`ol`, `amazonlinux2023` …) and how each maps. */
  readonly crawler: Readonly<Record<string, CrawlerRule>>;
  /** apt families only. */
  readonly apt?: AptFacts;
  help(distro: Distro): DistroHelp;
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
  /**
   * Where the family's header packages put the kernel build tree (what `make -C` takes), relative to the root they
   * were extracted into, best first: `usr/src/kernels/<release>`, `usr/src/linux-headers-<release>`,
   * `usr/src/linux-<ver>-obj/<arch>/<flavour>`.
   */
  buildTree(distro: Distro, ctx: ReleaseContext & { parsed: ParsedRelease }): string[];
  /**
   * The point release (`9.5`) whose vault repository holds this kernel, read from its tag or inferred from its
   * build number; undefined when neither says.
   */
  pointRelease?(distro: Distro, kernelRelease: string): string | undefined;
}

/** The roles a headers package's dependencies can fill. */
export type DependencyRole = Exclude<HeaderPackageSpec["role"], "headers">;
