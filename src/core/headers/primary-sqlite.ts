import { z } from "zod";
import type { PrimaryPackage } from "./primary-xml.js";

/**
 * `primary.sqlite` (repomd type `primary_db`): the primary index as a createrepo SQLite database. Read only when a
 * repository offers no XML primary (some yum-era repositories). The query is a constant: no input reaches it.
 */

export const PRIMARY_DB_QUERY =
  "SELECT name, arch, epoch, version, release, pkgId, checksum_type, size_package, location_href, location_base " +
  "FROM packages WHERE name LIKE 'kernel%' OR name LIKE 'gcc%';";

const rowSchema = z.object({
  name: z.string(),
  arch: z.string(),
  epoch: z.union([z.string(), z.number()]).nullable(),
  version: z.string(),
  release: z.string(),
  pkgId: z.string().regex(/^[0-9a-fA-F]+$/),
  checksum_type: z.string(),
  size_package: z.number().nullable(),
  location_href: z.string(),
  location_base: z.string().nullable(),
});

export const primaryDbRowsSchema = z.array(rowSchema);

/** Rows of the query above (sqlite3 `-json` output; empty output means no rows). */
export function primaryDbPackages(
  json: string,
  keep: (name: string) => boolean,
): PrimaryPackage[] | undefined {
  let data: unknown = [];
  if (json.trim() !== "") {
    try {
      data = JSON.parse(json);
    } catch {
      return undefined;
    }
  }
  const rows = primaryDbRowsSchema.safeParse(data);
  if (!rows.success) return undefined;
  return rows.data
    .filter((r) => keep(r.name))
    .map((r) => ({
      name: r.name,
      arch: r.arch,
      epoch: String(r.epoch ?? "0") || "0",
      version: r.version,
      release: r.release,
      checksumType: r.checksum_type,
      checksum: r.pkgId.toLowerCase(),
      ...(r.size_package !== null ? { size: r.size_package } : {}),
      href: r.location_href,
      ...(r.location_base ? { base: r.location_base } : {}),
    }));
}
