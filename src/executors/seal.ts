import { copyFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { verifyModuleSignature } from "../adapters/module-signature.js";
import { digestSourceDir } from "../adapters/source-digest.js";
import type { HeadersRecord } from "../core/build/headers-record.js";
import { namePackage } from "../core/build/package-naming.js";
import { cacheKey } from "../core/cache-key.js";
import { modinfoTag, readModuleElf } from "../core/elf-modinfo.js";
import { KmodforgeError, VerifyFailedError } from "../core/errors.js";
import { sha256Hex } from "../core/hash.js";
import { type KernelIdentity, parseIdentity } from "../core/identity.js";
import { compilerFor, type VersionTarget } from "../core/targets.js";
import { type CheckResult, runVerifyChecks } from "../core/verify/gate.js";
import {
  type BuildMetadata,
  buildMetadata,
  formatSha256sums,
  type ModuleFile,
  serialiseMetadata,
} from "../core/verify/metadata.js";

/**
 * The seal step: the verify gate on every module a build produced, then naming, metadata.json and SHA256SUMS —
 * the one place an artifact directory is made, whichever runner compiled the modules. Nothing is written unless
 * every module passed the gate; the directory appears whole (written aside, then renamed).
 */

export interface SealRequest {
  record: HeadersRecord;
  /** The compile/package work directory (modules/, modules.list, packaged/, compiler texts, build.log). */
  work: string;
  /** The module source tree (its digest is part of the cache key). */
  source: string;
  /** Parent directory of the artifact directory. */
  outDir: string;
  target: VersionTarget;
  builder: BuildMetadata["builder"];
  driverVersion?: string;
  /** The certificate a signed build must verify against; absent for unsigned builds. */
  signCert?: string;
  startedAt: string;
}

export interface SealResult {
  artifactDir: string;
  metadata: BuildMetadata;
}

interface BuiltModule {
  name: string;
  version?: string;
  location: string;
  bytes: Buffer;
  checks: CheckResult[];
}

function identityOf(record: HeadersRecord): KernelIdentity {
  const parsed = parseIdentity(record.identity);
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

/** Reads every module the compile step listed and runs the gate on each; throws naming the first failure. */
async function gateModules(
  record: HeadersRecord,
  work: string,
  identity: KernelIdentity,
): Promise<BuiltModule[]> {
  const tree = join(record.treeRoot, record.buildDir);
  const [kernelConfig, symvers, list] = await Promise.all([
    readFile(join(tree, "include/config/auto.conf"), "utf8"),
    readFile(join(tree, "Module.symvers"), "utf8"),
    readFile(join(work, "modules.list"), "utf8"),
  ]);
  const locations = list.split("\n").filter(Boolean);
  if (locations.length === 0) throw new KmodforgeError("COMPILE_FAILED", "the build produced no module");
  const modules: BuiltModule[] = [];
  for (const location of locations) {
    const bytes = await readFile(join(work, "modules", basename(location)));
    const checks = runVerifyChecks({
      module: bytes,
      kernelRelease: identity.kernelRelease,
      arch: identity.arch,
      kernelConfig,
      symvers,
    });
    const failed = checks.find((c) => !c.ok);
    if (failed)
      throw new VerifyFailedError(failed.check, failed.expected, failed.actual, `module ${location}`);
    const info = readModuleElf(bytes);
    const version = modinfoTag(info, "version");
    modules.push({
      name: modinfoTag(info, "name") ?? basename(location, ".ko"),
      ...(version ? { version } : {}),
      location,
      bytes,
      checks,
    });
  }
  return modules;
}

async function cacheKeyOf(req: SealRequest, identity: KernelIdentity): Promise<string> {
  return cacheKey({
    identity: { ...identity, driverVersion: req.driverVersion },
    moduleSourceDigest: await digestSourceDir(req.source),
    compiler: compilerFor(req.target, identity.upstreamVersion),
    builderImage: req.target.builderImage,
    headers: { kind: "files", files: req.record.packages },
    buildFlags: req.signCert ? ["signed"] : [],
  });
}

export async function seal(req: SealRequest): Promise<SealResult> {
  const identity = identityOf(req.record);
  const built = await gateModules(req.record, req.work, identity);
  const names = namePackage({
    modules: built,
    identity: { ...identity, driverVersion: undefined },
    sourceDirName: basename(req.source),
    ...(req.driverVersion ? { driverVersion: req.driverVersion } : {}),
  });
  if (!names.ok) throw names.error;
  const { artifactName, moduleFiles } = names.value;
  const staging = join(req.outDir, `.${artifactName}.${process.pid}.${Date.now()}.tmp`);
  await mkdir(staging, { recursive: true });
  try {
    const modules: ModuleFile[] = [];
    for (const m of built) {
      const file = moduleFiles.get(m.name)!;
      const packaged = join(req.work, "packaged", `${basename(m.location)}.xz`);
      if (req.signCert)
        await verifySigned(join(req.work, "packaged", `${basename(m.location)}.signed`), req.signCert);
      await copyFile(packaged, join(staging, file));
      const bytes = await readFile(join(staging, file));
      modules.push({
        name: m.name,
        file,
        sha256: sha256Hex(bytes),
        size: bytes.length,
        ...(m.version ? { version: m.version } : {}),
        location: m.location,
        signed: Boolean(req.signCert),
        checks: m.checks,
      });
    }
    const metadata = buildMetadata({
      artifactName,
      identity: {
        distro: identity.distro,
        distroVersion: identity.distroVersion,
        arch: identity.arch,
        kernelRelease: identity.kernelRelease,
        flavour: identity.flavour,
        upstreamVersion: identity.upstreamVersion,
      },
      package: { name: names.value.packageName, version: names.value.packageVersion, kind: "kbuild" },
      driverVersion: names.value.driverVersion,
      modules,
      compiler: {
        text: (await readFile(join(req.work, "compiler.txt"), "utf8")).trim(),
        kernelText: (await readFile(join(req.work, "kernel-compiler.txt"), "utf8")).trim(),
      },
      headerPackages: req.record.packages.map(({ role: _role, ...p }) => p),
      builder: req.builder,
      cacheKey: await cacheKeyOf(req, identity),
      signed: Boolean(req.signCert),
      startedAt: req.startedAt,
      finishedAt: new Date().toISOString(),
    });
    await writeFile(join(staging, "metadata.json"), serialiseMetadata(metadata));
    await copyFile(join(req.work, "build.log"), join(staging, "build.log"));
    const sums = await Promise.all(
      [...modules.map((m) => m.file), "metadata.json"].map(async (name) => ({
        name,
        bytes: await readFile(join(staging, name)),
      })),
    );
    await writeFile(join(staging, "SHA256SUMS"), formatSha256sums(sums));
    const artifactDir = join(req.outDir, artifactName);
    await rm(artifactDir, { recursive: true, force: true });
    await rename(staging, artifactDir);
    return { artifactDir, metadata };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function verifySigned(signedCopy: string, cert: string): Promise<void> {
  await verifyModuleSignature(signedCopy, cert);
  await rm(signedCopy, { force: true });
}
