import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { kmodforgeCacheDir } from "../adapters/cache-dir.js";
import { verifyModuleSignature } from "../adapters/module-signature.js";
import { runProcess } from "../adapters/run-process.js";
import { digestSourceDir } from "../adapters/source-digest.js";
import { type Arch, normaliseArch } from "../core/arch.js";
import { cacheKey } from "../core/cache-key.js";
import { modinfoTag, readModuleElf } from "../core/elf-modinfo.js";
import { KmodforgeError } from "../core/errors.js";
import { parseIdentity } from "../core/identity.js";
import { artifactName } from "../core/naming.js";
import { assertVerified, type CheckResult, parseKernelConfig } from "../core/verify/gate.js";
import { type BuildMetadata, buildMetadata, formatSha256sums } from "../core/verify/metadata.js";
import { defaultModuleDir, script } from "./build-scripts.js";
import { compileModule } from "./compile.js";
import { prepareHeaders } from "./prepare-headers.js";

/**
 * The local executor: resolve → fetch → extract → compile → verify → package, on this host (or with the compile
 * step inside a toolchain root of the kernel's own suite).
 */

export interface LocalBuildRequest {
  kernelRelease: string;
  distro: string;
  distroVersion: string;
  arch: string;
  driverVersion?: string;
  /** Module source directory (default: the sample module). */
  moduleDir?: string;
  /** Where the artifact directory is created (default: ./out). */
  outDir?: string;
  targetsDir?: string;
  cacheDir?: string;
  toolchainRoot?: string;
  allowCompilerMismatch?: boolean;
  signKey?: string;
  signCert?: string;
  hostArch?: Arch;
  onStep?: (step: string, ms: number) => void;
}

export interface BuildResult {
  /** Directory holding the artifact, metadata.json, SHA256SUMS and build.log. */
  artifactDir: string;
  /** The packaged `.ko.xz`. */
  artifact: string;
  metadata: BuildMetadata;
  checks: CheckResult[];
  steps: Record<string, number>;
  /** The cached headers tree the module was built against (its kernel build directory). */
  headersTree: string;
}

export function hostArch(): Arch {
  return (
    normaliseArch(process.arch === "x64" ? "x86_64" : process.arch === "arm64" ? "aarch64" : process.arch) ??
    "x86_64"
  );
}

export const defaultCacheDir = kmodforgeCacheDir;

