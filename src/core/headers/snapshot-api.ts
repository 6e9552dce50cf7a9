import { z } from "zod";

/**
 * snapshot.debian.org's machine-readable API (`/mr/`), in three steps: the versions of a binary package, the files
 * of one version per architecture (by SHA-1), then the file itself at `/file/<sha1>`.
 */

export const snapshotVersionsSchema = z.object({
  package: z.string().optional(),
  result: z.array(
    z.object({
      binary_version: z.string(),
      name: z.string().optional(),
      source: z.string().optional(),
      version: z.string().optional(),
    }),
  ),
});
export type SnapshotVersions = z.infer<typeof snapshotVersionsSchema>;

const sha1 = z.string().regex(/^[0-9a-f]{40}$/);

export const snapshotBinfilesSchema = z.object({
  binary: z.string().optional(),
  binary_version: z.string().optional(),
  result: z.array(z.object({ architecture: z.string(), hash: sha1 })),
  fileinfo: z
    .record(
      z.string(),
      z.array(
        z.object({
          archive_name: z.string(),
          first_seen: z.string(),
          name: z.string(),
          path: z.string(),
          size: z.number().int().nonnegative(),
        }),
      ),
    )
    .optional(),
});
export type SnapshotBinfiles = z.infer<typeof snapshotBinfilesSchema>;

const NAME = /^[a-z0-9][a-z0-9+.-]*$/;
const VERSION = /^[A-Za-z0-9.+~:-]+$/;

export function isDebPackageName(name: string): boolean {
  return NAME.test(name) && name.length <= 128;
}
export function isDebVersion(version: string): boolean {
  return VERSION.test(version) && version.length <= 128;
}

function trim(base: string): string {
  return base.replace(/\/+$/, "");
}

export function snapshotVersionsUrl(base: string, name: string): string {
  return `${trim(base)}/mr/binary/${encodeURIComponent(name)}/`;
}

export function snapshotBinfilesUrl(base: string, name: string, version: string): string {
  return `${trim(base)}/mr/binary/${encodeURIComponent(name)}/${encodeURIComponent(version)}/binfiles?fileinfo=1`;
}

export function snapshotFileUrl(base: string, hash: string): string {
  return `${trim(base)}/file/${hash}`;
}

/** The version to fetch: the pinned one when listed, else the first listed (the API lists newest first). */
export function pickSnapshotVersion(v: SnapshotVersions, pinned?: string): string | undefined {
  const versions = v.result.map((r) => r.binary_version);
  if (pinned) return versions.includes(pinned) ? pinned : undefined;
  return versions[0];
}

/** The file of one architecture (`amd64`, `arm64`, `all`) with its size and first-seen name when recorded. */
export function pickSnapshotFile(
  b: SnapshotBinfiles,
  debArch: string,
): { hash: string; size?: number; name?: string } | undefined {
  const hit = b.result.find((r) => r.architecture === debArch);
  if (!hit) return undefined;
  const info = b.fileinfo?.[hit.hash]?.[0];
  return { hash: hit.hash, ...(info ? { size: info.size, name: info.name } : {}) };
}
