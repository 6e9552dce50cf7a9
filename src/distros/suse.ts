import type { FieldIssue } from "../core/errors.js";
import type {
  CrawlerRule,
  Distro,
  DistroAdapter,
  DistroHelp,
  HeaderPackageSpec,
  ParsedRelease,
  ReleaseContext,
} from "./adapter.js";

/**
 * openSUSE Leap 15.x and SUSE Linux Enterprise Server 15 SPx. `uname -r` is `<ver>-<source release>-<flavour>`:
 * `6.4.0-150600.23.25-default`, `5.14.21-150500.55.52-default`, Leap's own kernels up to 15.2
 * `5.3.18-lp152.106-default`, early SLE 15 SP3 `5.3.18-57-default`; aarch64 also `-64kb`, and `-rt`, `-azure`.
 *
 * The packages carry one more release field than uname: OBS's rebuild counter (`kernel-default-devel` V-R
 * `6.4.0-150600.23.25.1`), and the counters of one build's subpackages differ, so packages are matched on the
 * version prefix through repository metadata. A build needs the flavour's `kernel-<flavour>-devel` (the obj tree:
 * .config, Module.symvers, generated headers, host tools) and the noarch `kernel-devel` (the source tree it
 * includes), with `kernel-macros`, which kernel-devel requires. The release prefix names the SLE service pack:
 * 150600 = 15 SP6 (Leap 15.6 ships the same kernels from 15.3 on), `lp152` = Leap 15.2's own kernel.
 */

const RELEASE = /^(\d+)\.(\d+)\.(\d+)-((?:lp\d{3}\.)?\d+(?:\.\d+)*)-([a-z0-9]+)$/;
const FLAVOURS = new Set(["default", "64kb", "azure", "rt", "kvmsmall", "preempt", "debug"]);
/** Flavours built from their own kernel source, whose noarch sources are `kernel-devel-<flavour>`. */
const OWN_SOURCE = new Set(["rt", "azure"]);
const EXPECTED = "a SUSE release such as 6.4.0-150600.23.25-default or 5.3.18-lp152.106-default";

const HELP: Partial<Record<Distro, DistroHelp>> = {
  opensuse: { title: "openSUSE Leap", versions: "15.6 (15.0–15.6)", release: "6.4.0-150600.23.25-default" },
  sles: {
    title: "SUSE Linux Enterprise Server",
    versions: "15.6 (or 15-SP6; 15.3–15.7)",
    release: "5.14.21-150500.55.52-default",
  },
};

function issue(field: string, given: string, expected: string, why: string): FieldIssue {
  return { field, given, expected, message: `${field}: ${why}; expected ${expected}` };
}

/** `15.6`, `15-SP6`, `15sp6`, `leap-15.6`, `leap15.6` → `15.6`; `15` → `15.0`. */
function normaliseVersion(distro: Distro, input: string): string | FieldIssue {
  const text = input.toLowerCase().replace(/^(?:leap|sles|sle)-?/, "");
  const m = /^(1[56])(?:(?:\.|-?sp)(\d))?(?:\.\d+)?$/.exec(text);
  if (m) return `${m[1]}.${m[2] ?? "0"}`;
  const title = HELP[distro]?.title ?? distro;
  return issue(
    "distroVersion",
    input,
    `a ${title} version such as ${HELP[distro]?.versions ?? "15.6"}`,
    `${JSON.stringify(input)} is not a ${title} version`,
  );
}

/** The release a SUSE source release names: `150600.…` → 15.6, `lp152.…` → 15.2; undefined for `57.3`. */
function impliedVersion(sourceRelease: string): string | undefined {
  const sle = /^(\d{2})(\d{2})00\./.exec(sourceRelease);
  if (sle) return `${Number(sle[1])}.${Number(sle[2])}`;
  const leap = /^lp(\d{2})(\d)\./.exec(sourceRelease);
  return leap ? `${leap[1]}.${leap[2]}` : undefined;
}

interface SuseRelease {
  version: string;
  sourceRelease: string;
  flavour: string;
}

function read(kernelRelease: string): SuseRelease | undefined {
  const m = RELEASE.exec(kernelRelease);
  if (!m) return undefined;
  return { version: `${m[1]}.${m[2]}.${m[3]}`, sourceRelease: m[4]!, flavour: m[5]! };
}

