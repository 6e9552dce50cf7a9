import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { Arch } from "../core/arch.js";
import { KmodforgeError } from "../core/errors.js";
import { checkToken, MAX_RELEASE_LENGTH } from "../core/identity.js";
import { hostAptFamily } from "../distros/registry.js";
import type { DebPackage } from "./apt-metadata.js";
import { extractDebMember } from "./deb-extract.js";
import { PrivateApt } from "./private-apt.js";

/**
 * What a load test boots, fetched from the archive of the family the host's apt serves: the kernel image of one
 * exact kernel release (`vmlinuz-<release>` out of the packages the family names, Debian's
 * `linux-image-<release>-unsigned` then the signed `linux-image-<release>`) and a static busybox for the initramfs.
 * Both are cached by package.
 */

export interface FetchedAsset {
  /** The extracted file. */
  path: string;
  package: DebPackage;
  /** sha256 of the extracted file. */
  sha256: string;
}

export interface BootAssetOptions {
  /** Root of the cache: private apt state, kernel images and busybox builds live below it. */
  cacheDir: string;
  /** Debian major version whose suites are searched (its -updates, -backports and -security included). */
  distroVersion: string;
  arch: Arch;
}

const assetSchema = z.object({
  path: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  package: z.object({
    name: z.string(),
    version: z.string(),
    architecture: z.string(),
    filename: z.string(),
    sha256: z.string(),
    size: z.number(),
  }),
});

async function sha256File(path: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}

async function cached(metaPath: string): Promise<FetchedAsset | undefined> {
  if (!existsSync(metaPath)) return undefined;
  const parsed = assetSchema.safeParse(JSON.parse(await readFile(metaPath, "utf8")));
  if (!parsed.success || !existsSync(parsed.data.path)) return undefined;
  // A cache entry is trusted only if the file is still what was recorded.
  return (await sha256File(parsed.data.path)) === parsed.data.sha256 ? parsed.data : undefined;
}

async function fetchMember(
  opts: BootAssetOptions,
  candidates: readonly string[],
  members: readonly string[],
  entryDir: string,
  fileName: string,
): Promise<FetchedAsset> {
  const metaPath = join(entryDir, "asset.json");
  const hit = await cached(metaPath);
  if (hit) return hit;
  const apt = new PrivateApt(join(opts.cacheDir, "apt"), opts.distroVersion, opts.arch);
  const firstAvailable = async () => {
    for (const candidate of candidates) if (await apt.show(candidate)) return candidate;
    return undefined;
  };
  let name = await firstAvailable();
  if (!name) {
    // Cached lists may predate the upload (a new ABI appears in -security within hours): look once more, fresh.
    await apt.update(true);
    name = await firstAvailable();
  }
  if (!name) {
    throw new KmodforgeError(
      "HEADERS_UNAVAILABLE",
      `none of ${candidates.join(", ")} (${apt.debArch}) is in Debian ${apt.codename} on the configured mirror`,
      {
        candidates,
      },
    );
  }
  const downloads = join(opts.cacheDir, "downloads");
  const deb = await apt.download(name, downloads);
  try {
    const path = join(entryDir, fileName);
    await extractDebMember(deb.path, members, path);
    const { path: _ignored, ...pkg } = deb;
    const asset: FetchedAsset = { path, package: pkg, sha256: await sha256File(path) };
    await writeFile(metaPath, `${JSON.stringify(asset, null, 2)}\n`);
    return asset;
  } finally {
    await rm(deb.path, { force: true });
  }
}

/** Fetches (or reuses) `vmlinuz-<kernelRelease>` for a Debian kernel release. */
export async function fetchDebianKernelImage(
  opts: BootAssetOptions & { kernelRelease: string },
): Promise<FetchedAsset> {
  const release = checkToken(
    "kernelRelease",
    opts.kernelRelease,
    MAX_RELEASE_LENGTH,
    "a Debian kernel release",
  );
  if (typeof release !== "string") throw new KmodforgeError("INVALID_INPUT", release.message);
  const entryDir = join(opts.cacheDir, "kernels", release);
  const packages = hostAptFamily().apt.kernelImagePackages?.(release) ?? [];
  return fetchMember(opts, packages, [`./boot/vmlinuz-${release}`], entryDir, `vmlinuz-${release}`);
}

/** Fetches (or reuses) Debian's statically linked busybox for the target architecture. */
export async function fetchStaticBusybox(opts: BootAssetOptions): Promise<FetchedAsset> {
  const entryDir = join(opts.cacheDir, "busybox", opts.arch);
  const asset = await fetchMember(
    opts,
    ["busybox-static"],
    ["./bin/busybox", "./usr/bin/busybox"],
    entryDir,
    "busybox",
  );
  await chmod(asset.path, 0o755);
  return asset;
}
