import { fail, InvalidInputError, ok, type Result } from "../errors.js";
import type { IdentityKey } from "../identity.js";
import { artifactName } from "../naming.js";

/**
 * How a built module package is named: the package (a plain Kbuild tree or a DKMS tree) gets one artifact name,
 * each of its modules another, both from naming.ts. Pure.
 */

export interface BuiltModuleFacts {
  /** modinfo `name`. */
  name: string;
  /** modinfo `version` (MODULE_VERSION), when declared. */
  version?: string;
}

export interface PackageNames {
  packageName: string;
  packageVersion: string;
  driverVersion: string;
  /** The artifact directory's name. */
  artifactName: string;
  /** Each module's file name inside it, by module name. */
  moduleFiles: Map<string, string>;
}

export interface PackageNameInput {
  modules: readonly BuiltModuleFacts[];
  identity: IdentityKey;
  /** What the package says about itself (dkms.conf PACKAGE_NAME/PACKAGE_VERSION), when it says anything. */
  declared?: { name?: string; version?: string };
  /** The source directory's name, the package name of last resort for a tree of several modules. */
  sourceDirName: string;
  /** The user's --driver-version, which wins over everything the package says. */
  driverVersion?: string;
}

/** A directory name as a package name: characters naming.ts accepts, first one alphanumeric. */
function packageNameOf(dirName: string): string {
  const cleaned = dirName.replace(/[^A-Za-z0-9_-]/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return cleaned.slice(0, 64) || "module";
}

/**
 * Package name: declared, else the only module's name, else the source directory's name. Package version:
 * declared, else the MODULE_VERSION the modules agree on, else "0". The driver version (part of every artifact
 * name) is --driver-version when given, else the package version.
 */
export function namePackage(input: PackageNameInput): Result<PackageNames, InvalidInputError> {
  const [first] = input.modules;
  if (!first)
    return fail(
      new InvalidInputError([
        {
          field: "modules",
          given: "",
          expected: "at least one module",
          message: "the build produced no module",
        },
      ]),
    );
  const packageName =
    input.declared?.name ?? (input.modules.length === 1 ? first.name : packageNameOf(input.sourceDirName));
  const versions = [...new Set(input.modules.map((m) => m.version).filter((v): v is string => Boolean(v)))];
  const packageVersion = input.declared?.version ?? (versions.length === 1 ? versions[0]! : "0");
  const driverVersion = input.driverVersion ?? packageVersion;
  const dir = artifactName({ module: packageName, driverVersion, identity: input.identity });
  if (!dir.ok) return dir;
  const moduleFiles = new Map<string, string>();
  for (const m of input.modules) {
    const name = artifactName({ module: m.name, driverVersion, identity: input.identity });
    if (!name.ok) return name;
    moduleFiles.set(m.name, `${name.value}.ko.xz`);
  }
  return ok({ packageName, packageVersion, driverVersion, artifactName: dir.value, moduleFiles });
}
