import { ARCH_FACTS, type Arch } from "../core/arch.js";

/**
 * Amazon Linux live-patch packages name the kernel build they patch, so their names are an index of kernels that
 * existed: `kernel-livepatch-5.10.240-238.955` (AL2, version `1.0-0.amzn2`) or the full
 * `kernel-livepatch-6.1.147-172.266-1.0-1.amzn2023`. They hold kpatch modules, not headers.
 */

export interface LivepatchKernel {
  /** Upstream X.Y.Z of the patched kernel. */
  version: string;
  /** The kernel's RPM release without the dist tag, e.g. `238.955`. */
  buildRelease: string;
  /** `amzn2`, `amzn2023`, or undefined when neither the name nor the given package version says. */
  distTag?: string;
}

const NAME =
  /^kernel-livepatch-(\d+\.\d+\.\d+)-(\d+(?:\.\d+)*)(?:-(\d[\w.]*)-(\d[\w.]*?))?(?:\.(x86_64|aarch64|noarch))?$/;

/** Reads a live-patch package name (optionally with `-<ver>-<rel>`); `packageVersion` is e.g. `1.0-0.amzn2`. */
export function parseLivepatchPackage(text: string, packageVersion?: string): LivepatchKernel | undefined {
  const m = NAME.exec(text.trim());
  if (!m) return undefined;
  const tagFrom = (s?: string) => /\.(amzn\d+)$/.exec(s ?? "")?.[1];
  const distTag = tagFrom(m[4]) ?? tagFrom(packageVersion);
  return { version: m[1]!, buildRelease: m[2]!, ...(distTag ? { distTag } : {}) };
}

/** The `uname -r` of the patched kernel on an arch, e.g. `5.10.240-238.955.amzn2.x86_64`; needs a dist tag. */
export function livepatchKernelRelease(k: LivepatchKernel, arch: Arch): string | undefined {
  if (!k.distTag) return undefined;
  return `${k.version}-${k.buildRelease}.${k.distTag}.${ARCH_FACTS[arch].rpm}`;
}

/** Distinct kernel releases named by a list of live-patch packages, in first-seen order. */
export function kernelsFromLivepatches(
  names: readonly string[],
  arch: Arch,
  packageVersion?: string,
): string[] {
  const out = new Set<string>();
  for (const n of names) {
    const k = parseLivepatchPackage(n, packageVersion);
    const r = k && livepatchKernelRelease(k, arch);
    if (r) out.add(r);
  }
  return [...out];
}