export async function buildLocal(req: LocalBuildRequest): Promise<BuildResult> {
  const steps: Record<string, number> = {};
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await fn();
    } finally {
      steps[name] = Date.now() - started;
      req.onStep?.(name, steps[name]!);
    }
  };
  const parsed = parseIdentity(
    {
      kernelRelease: req.kernelRelease,
      distro: req.distro,
      distroVersion: req.distroVersion,
      arch: req.arch,
      driverVersion: req.driverVersion,
    },
    { hostArch: req.hostArch ?? hostArch() },
  );
  if (!parsed.ok) throw parsed.error;
  const identity = parsed.value;
  const cacheDir = req.cacheDir ?? defaultCacheDir();
  const moduleDir = resolve(req.moduleDir ?? defaultModuleDir());
  const started = new Date().toISOString();
  const { fetched, tree } = await prepareHeaders(identity, {
    cacheDir,
    hostArch: req.hostArch ?? hostArch(),
    ...(req.targetsDir ? { targetsDir: req.targetsDir } : {}),
    step,
  });

  const work = join(
    cacheDir,
    "work",
    `${identity.kernelRelease}-${identity.arch}-${process.pid}-${Date.now()}`,
  );
  await rm(work, { recursive: true, force: true });
  try {
    await step("compile", () =>
      compileModule({
        treeRoot: tree.root,
        buildDir: tree.buildDir,
        moduleDir,
        outDir: work,
        arch: identity.arch,
        ...(req.toolchainRoot ? { toolchainRoot: resolve(req.toolchainRoot) } : {}),
        ...(req.allowCompilerMismatch ? { allowCompilerMismatch: true } : {}),
      }),
    );
    const koName = (await readdir(work)).find((f) => f.endsWith(".ko"));
    if (!koName)
      throw new KmodforgeError(
        "COMPILE_FAILED",
        `the build produced no .ko (see ${join(work, "build.log")})`,
      );
    const ko = await readFile(join(work, koName));
    const [kernelConfig, symvers] = await Promise.all([
      readFile(join(tree.buildDir, "include/config/auto.conf"), "utf8"),
      readFile(join(tree.buildDir, "Module.symvers"), "utf8"),
    ]);
    const checks = await step("verify", async () =>
      assertVerified({
        module: ko,
        kernelRelease: identity.kernelRelease,
        arch: identity.arch,
        kernelConfig,
        symvers,
      }),
    );

    const info = readModuleElf(ko);
    const moduleName = modinfoTag(info, "name") ?? koName.replace(/\.ko$/, "");
    const moduleVersion = modinfoTag(info, "version") ?? "0";
    const driverVersion = identity.driverVersion ?? moduleVersion;
    const name = artifactName({ module: moduleName, driverVersion, identity });
    if (!name.ok) throw name.error;
    const compilerText = (await readFile(join(work, "compiler.txt"), "utf8")).trim();
    const key = cacheKey({
      identity,
      moduleSourceDigest: await digestSourceDir(moduleDir),
      toolchainId: compilerText,
      headerPackageSha256: fetched.map((f) => f.sha256),
      buildFlags: req.signKey ? ["signed"] : [],
    });

    const artifactDir = resolve(req.outDir ?? "out", name.value);
    await rm(artifactDir, { recursive: true, force: true });
    await mkdir(artifactDir, { recursive: true });
    const artifact = join(artifactDir, `${name.value}.ko.xz`);
    await step("package", async () => {
      const signArgs =
        req.signKey && req.signCert
          ? [
              join(tree.buildDir, "scripts/sign-file"),
              parseKernelConfig(kernelConfig).get("CONFIG_MODULE_SIG_HASH") ?? "sha256",
              req.signKey,
              req.signCert,
            ]
          : [];
      const p = await runProcess(
        "sh",
        [script("package-module.sh"), join(work, koName), artifact, ...signArgs],
        { timeoutMs: 300_000 },
      );
      if (p.code !== 0)
        throw new KmodforgeError(
          p.code === 5 ? "SIGNATURE_INVALID" : "EXTERNAL_TOOL_FAILED",
          `packaging failed: ${p.stderr.trim()}`,
        );
      if (signArgs.length) {
        await verifyModuleSignature(artifact.replace(/\.xz$/, ".signed"), req.signCert!);
        await rm(artifact.replace(/\.xz$/, ".signed"));
      }
    });
    const artifactBytes = await readFile(artifact);
    const metadata = buildMetadata({
      artifactName: name.value,
      identity: {
        distro: identity.distro,
        distroVersion: identity.distroVersion,
        arch: identity.arch,
        kernelRelease: identity.kernelRelease,
        flavour: identity.flavour,
        upstreamVersion: identity.upstreamVersion,
      },
      package: { name: moduleName, version: moduleVersion, kind: "kbuild" },
      driverVersion,
      modules: [
        {
          name: moduleName,
          file: `${name.value}.ko.xz`,
          sha256: createHash("sha256").update(artifactBytes).digest("hex"),
          size: artifactBytes.length,
          ...(modinfoTag(info, "version") ? { version: moduleVersion } : {}),
          location: ".",
          signed: Boolean(req.signKey),
          checks,
        },
      ],
      compiler: {
        text: compilerText,
        kernelText: (await readFile(join(work, "kernel-compiler.txt"), "utf8")).trim(),
      },
      headerPackages: fetched.map((f) => ({
        name: f.candidate.name,
        version: f.candidate.version,
        url: f.candidate.url,
        sha256: f.sha256,
        source: f.candidate.source,
        ...(f.candidate.signedBy ? { signedBy: f.candidate.signedBy } : {}),
      })),
      builder: { runner: "host", mode: identity.arch === (req.hostArch ?? hostArch()) ? "native" : "cross" },
      cacheKey: key,
      signed: Boolean(req.signKey),
      startedAt: started,
      finishedAt: new Date().toISOString(),
    });
    await writeFile(join(artifactDir, "metadata.json"), `${JSON.stringify(metadata, null, 2)}\n`);
    await copyFile(join(work, "build.log"), join(artifactDir, "build.log"));
    const sums = formatSha256sums(
      await Promise.all(
        [`${name.value}.ko.xz`, "metadata.json"].map(async (f) => ({
          name: f,
          bytes: await readFile(join(artifactDir, f)),
        })),
      ),
    );
    await writeFile(join(artifactDir, "SHA256SUMS"), sums);
    return { artifactDir, artifact, metadata, checks, steps, headersTree: tree.buildDir };
  } catch (err) {
    // Keep the log of a failed build next to where its artifact would have gone.
    if (existsSync(join(work, "build.log"))) {
      const failed = resolve(req.outDir ?? "out", "failed", `${identity.kernelRelease}-${identity.arch}`);
      await mkdir(failed, { recursive: true });
      await copyFile(join(work, "build.log"), join(failed, "build.log")).catch(() => undefined);
    }
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
