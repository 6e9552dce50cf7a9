import { readFile } from "node:fs/promises";
import { z } from "zod";
import { KmodforgeError } from "../core/errors.js";
import { runProcess } from "./run-process.js";

/**
 * What apt knows, read without changing it: the mirrors the host's apt configuration names, the package lists a
 * private apt state keeps (in whatever compression apt chose), and the validated package records in them.
 */

export const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]{1,120}$/;
export const DEB_VERSION = /^[A-Za-z0-9.+~:-]+$/;

/** One package version of a signed Packages index (also what the apt link's lookup cache stores). */
export const debPackageSchema = z.object({
  name: z.string().regex(PACKAGE_NAME),
  version: z.string().regex(DEB_VERSION),
  architecture: z.string().regex(/^[a-z0-9]+$/),
  /** Pool path on the mirror. */
  filename: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  /** The `Depends` field, as signed metadata lists it. */
  depends: z.string().optional(),
});
export type DebPackage = z.infer<typeof debPackageSchema>;

/** A package version of the kernel index, with where it is published. */
export type IndexedDeb = DebPackage & { url: string; suite: string };

/** A validated Packages stanza, or undefined when a field is missing or malformed. */
export function debPackage(stanza: Record<string, string> | undefined): DebPackage | undefined {
  if (!stanza) return undefined;
  const parsed = debPackageSchema.safeParse({
    name: stanza.Package,
    version: stanza.Version,
    architecture: stanza.Architecture,
    filename: stanza.Filename,
    sha256: stanza.SHA256,
    size: /^\d+$/.test(stanza.Size ?? "") ? Number(stanza.Size) : undefined,
    ...(stanza.Depends ? { depends: stanza.Depends } : {}),
  });
  return parsed.success ? parsed.data : undefined;
}

/** The mirror URIs the host's apt uses: the main archive and the security archive. */
export async function hostDebianMirrors(): Promise<{ archive: string; security?: string }> {
  const r = await runProcess(
    "apt-get",
    ["indextargets", "--format", "$(REPO_URI)\t$(RELEASE)\t$(TARGET_OF)"],
    { timeoutMs: 30_000 },
  );
  if (r.code !== 0)
    throw new KmodforgeError("EXTERNAL_TOOL_FAILED", `apt-get indextargets failed: ${r.stderr.trim()}`);
  let archive: string | undefined;
  let security: string | undefined;
  for (const line of r.stdout.split("\n")) {
    const [uri, release, targetOf] = line.split("\t");
    if (!uri || !release || targetOf !== "deb" || !/^https?:\/\//.test(uri)) continue;
    if (release.endsWith("-security")) security ??= uri;
    else archive ??= uri;
  }
  if (!archive)
    throw new KmodforgeError(
      "CONFIG_INVALID",
      "the host's apt configuration names no Debian archive (apt-get indextargets found none)",
    );
  return security ? { archive, security } : { archive };
}

/** apt keeps lists compressed (lz4, gz, xz … per host config); apt-helper reads whichever it wrote. */
export async function readAptList(path: string): Promise<string> {
  if (path.endsWith("_Packages")) return readFile(path, "utf8");
  const r = await runProcess("/usr/lib/apt/apt-helper", ["cat-file", path], {
    timeoutMs: 120_000,
    maxOutputBytes: 512 * 1024 * 1024,
  });
  if (r.code !== 0)
    throw new KmodforgeError(
      "EXTERNAL_TOOL_FAILED",
      `apt-helper cat-file ${path} failed: ${r.stderr.trim().slice(-400)}`,
    );
  return r.stdout;
}

/** Only kernel packages matter; dropping the rest before parsing keeps a 50 MB index cheap. */
export function kernelStanzas(text: string): string {
  return text
    .split(/\n\n+/)
    .filter((block) => block.startsWith("Package: linux-"))
    .join("\n\n");
}
