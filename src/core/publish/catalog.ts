import semver from "semver";
import { z } from "zod";
import type { DocumentSpec } from "./generations.js";
import { CATALOG_FOLDER, indexFolder } from "./layout.js";

/**
 * catalog.json: the driver versions a store holds and where each one's index lives, so `lookup` without
 * `--driver-version` can answer for the newest one. Changes only when a driver version is published first.
 */

export const CATALOG_SCHEMA_VERSION = 1;

const driverEntrySchema = z.object({
  package: z.string().min(1),
  folder: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/),
  firstPublishedAt: z.string().datetime(),
});

export const catalogSchema = z.object({
  schemaVersion: z.literal(CATALOG_SCHEMA_VERSION),
  kind: z.literal("kmodforge-catalog"),
  generation: z.number().int().positive(),
  updatedAt: z.string().datetime(),
  driverVersions: z.record(z.string(), driverEntrySchema),
});
export type Catalog = z.infer<typeof catalogSchema>;

export const CATALOG_SPEC: DocumentSpec<Catalog> = {
  name: "catalog",
  folder: CATALOG_FOLDER,
  schema: catalogSchema,
};

/** The catalog with the driver version added, or undefined when it is already there. */
export function addDriverVersion(
  current: Catalog | undefined,
  driverVersion: string,
  packageName: string,
  now: Date,
): Omit<Catalog, "generation"> | undefined {
  if (current?.driverVersions[driverVersion]) return undefined;
  return {
    schemaVersion: CATALOG_SCHEMA_VERSION,
    kind: "kmodforge-catalog",
    updatedAt: now.toISOString(),
    driverVersions: {
      ...(current?.driverVersions ?? {}),
      [driverVersion]: {
        package: packageName,
        folder: indexFolder(driverVersion),
        firstPublishedAt: now.toISOString(),
      },
    },
  };
}

function asSemver(version: string): semver.SemVer | null {
  return semver.parse(version.replace(/^v(?=\d)/, ""), { loose: true });
}

/** Orders driver versions: by semantic version when both are one (a leading `v` allowed), else by first publish. */
export function compareDriverVersions(catalog: Catalog, a: string, b: string): number {
  const [va, vb] = [asSemver(a), asSemver(b)];
  const bySemver = va && vb ? semver.compare(va, vb) : 0;
  if (bySemver !== 0) return bySemver;
  const [ta, tb] = [catalog.driverVersions[a]?.firstPublishedAt, catalog.driverVersions[b]?.firstPublishedAt];
  return ta === tb ? (a < b ? -1 : a > b ? 1 : 0) : (ta ?? "") < (tb ?? "") ? -1 : 1;
}

export function newestDriverVersion(catalog: Catalog): string | undefined {
  return Object.keys(catalog.driverVersions)
    .sort((a, b) => compareDriverVersions(catalog, a, b))
    .at(-1);
}
