import { z } from "zod";

/**
 * Launchpad's REST API keeps every Ubuntu binary ever published: `getPublishedBinaries` on the archive lists
 * binary_package_publishing_history entries; `binaryFileUrls?include_meta=true` on an entry gives each librarian
 * file with its size, SHA-1 and SHA-256.
 */

export const lpPublicationSchema = z.object({
  self_link: z.string(),
  binary_package_name: z.string(),
  binary_package_version: z.string(),
  distro_arch_series_link: z.string(),
  architecture_specific: z.boolean().optional(),
  status: z.string().optional(),
  pocket: z.string().optional(),
});
export type LpPublication = z.infer<typeof lpPublicationSchema>;

export const lpPublicationCollectionSchema = z.object({
  start: z.number().optional(),
  total_size: z.number().optional(),
  entries: z.array(lpPublicationSchema),
});

export const lpBinaryFileUrlsSchema = z.array(
  z.object({
    url: z.string(),
    size: z.number().int().nonnegative().optional(),
    sha1: z.string().optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
  }),
);
export type LpBinaryFile = z.infer<typeof lpBinaryFileUrlsSchema>[number];

function trim(base: string): string {
  return base.replace(/\/+$/, "");
}

/** `<api>/<distribution>/+archive/primary?ws.op=getPublishedBinaries&binary_name=…&exact_match=true[&version=…]` */
export function lpPublishedBinariesUrl(api: string, archive: string, name: string, version?: string): string {
  const q = new URLSearchParams({ "ws.op": "getPublishedBinaries", binary_name: name, exact_match: "true" });
  if (version) q.set("version", version);
  return `${trim(api)}/${encodeURIComponent(archive)}/+archive/primary?${q.toString()}`;
}

export function lpBinaryFileUrlsUrl(selfLink: string): string {
  return `${selfLink}?ws.op=binaryFileUrls&include_meta=true`;
}

/**
 * Publications of this exact package for the series and arch, newest first as Launchpad lists them. Arch-all
 * packages are published once per architecture with `architecture_specific: false`; any of them will do.
 */
export function pickPublications(
  entries: readonly LpPublication[],
  want: { name: string; debArch: string; series?: string; version?: string },
): LpPublication[] {
  return entries.filter((e) => {
    if (e.binary_package_name !== want.name) return false;
    if (want.version && e.binary_package_version !== want.version) return false;
    const das = e.distro_arch_series_link.replace(/\/+$/, "").split("/");
    const arch = das[das.length - 1];
    const series = das[das.length - 2];
    if (want.series && series !== want.series) return false;
    return want.debArch === "all" ? e.architecture_specific !== true : arch === want.debArch;
  });
}

/** The `.deb` of this package among a publication's files. */
export function pickDebFile(files: readonly LpBinaryFile[], name: string): LpBinaryFile | undefined {
  return files.find((f) => {
    const last = decodeURIComponent(f.url.split("/").pop() ?? "");
    return last.startsWith(`${name}_`) && last.endsWith(".deb");
  });
}
