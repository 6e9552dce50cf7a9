import { existsSync } from "node:fs";
import {
  type FetchedAsset,
  fetchDebianKernelImage,
  fetchStaticBusybox,
} from "../adapters/debian-boot-assets.js";
import { fetchDebianKernelModules, type KernelModules } from "../adapters/debian-kernel-modules.js";
import { LoadOrderError, loadOrder } from "../core/boot/load-order.js";
import { KmodforgeError } from "../core/errors.js";
import type { KernelIdentity } from "../core/identity.js";
import { hostAptFamily } from "../distros/registry.js";
import { type BootTestOptions, type BootTestResult, runBootTest } from "./boot-test.js";
import { readLoadableModule } from "./initramfs.js";

/**
 * The load test for a kernel identity: fetches the distribution's kernel image for exactly that release (the family
 * the host's apt serves, Debian; any distribution with an explicit image), the kernel's own modules the given ones
 * depend on (out of the same image package) and a static busybox for its arch, then boots once.
 */

export interface IdentityBootTestOptions
  extends Omit<BootTestOptions, "kernelImage" | "busybox" | "arch" | "expectedRelease"> {
  identity: KernelIdentity;
  cacheDir: string;
  /** Boot this image instead of fetching the distribution's. */
  kernelImage?: string;
  /** Use this static busybox instead of Debian's busybox-static. */
  busybox?: string;
}

export interface IdentityBootTestResult extends BootTestResult {
  kernelRelease: string;
  kernelPackage?: FetchedAsset["package"];
  /** The kernel's own modules loaded first because the given modules depend on them. */
  kernelModules?: { files: string[]; package?: KernelModules["package"] };
  busyboxPackage?: FetchedAsset["package"];
}

// busybox-static is architecture-specific but not kernel-specific: any suite of the host's apt family works for any
// kernel; this version's is used for kernels of other families.
const BUSYBOX_SUITE_VERSION = "12";

export async function bootTestForIdentity(options: IdentityBootTestOptions): Promise<IdentityBootTestResult> {
  const { identity, cacheDir, kernelImage, busybox, ...rest } = options;
  const host = hostAptFamily();
  const hostServed = host.distros.includes(identity.distro);
  let image: { path: string; package?: FetchedAsset["package"] };
  if (kernelImage) {
    if (!existsSync(kernelImage))
      throw new KmodforgeError("INVALID_INPUT", `kernel image ${kernelImage} does not exist`);
    image = { path: kernelImage };
  } else if (hostServed) {
    image = await fetchDebianKernelImage({
      cacheDir,
      distroVersion: identity.distroVersion,
      arch: identity.arch,
      kernelRelease: identity.kernelRelease,
    });
  } else {
    throw new KmodforgeError(
      "UNSUPPORTED_TARGET",
      `fetching kernel images is implemented for ${host.distros.join(", ")} (the host's apt) only; pass the ${identity.distro} kernel image explicitly`,
    );
  }
  let shell: { path: string; package?: FetchedAsset["package"] };
  if (busybox) {
    if (!existsSync(busybox)) throw new KmodforgeError("INVALID_INPUT", `busybox ${busybox} does not exist`);
    shell = { path: busybox };
  } else {
    const distroVersion = hostServed ? identity.distroVersion : BUSYBOX_SUITE_VERSION;
    shell = await fetchStaticBusybox({ cacheDir, distroVersion, arch: identity.arch });
  }
  // The kernel's own modules come from the image package only when that package is the archive's.
  const kernelModules = await kernelDependencies(options, !kernelImage && hostServed);
  const result = await runBootTest({
    ...rest,
    modules: [...(kernelModules?.files ?? []), ...rest.modules],
    kernelImage: image.path,
    busybox: shell.path,
    arch: identity.arch,
    expectedRelease: identity.kernelRelease,
  });
  return {
    ...result,
    kernelRelease: identity.kernelRelease,
    ...(image.package ? { kernelPackage: image.package } : {}),
    ...(kernelModules ? { kernelModules } : {}),
    ...(shell.package ? { busyboxPackage: shell.package } : {}),
  };
}

/**
 * The kernel's own modules that the given ones name in `depends=` and that are not given: fetched from Debian's
 * image package of the release (the family the host's apt serves). With an explicit kernel image (or another
 * distribution) they must be given.
 */
async function kernelDependencies(
  options: IdentityBootTestOptions,
  fromArchive: boolean,
): Promise<KernelModules | undefined> {
  const { identity } = options;
  const given = [];
  for (const file of options.modules) given.push(await readLoadableModule(file, identity.arch));
  let missing: string[];
  try {
    missing = loadOrder(given).missing;
  } catch (err) {
    // A cycle: runBootTest reports it.
    if (err instanceof LoadOrderError) return undefined;
    throw err;
  }
  if (missing.length === 0 || !fromArchive) return undefined;
  return fetchDebianKernelModules({
    cacheDir: options.cacheDir,
    distroVersion: identity.distroVersion,
    arch: identity.arch,
    kernelRelease: identity.kernelRelease,
    names: missing,
  });
}
