import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { kernelModuleName } from "../../src/core/boot/load-order.js";
import type { DkmsValues } from "../../src/core/modules/dkms-conf.js";
import { TEST_CACHE } from "../build/support.js";
import { underCi } from "../support/prerequisites.js";

/**
 * The real DKMS packages test/env/steps/45-dkms-sources.sh fetched from Debian's archive (apt-get download), as
 * source trees. Locally a missing tree skips its tests with the reason; under CI=true it is a failure.
 */

export const DKMS_PACKAGES = [
  "v4l2loopback-dkms",
  "acpi-call-dkms",
  "falcosecurity-scap-dkms",
  "openvpn-dco-dkms",
  "jool-dkms",
  "lttng-modules-dkms",
] as const;
export type DkmsPackage = (typeof DKMS_PACKAGES)[number];

const DKMS_DIR = join(TEST_CACHE, "dkms");

export function dkmsSource(pkg: DkmsPackage): string | undefined {
  const pathFile = join(DKMS_DIR, `${pkg}.path`);
  const tree = existsSync(pathFile) ? join(DKMS_DIR, readFileSync(pathFile, "utf8").trim()) : undefined;
  if (tree && existsSync(join(tree, "dkms.conf"))) return tree;
  const message = `${pkg}: no source tree under ${DKMS_DIR} (run test/env/steps/45-dkms-sources.sh)`;
  if (underCi()) throw new Error(`CI=true: ${message}`);
  console.warn(`skipping: ${message}`);
  return undefined;
}

/**
 * The modules a package declares, read the test's own way from what DKMS's read_conf gives (the evaluated values):
 * per record, BUILT_MODULE_NAME (the package name for a single unnamed record) and the path the build must leave it
 * at; names as the kernel compares them.
 */
export function declaredModules(values: DkmsValues): Array<{ name: string; path: string }> {
  const get = (key: string, i: number) => values.get(key)?.get(i) ?? "";
  const count =
    1 +
    Math.max(
      -1,
      ...["BUILT_MODULE_NAME", "BUILT_MODULE_LOCATION", "DEST_MODULE_NAME", "DEST_MODULE_LOCATION"].flatMap(
        (k) => [...(values.get(k)?.keys() ?? [])],
      ),
    );
  return Array.from({ length: count }, (_, i) => {
    const built = get("BUILT_MODULE_NAME", i) || (count === 1 ? get("PACKAGE_NAME", 0) : "");
    const location = get("BUILT_MODULE_LOCATION", i).replace(/([^/])$/, "$1/");
    return { name: kernelModuleName(built), path: `${location}${built}.ko` };
  });
}
