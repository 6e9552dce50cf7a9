import type { Arch } from "../core/arch.js";
import { DISTROS, type Distro, type DistroAdapter, type ParsedRelease } from "./adapter.js";
import { amazonLinuxAdapter } from "./amazonlinux.js";
import { debianAdapter } from "./debian.js";
import { enterpriseLinuxAdapter } from "./enterprise-linux.js";
import { fedoraAdapter } from "./fedora.js";
import { oracleLinuxAdapter } from "./oraclelinux.js";
import { suseAdapter } from "./suse.js";
import { ubuntuAdapter } from "./ubuntu.js";

/**
 * Every distribution adapter. The CLI, the targets validator, discovery, header resolution, the builders and the
 * Dagger module all read this one list: nothing outside src/distros names a distribution.
 */
export const ADAPTERS: readonly DistroAdapter[] = [
  ubuntuAdapter,
  debianAdapter,
  fedoraAdapter,
  enterpriseLinuxAdapter,
  amazonLinuxAdapter,
  oracleLinuxAdapter,
  suseAdapter,
];

const BY_DISTRO = new Map<Distro, DistroAdapter>(
  ADAPTERS.flatMap((a) => a.distros.map((d) => [d, a] as const)),
);

/** Every spelling the command line accepts: each distribution's own name and its family's aliases. */
const BY_NAME = new Map<string, Distro>([
  ...DISTROS.map((d) => [d, d] as const),
  ...ADAPTERS.flatMap((a) => Object.entries(a.aliases)),
]);

export function normaliseDistro(input: string): Distro | undefined {
  return BY_NAME.get(input.toLowerCase());
}

export function adapterFor(distro: Distro): DistroAdapter {
  const adapter = BY_DISTRO.get(distro);
  if (!adapter) throw new Error(`no adapter registered for ${distro}`);
  return adapter;
}

/** `ubuntu, debian, …` for help text and errors. */
export function distroList(): string {
  return DISTROS.join(", ");
}

/** The `--distro` help text: every distribution and alias the command line accepts. */
export function distroOptionHelp(): string {
  const aliases = ADAPTERS.flatMap((a) => Object.keys(a.aliases));
  return `distribution: ${distroList()} (also ${aliases.join(", ")})`;
}

/** The `--distro-version` help text. */
export function versionOptionHelp(): string {
  return `distribution version, e.g. ${versionExamples()}`;
}

/** One example version per family for help text: `22.04, 12, 43, 9, 2023, 9, 15.6`. */
export function versionExamples(): string {
  return ADAPTERS.map((a) => a.help(a.distros[0]!).versions.split(",")[0]!.trim()).join(", ");
}

/** Real release strings of a few families for help text and errors. */
export function releaseExamples(count = 3): string[] {
  return ADAPTERS.slice(0, count).map((a) => a.help(a.distros[0]!).release);
}

/** The rule a kernel-crawler key maps with, or undefined when no family reads that key. */
export function crawlerRuleFor(key: string) {
  for (const a of ADAPTERS) {
    const rule = a.crawler[key];
    if (rule) return rule;
  }
  return undefined;
}

/** The family this machine's apt configuration serves (see AptFacts.servedByHost), with its apt facts. */
export function hostAptFamily() {
  const adapter = ADAPTERS.find((a) => a.apt?.servedByHost);
  if (!adapter?.apt) throw new Error("no distribution family is served by the host's apt configuration");
  return { distros: adapter.distros, apt: adapter.apt };
}

/** The kernel's fields the family's rules read again after parsing (an identity carries them all). */
export interface ParsedKernel extends ParsedRelease {
  distro: Distro;
  distroVersion: string;
  arch: Arch;
  kernelRelease: string;
}

/** Where the kernel's build tree lies in its extracted header packages, best first. */
export function buildTreeOf(kernel: ParsedKernel): string[] {
  return adapterFor(kernel.distro).buildTree(kernel.distro, { ...kernel, parsed: kernel });
}

/** The point release whose vault holds a kernel (`9.5`), when its family can tell. */
export function pointReleaseOf(kernel: Pick<ParsedKernel, "distro" | "kernelRelease">): string | undefined {
  return adapterFor(kernel.distro).pointRelease?.(kernel.distro, kernel.kernelRelease);
}
