import { createHash, randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Arch } from "../../src/core/arch.js";
import { artifactName } from "../../src/core/naming.js";
import { buildMetadata, formatSha256sums, serialiseMetadata } from "../../src/core/verify/metadata.js";
import type { Distro } from "../../src/distros/adapter.js";

/**
 * Writes an artifact directory as a build does — one `.ko.xz` per module, a valid v2 metadata.json from
 * buildMetadata(), SHA256SUMS and build.log — with real (random) bytes, so publish and lookup see whole artifacts
 * without compiling anything.
 */
export interface TestArtifact {
  kernelRelease: string;
  distro?: Distro;
  distroVersion?: string;
  arch?: Arch;
  driverVersion?: string;
  packageName?: string;
  modules?: string[];
  /** Bytes per module file. */
  size?: number;
}

export async function writeTestArtifact(out: string, a: TestArtifact): Promise<string> {
  const identity = {
    distro: a.distro ?? "debian",
    distroVersion: a.distroVersion ?? "12",
    arch: a.arch ?? "x86_64",
    kernelRelease: a.kernelRelease,
  } as const;
  const driverVersion = a.driverVersion ?? "1.0.0";
  const packageName = a.packageName ?? "kmodtest";
  const name = artifactName({ module: packageName, driverVersion, identity });
  if (!name.ok) throw name.error;
  const dir = join(out, name.value);
  await mkdir(dir, { recursive: true });
  const files: Array<{ name: string; bytes: Uint8Array }> = [];
  const modules = [];
  for (const module of a.modules ?? [packageName]) {
    const moduleName = artifactName({ module, driverVersion, identity });
    if (!moduleName.ok) throw moduleName.error;
    const file = `${moduleName.value}.ko.xz`;
    const bytes = randomBytes(a.size ?? 2048);
    await writeFile(join(dir, file), bytes);
    files.push({ name: file, bytes });
    modules.push({
      name: module,
      file,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      size: bytes.length,
      location: ".",
      signed: false,
      checks: [
        { check: "vermagic-release" as const, ok: true, expected: a.kernelRelease, actual: a.kernelRelease },
      ],
    });
  }
  const now = new Date().toISOString();
  const metadata = buildMetadata({
    artifactName: name.value,
    identity,
    package: { name: packageName, version: driverVersion, kind: modules.length > 1 ? "dkms" : "kbuild" },
    driverVersion,
    modules,
    compiler: {
      text: "gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0",
      kernelText: "gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0",
    },
    headerPackages: [
      {
        name: `linux-headers-${a.kernelRelease}`,
        version: "1",
        url: "http://mirror.invalid/pool/linux-headers.deb",
        sha256: createHash("sha256").update(a.kernelRelease).digest("hex"),
        source: "apt",
      },
    ],
    builder: { runner: "host", mode: "native" },
    cacheKey: randomBytes(32).toString("hex"),
    signed: false,
    startedAt: now,
    finishedAt: now,
  });
  const metaText = serialiseMetadata(metadata);
  await writeFile(join(dir, "metadata.json"), metaText);
  files.push({ name: "metadata.json", bytes: Buffer.from(metaText) });
  await writeFile(join(dir, "SHA256SUMS"), formatSha256sums(files));
  await writeFile(join(dir, "build.log"), `make -C /lib/modules/${a.kernelRelease}/build M=. modules\n`);
  return dir;
}

/** Debian 12 style kernel releases that parse: 6.1.0-<abi>-amd64. */
export function debianRelease(abi: number, arch: Arch = "x86_64"): string {
  return `6.1.0-${abi}-${arch === "x86_64" ? "amd64" : "arm64"}`;
}
