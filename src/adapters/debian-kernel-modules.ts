import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { kernelModuleName, kernelModulePaths, parseDepends } from "../core/boot/load-order.js";
import { modinfoTag, readModuleElf } from "../core/elf-modinfo.js";
import { KmodforgeError } from "../core/errors.js";
import type { DebPackage } from "./apt-metadata.js";
import { extractDebMembers, listDebMembers } from "./deb-extract.js";
import {
  type BootAssetOptions,
  checkedRelease,
  downloadFirstAvailable,
  kernelImagePackages,
} from "./debian-boot-assets.js";
import { readModuleBytes } from "./module-files.js";
import type { DownloadedDeb } from "./private-apt.js";

/**
 * The kernel's own modules a load test needs because the package's modules depend on them (jool needs netfilter's
 * nf_defrag_ipv4/ipv6, for instance), out of the kernel's image package. Debian ships no modules.dep (depmod writes
 * it on installation), so the package's file list gives each module's path and the modules' own `depends=` give the
 * closure, extracted a level at a time. Everything is cached per release; a cached file is used only while its
 * sha256 is the one recorded.
 */

const indexSchema = z.object({
  package: z.object({ name: z.string(), version: z.string(), sha256: z.string() }).optional(),
  /** Every module of the package: name → path under lib/modules/<release>/. */
  paths: z.record(z.string(), z.string()).optional(),
  /** Extracted files: path → sha256 and the module's dependencies. */
  files: z.record(
    z.string(),
    z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), depends: z.array(z.string()) }),
  ),
});
type Index = z.infer<typeof indexSchema>;

export interface KernelModules {
  /** The module files (the caller orders them by their dependencies). */
  files: string[];
  package?: Pick<DebPackage, "name" | "version" | "sha256">;
}

const sha256 = async (path: string) =>
  createHash("sha256")
    .update(await readFile(path))
    .digest("hex");

async function readIndex(path: string): Promise<Index> {
  if (!existsSync(path)) return { files: {} };
  const parsed = indexSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
  return parsed.success ? parsed.data : { files: {} };
}

/** A cache of one release's modules, filled from its image package (downloaded at most once per call). */
class ReleaseModules {
  private deb: DownloadedDeb | undefined;
  readonly base: string;
  private readonly indexPath: string;

  constructor(
    private readonly opts: BootAssetOptions,
    private readonly release: string,
    private readonly root: string,
    private readonly index: Index,
  ) {
    this.base = join(root, "lib/modules", release);
    this.indexPath = join(root, "index.json");
  }

  static async open(opts: BootAssetOptions, release: string): Promise<ReleaseModules> {
    const root = join(opts.cacheDir, "kernels", release, "modules");
    return new ReleaseModules(opts, release, root, await readIndex(join(root, "index.json")));
  }

  private async package(): Promise<DownloadedDeb> {
    this.deb ??= await downloadFirstAvailable(this.opts, kernelImagePackages(this.release));
    this.index.package = { name: this.deb.name, version: this.deb.version, sha256: this.deb.sha256 };
    return this.deb;
  }

  async paths(): Promise<Map<string, string>> {
    if (!this.index.paths) {
      const listing = await listDebMembers((await this.package()).path);
      this.index.paths = Object.fromEntries(kernelModulePaths(listing, this.release));
    }
    return new Map(Object.entries(this.index.paths));
  }

  private async cached(rel: string): Promise<boolean> {
    const entry = this.index.files[rel];
    return (
      entry !== undefined &&
      existsSync(join(this.base, rel)) &&
      (await sha256(join(this.base, rel))) === entry.sha256
    );
  }

  /** Extracts what is not cached yet (one pass over the package) and records each file's dependencies. */
  async ensure(rels: readonly string[]): Promise<void> {
    const missing: string[] = [];
    for (const rel of rels) if (!(await this.cached(rel))) missing.push(rel);
    if (missing.length === 0) return;
    await mkdir(this.root, { recursive: true });
    await extractDebMembers(
      (await this.package()).path,
      missing.map((rel) => `./lib/modules/${this.release}/${rel}`),
      this.root,
    );
    for (const rel of missing) {
      const path = join(this.base, rel);
      const depends = parseDepends(modinfoTag(readModuleElf(await readModuleBytes(path)), "depends"));
      this.index.files[rel] = { sha256: await sha256(path), depends };
    }
  }

  depends(rel: string): string[] {
    return this.index.files[rel]?.depends ?? [];
  }

  async close(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await writeFile(this.indexPath, `${JSON.stringify(this.index, null, 2)}\n`);
    if (this.deb) await rm(this.deb.path, { force: true });
  }

  get packageInfo(): Index["package"] {
    return this.index.package;
  }
}

export async function fetchDebianKernelModules(
  opts: BootAssetOptions & { kernelRelease: string; names: readonly string[] },
): Promise<KernelModules> {
  const release = checkedRelease(opts.kernelRelease);
  const modules = await ReleaseModules.open(opts, release);
  try {
    const paths = await modules.paths();
    const wanted = new Set<string>();
    let level = opts.names.map(kernelModuleName);
    while (level.length) {
      const rels = level.map((name) => {
        const rel = paths.get(name);
        if (!rel)
          throw new KmodforgeError(
            "INVALID_INPUT",
            `the kernel ${release} has no module ${name} (a dependency)`,
          );
        return rel;
      });
      for (const rel of rels) wanted.add(rel);
      await modules.ensure(rels);
      level = [...new Set(rels.flatMap((rel) => modules.depends(rel)))].filter(
        (n) => !wanted.has(paths.get(n) ?? ""),
      );
    }
    const info = modules.packageInfo;
    return { files: [...wanted].map((rel) => join(modules.base, rel)), ...(info ? { package: info } : {}) };
  } finally {
    await modules.close();
  }
}
