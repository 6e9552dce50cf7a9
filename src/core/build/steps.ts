import type { Arch } from "../arch.js";
import { dkmsPaths } from "../modules/plan-files.js";

/**
 * The builder steps of a module build as command lines. Every runner executes exactly these: the host runner with
 * host paths, the container executor and Dagger with the container layout below, so a container build and a Dagger
 * build of the same kernel run identical commands.
 *
 *   compile  scripts/compile-module.sh <kernel build dir> <module source> <work> <arch>
 *   package  scripts/package-modules.sh <work> [<sign-file> <hash> <key> <cert>]
 *
 * A DKMS tree's steps run inside scripts/dkms-env.sh (the build environment DKMS gives a package: /lib/modules/<k>/
 * build, `uname -r`), in a builder container's own root or, on a host, in a private mount namespace:
 *   evaluate dkms-env.sh … -- bash scripts/dkms-evaluate.sh <source>/dkms.conf <request> <evaluated>
 *            (only when dkms.conf needs a shell)
 *   compile  dkms-env.sh … -- scripts/compile-module.sh --dkms-plan <plan> <kernel build dir> <source> <work> <arch>
 *
 * The steps around them — headers (resolve, fetch, extract) and seal (verify gate, metadata, SHA256SUMS) — are
 * TypeScript (`kmodforge headers`, `kmodforge seal`), run by the runner's own kmodforge process or, in Dagger, by the
 * CLI container.
 */

export interface BuildLayout {
  /** Directory holding the build scripts. */
  scripts: string;
  /** The extracted header packages' root. */
  headersRoot: string;
  /** The module source tree (read-only to the build). */
  source: string;
  /** Where compile writes the build, the modules and the logs, and package the compressed modules. */
  work: string;
  /**
   * `disposable`: the steps run in a root file system of their own (a container), which a DKMS build environment
   * may write to; `host`: this machine's, which a DKMS build only ever sees through a private mount namespace.
   */
  root: "disposable" | "host";
}

/** The layout inside builder and CLI containers (container executor and Dagger alike). */
export const CONTAINER_LAYOUT: BuildLayout = {
  scripts: "/kmodforge/scripts",
  headersRoot: "/work/headers",
  source: "/work/src",
  work: "/work/out",
  root: "disposable",
};

/** Where signing material sits inside a container. */
export const CONTAINER_SIGNING = { key: "/kmodforge/signing/key.pem", cert: "/kmodforge/signing/cert.pem" };

export interface Signing {
  /** The kernel's sign-file, relative to the kernel build directory. */
  hashAlgorithm: string;
  key: string;
  cert: string;
}

export interface BuilderStep {
  name: "probe" | "evaluate" | "compile" | "package";
  argv: string[];
}

/** A DKMS tree's build, for the kernel it targets. */
export interface DkmsStepInput {
  kernelRelease: string;
}

const join = (...parts: string[]) => parts.join("/").replace(/\/+/g, "/");

/** The kernel build directory (what `make -C` takes) in a layout. */
export function kernelBuildDir(layout: BuildLayout, buildDirInTree: string): string {
  return join(layout.headersRoot, buildDirInTree);
}

/** Asks compile-module.sh which compiler it would use for this kernel, without building (exit 6: none). */
export function probeStep(layout: BuildLayout, buildDirInTree: string, arch: Arch): BuilderStep {
  return {
    name: "probe",
    argv: [
      "sh",
      join(layout.scripts, "compile-module.sh"),
      "--probe",
      kernelBuildDir(layout, buildDirInTree),
      arch,
    ],
  };
}

/** The prefix that runs a command in DKMS's build environment (scripts/dkms-env.sh). */
function inDkmsEnv(layout: BuildLayout, buildDirInTree: string, dkms: DkmsStepInput): string[] {
  return [
    "sh",
    join(layout.scripts, "dkms-env.sh"),
    layout.root === "disposable" ? "disposable-root" : "private-mounts",
    dkms.kernelRelease,
    kernelBuildDir(layout, buildDirInTree),
    layout.work,
    "--",
  ];
}

/** Evaluates a dkms.conf that needs a shell, in the build environment (writes dkmsPaths(work).evaluated). */
export function dkmsEvaluateStep(
  layout: BuildLayout,
  buildDirInTree: string,
  dkms: DkmsStepInput,
): BuilderStep {
  const paths = dkmsPaths(layout.work);
  return {
    name: "evaluate",
    argv: [
      ...inDkmsEnv(layout, buildDirInTree, dkms),
      "bash",
      join(layout.scripts, "dkms-evaluate.sh"),
      join(layout.source, "dkms.conf"),
      paths.request,
      paths.evaluated,
    ],
  };
}

export function compileStep(
  layout: BuildLayout,
  buildDirInTree: string,
  arch: Arch,
  dkms?: DkmsStepInput,
): BuilderStep {
  const compile = [
    "sh",
    join(layout.scripts, "compile-module.sh"),
    ...(dkms ? ["--dkms-plan", dkmsPaths(layout.work).planEnv] : []),
    kernelBuildDir(layout, buildDirInTree),
    layout.source,
    layout.work,
    arch,
  ];
  return { name: "compile", argv: dkms ? [...inDkmsEnv(layout, buildDirInTree, dkms), ...compile] : compile };
}

export function packageStep(layout: BuildLayout, buildDirInTree: string, signing?: Signing): BuilderStep {
  const sign = signing
    ? [
        join(kernelBuildDir(layout, buildDirInTree), "scripts/sign-file"),
        signing.hashAlgorithm,
        signing.key,
        signing.cert,
      ]
    : [];
  return { name: "package", argv: ["sh", join(layout.scripts, "package-modules.sh"), layout.work, ...sign] };
}

/**
 * The builder steps of one build after planning, in order (a DKMS tree's evaluate step, when it needs one, comes
 * before planning: dkmsEvaluateStep).
 */
export function builderSteps(
  layout: BuildLayout,
  buildDirInTree: string,
  arch: Arch,
  signing?: Signing,
  dkms?: DkmsStepInput,
): BuilderStep[] {
  return [compileStep(layout, buildDirInTree, arch, dkms), packageStep(layout, buildDirInTree, signing)];
}
