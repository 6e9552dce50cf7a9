import type { Arch } from "../arch.js";

/**
 * The builder steps of a module build as command lines. Every runner executes exactly these: the host runner with
 * host paths, the container executor and Dagger with the container layout below, so a container build and a Dagger
 * build of the same kernel run identical commands.
 *
 *   compile  scripts/compile-module.sh <kernel build dir> <module source> <work> <arch>
 *   package  scripts/package-modules.sh <work> [<sign-file> <hash> <key> <cert>]
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
}

/** The layout inside builder and CLI containers (container executor and Dagger alike). */
export const CONTAINER_LAYOUT: BuildLayout = {
  scripts: "/kmodforge/scripts",
  headersRoot: "/work/headers",
  source: "/work/src",
  work: "/work/out",
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
  name: "probe" | "compile" | "package";
  argv: string[];
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

export function compileStep(layout: BuildLayout, buildDirInTree: string, arch: Arch): BuilderStep {
  return {
    name: "compile",
    argv: [
      "sh",
      join(layout.scripts, "compile-module.sh"),
      kernelBuildDir(layout, buildDirInTree),
      layout.source,
      layout.work,
      arch,
    ],
  };
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

/** The builder steps of one build, in order. */
export function builderSteps(
  layout: BuildLayout,
  buildDirInTree: string,
  arch: Arch,
  signing?: Signing,
): BuilderStep[] {
  return [compileStep(layout, buildDirInTree, arch), packageStep(layout, buildDirInTree, signing)];
}