function parse(distro: Distro, ctx: ReleaseContext): ParsedRelease | FieldIssue[] {
  const r = read(ctx.kernelRelease);
  if (!r || !FLAVOURS.has(r.flavour))
    return [
      issue(
        "kernelRelease",
        ctx.kernelRelease,
        `${EXPECTED} (flavours: ${[...FLAVOURS].join(", ")})`,
        `not a SUSE kernel release ${JSON.stringify(ctx.kernelRelease)}`,
      ),
    ];
  const issues: FieldIssue[] = [];
  if (r.flavour === "64kb" && ctx.arch !== "aarch64")
    issues.push(
      issue("arch", ctx.arch, "aarch64", `flavour 64kb of ${ctx.kernelRelease} exists only on aarch64`),
    );
  const implied = impliedVersion(r.sourceRelease);
  if (implied && implied !== ctx.distroVersion)
    issues.push(
      issue(
        "distroVersion",
        ctx.distroVersion,
        implied,
        `${HELP[distro]?.title ?? distro} ${ctx.distroVersion} contradicts release ${r.sourceRelease} of ${ctx.kernelRelease}`,
      ),
    );
  if (distro === "sles" && r.sourceRelease.startsWith("lp"))
    issues.push(
      issue(
        "distro",
        distro,
        "opensuse",
        `${ctx.kernelRelease} is an openSUSE Leap kernel (lp), not a SLES one`,
      ),
    );
  if (issues.length) return issues;
  return {
    upstreamVersion: r.version,
    sublevelKnown: true,
    abi: r.sourceRelease,
    flavour: r.flavour,
    distroTag: /^(lp\d{3}|\d{6})\./.exec(r.sourceRelease)?.[1] ?? "",
    ...(implied ? { impliedDistroVersion: implied } : {}),
  };
}

/** `-rt` and `-azure` come from their own sources, whose trees are `linux-<ver>-<rel>-rt`. */
const sourceVariant = (flavour: string): string => (OWN_SOURCE.has(flavour) ? `-${flavour}` : "");

function headerPackages(ctx: ReleaseContext): HeaderPackageSpec[] {
  const r = read(ctx.kernelRelease);
  if (!r) return [];
  const versionPrefix = `${r.version}-${r.sourceRelease}`;
  const specs: HeaderPackageSpec[] = [
    { name: `kernel-${r.flavour}-devel`, role: "headers", arch: "target", versionPrefix },
    { name: `kernel-devel${sourceVariant(r.flavour)}`, role: "common", arch: "all", versionPrefix },
  ];
  if (!OWN_SOURCE.has(r.flavour))
    specs.push({ name: "kernel-macros", role: "common", arch: "all", versionPrefix });
  return specs;
}

/**
 * `/usr/src/linux-<ver>-<rel>[-variant]-obj/<cpu arch>/<flavour>`: the kernel's own arch directory (`arm64` on
 * aarch64, with an `aarch64` link beside it), whose Makefile includes `../../../linux-<ver>-<rel>/Makefile`.
 */
function buildTree(kernelRelease: string, arch: ReleaseContext["arch"]): string[] {
  const r = read(kernelRelease);
  if (!r) return [];
  const obj = `usr/src/linux-${r.version}-${r.sourceRelease}${sourceVariant(r.flavour)}-obj`;
  const dirs = arch === "aarch64" ? ["arm64", "aarch64"] : ["x86_64"];
  return dirs.map((d) => `${obj}/${d}/${r.flavour}`);
}

/**
 * kernel-crawler's `opensuse` entries are `<version>-<release>.<arch>` of kernel-default-devel: uname -r is that
 * without the rebuild counter, with `-default`; the release prefix (else a `leap/<v>/` URL) names the version.
 */
const crawlerRule: CrawlerRule = (entry, arch) => {
  const m = new RegExp(
    `^(\\d+\\.\\d+\\.\\d+)-((?:lp\\d{3}\\.)?\\d+(?:\\.\\d+)*)\\.(\\d+)(?:\\.${arch})?$`,
  ).exec(entry.kernelrelease);
  if (!m) return "not a kernel-default-devel version-release with a rebuild counter";
  const version =
    impliedVersion(m[2]!) ?? entry.headers?.map((u) => /\/leap\/(\d+\.\d+)\//.exec(u)?.[1]).find(Boolean);
  if (!version) return `cannot tell the openSUSE Leap release of ${m[1]}-${m[2]}`;
  return { distro: "opensuse", distroVersion: version, release: `${m[1]}-${m[2]}-default` };
};

export const suseAdapter: DistroAdapter = {
  distros: ["opensuse", "sles"],
  aliases: { "opensuse-leap": "opensuse", leap: "opensuse", sle: "sles", suse: "sles" },
  packageFormat: "rpm",
  builder: {
    dockerfile: "dockerfiles/suse.Dockerfile",
    crossCompiles: false,
  },
  crawler: { opensuse: crawlerRule },
  help: (distro) =>
    HELP[distro] ?? { title: distro, versions: "15.6", release: "6.4.0-150600.23.25-default" },
  normaliseVersion,
  parseRelease: parse,
  headerPackages: (_distro, ctx) => headerPackages(ctx),
  buildTree: (_distro, ctx) => buildTree(ctx.kernelRelease, ctx.arch),
};
