import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { verifyModuleSignature } from "../adapters/module-signature.js";
import { digestSourceDir } from "../adapters/source-digest.js";
import { tempBeside } from "../adapters/temp-name.js";
import type { HeadersRecord } from "../core/build/headers-record.js";
import { namePackage } from "../core/build/package-naming.js";
import { cacheKey } from "../core/cache-key.js";
import { modinfoTag, readModuleElf } from "../core/elf-modinfo.js";
import { KmodforgeError, VerifyFailedError } from "../core/errors.js";
import { sha256Hex } from "../core/hash.js";
import { type KernelIdentity, parseIdentity } from "../core/identity.js";
import { dkmsPaths, type PlanFile, parsePlanJson } from "../core/modules/plan-files.js";
import { compilerFor, type VersionTarget } from "../core/targets.js";
import { type CheckResult, packageExports, runVerifyChecks } from "../core/verify/gate.js";
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
  /** Its file under the work directory's modules/ (and, compressed, packaged/). */
  file: string;
  location: string;
  bytes: Buffer;
  checks: CheckResult[];
}

interface ListedModule {
  file: string;
  location: string;
}

/** modules.list: per module its file under modules/, a tab, its path relative to the build directory. */
export function parseModulesList(text: string): ListedModule[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const m = /^([A-Za-z0-9][A-Za-z0-9_.+-]*\.ko)\t([^\t]+)$/.exec(line);
      if (!m)
        throw new KmodforgeError("COMPILE_FAILED", `modules.list: unexpected line ${JSON.stringify(line)}`);
      return { file: m[1]!, location: m[2]! };
    });
}

/** A DKMS build's plan, when the work directory has one: the modules the package must yield. */
async function readPlan(work: string): Promise<PlanFile | undefined> {
  const path = dkmsPaths(work).planJson;
  if (!existsSync(path)) return undefined;
  const parsed = parsePlanJson(await readFile(path, "utf8"));
  if (!parsed.ok) throw new KmodforgeError("INVALID_INPUT", parsed.message);
  return parsed.value;
}

/** Every module dkms.conf declares for this kernel is there, and nothing else: nothing disappears silently. */
function checkDeclared(listed: readonly ListedModule[], plan: PlanFile): void {
  const files = new Set(listed.map((m) => m.file));
  const missing = plan.plan.modules.filter((m) => !files.has(`${m.destName}.ko`));
  if (missing.length)
    throw new KmodforgeError(
      "COMPILE_FAILED",
      `dkms.conf declares ${missing.map((m) => `${m.builtName} (${m.location}${m.builtName}.ko)`).join(", ")}, which the build did not produce`,
    );
  const declared = new Set(plan.plan.modules.map((m) => `${m.destName}.ko`));
  const extra = listed.filter((m) => !declared.has(m.file));
  if (extra.length)
    throw new KmodforgeError(
      "COMPILE_FAILED",
      `the build listed modules dkms.conf does not declare: ${extra.map((m) => m.location).join(", ")}`,
    );
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
  plan: PlanFile | undefined,
): Promise<BuiltModule[]> {
  const tree = join(record.treeRoot, record.buildDir);
  const [kernelConfig, symvers, list] = await Promise.all([
    readFile(join(tree, "include/config/auto.conf"), "utf8"),
    readFile(join(tree, "Module.symvers"), "utf8"),
    readFile(join(work, "modules.list"), "utf8"),
  ]);
  const listed = parseModulesList(list);
  if (listed.length === 0) throw new KmodforgeError("COMPILE_FAILED", "the build produced no module");
  if (plan) checkDeclared(listed, plan);
  const read = await Promise.all(
    listed.map(async ({ file, location }) => ({
      file,
      location,
      bytes: await readFile(join(work, "modules", file)),
    })),
  );
  const exports = packageExports(read.map((m) => ({ name: m.file, bytes: m.bytes })));
  const modules: BuiltModule[] = [];
  for (const { file, location, bytes } of read) {
    const checks = runVerifyChecks({
      module: bytes,
      kernelRelease: identity.kernelRelease,
      arch: identity.arch,
      kernelConfig,
      symvers,
      packageExports: exports,
    });
    const failed = checks.find((c) => !c.ok);
    if (failed)
      throw new VerifyFailedError(failed.check, failed.expected, failed.actual, `module ${location}`);
    const info = readModuleElf(bytes);
    const version = modinfoTag(info, "version");
    modules.push({
      name: modinfoTag(info, "name") ?? basename(file, ".ko"),
      ...(version ? { version } : {}),
      file,
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
  const plan = await readPlan(req.work);
  const built = await gateModules(req.record, req.work, identity, plan);
  const names = namePackage({
    modules: built,
    identity: { ...identity, driverVersion: undefined },
    ...(plan ? { declared: plan.plan.package } : {}),
    sourceDirName: basename(req.source),
    ...(req.driverVersion ? { driverVersion: req.driverVersion } : {}),
  });
  if (!names.ok) throw names.error;
  const { artifactName, moduleFiles } = names.value;
  const staging = tempBeside(join(req.outDir, `.${artifactName}`));
  await mkdir(staging, { recursive: true });
  try {
    const modules: ModuleFile[] = [];
    for (const m of built) {
      const file = moduleFiles.get(m.name)!;
      const packaged = join(req.work, "packaged", `${m.file}.xz`);
      if (req.signCert) await verifySigned(join(req.work, "packaged", `${m.file}.signed`), req.signCert);
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
      package: {
        name: names.value.packageName,
        version: names.value.packageVersion,
        kind: plan ? "dkms" : "kbuild",
        ...(plan?.plan.excludedModules.length
          ? {
              excludedModules: plan.plan.excludedModules.map((e) => ({
                name: e.module.builtName,
                rule: e.rule,
              })),
            }
          : {}),
      },
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
