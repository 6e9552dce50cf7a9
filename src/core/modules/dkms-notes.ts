import type { DkmsValues } from "./dkms-conf.js";

/**
 * What a build says about the dkms.conf keys it reads but does not act on: nothing a package declares is dropped
 * without a word in the build log. Pure.
 */

const IGNORED: Record<string, string> = {
  CLEAN: "CLEAN is not run (DKMS 3.1.8 and later do not run it either; every build starts from a fresh copy)",
  AUTOINSTALL:
    "AUTOINSTALL concerns DKMS's kernel hooks on an installed system; kmodforge builds every kernel it is asked for",
  DEST_MODULE_LOCATION:
    "DEST_MODULE_LOCATION is where DKMS would install the modules; kmodforge packages them and installs nothing",
  STRIP: "STRIP is not applied: modules are packaged as the build produced them",
  BUILD_DEPENDS:
    "BUILD_DEPENDS names other DKMS packages that must be installed first; kmodforge builds one package and cannot provide them",
  BUILD_DEPENDS_REBUILD: "BUILD_DEPENDS_REBUILD concerns rebuilds on an installed system; ignored",
  NO_WEAK_MODULES: "NO_WEAK_MODULES concerns installation on RHEL/SUSE; ignored",
  POST_ADD: "POST_ADD runs when DKMS adds a source on an installed system; not run",
  POST_INSTALL: "POST_INSTALL runs at installation; not run",
  POST_REMOVE: "POST_REMOVE runs at removal; not run",
  PRE_INSTALL: "PRE_INSTALL runs at installation; not run",
  REMAKE_INITRD: "REMAKE_INITRD has had no effect since DKMS 2.8.8",
  MODULES_CONF: "MODULES_CONF has had no effect since DKMS 2.8.8",
  MODULES_CONF_OBSOLETES: "MODULES_CONF_OBSOLETES has had no effect since DKMS 2.8.8",
  MODULES_CONF_ALIAS_TYPE: "MODULES_CONF_ALIAS_TYPE has had no effect since DKMS 2.8.8",
  MODULES_CONF_OBSOLETE_ONLY: "MODULES_CONF_OBSOLETE_ONLY has had no effect since DKMS 2.8.8",
};

/** DKMS's own working variables, which it accepts from dkms.conf only to overwrite them. */
const INTERNAL = [
  "build_exclude",
  "patch_array",
  "built_module_name",
  "built_module_location",
  "dest_module_name",
  "dest_module_location",
  "strip",
];

export function keyNotes(values: DkmsValues, obsoleteByAsMax: boolean): string[] {
  const notes: string[] = [];
  for (const [key, note] of Object.entries(IGNORED)) {
    const elements = values.get(key);
    if (!elements || [...elements.values()].every((v) => v === "")) continue;
    notes.push(key === "BUILD_DEPENDS" ? `${note}: ${[...elements.values()].join(" ")}` : note);
  }
  for (const key of INTERNAL)
    if (values.has(key))
      notes.push(`${key} is DKMS's own working variable; the value dkms.conf gives it is ignored`);
  if (values.get("OBSOLETE_BY")?.get(0))
    notes.push(
      obsoleteByAsMax
        ? "OBSOLETE_BY acts as BUILD_EXCLUSIVE_KERNEL_MAX (DKMS 3.1.8 and later)"
        : "OBSOLETE_BY is overridden by BUILD_EXCLUSIVE_KERNEL_MAX",
    );
  return notes;
}
