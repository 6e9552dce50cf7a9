import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { cacheSubdir, defaultCacheRoot } from "../adapters/cache-dir.js";
import { loadTargets } from "../adapters/targets-fs.js";
import { tempBeside } from "../adapters/temp-name.js";
import { type Arch, normaliseArch } from "../core/arch.js";
import { identityAndTarget, planBuilder } from "../core/build/builder-plan.js";
import type { ExecutorKind } from "../core/build/executor-choice.js";
import { builderSteps, type DkmsStepInput, type Signing } from "../core/build/steps.js";
import { KmodforgeError } from "../core/errors.js";
import type { ResolvedHeaders } from "../core/headers/types.js";
import type { KernelIdentity } from "../core/identity.js";
import { mentionsBuildScripts } from "../core/modules/dkms-conf.js";
import { parseKernelConfig } from "../core/verify/gate.js";
import type { BuildMetadata } from "../core/verify/metadata.js";
import { defaultModuleDir } from "./build-scripts.js";
import type { BuildDirs, BuilderRunner } from "./builder-runners.js";
import { pickRunner } from "./pick-runner.js";
import { planPackage, readDkmsConfOf } from "./plan-package.js";
import { type PreparedHeaders, prepareHeaders } from "./prepare-headers.js";
import { seal } from "./seal.js";

/**
 * One module build, whichever runner compiles it: headers (resolve → fetch → extract) → compile → package → seal
 * (verify gate, metadata, SHA256SUMS). The compile and package steps run on this host or in the kernel's builder
 * image (`executor`); `auto` takes the host when it has the kernel's compiler and arch tools, else a container.
 */

export type ExecutorRequest = "auto" | ExecutorKind;

export interface BuildRequest {
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
  executor?: ExecutorRequest;
  allowCompilerMismatch?: boolean;
  /** Hard limit for each builder step (default DEFAULT_STEP_TIMEOUT_MS). */
  stepTimeoutMs?: number;
  /** Let a DKMS tree's PRE_BUILD/POST_BUILD run (in a builder container only). */
  allowScripts?: boolean;
  signKey?: string;
  signCert?: string;
  hostArch?: Arch;
  /** A resolution made earlier; resolved now when absent. */
  resolved?: ResolvedHeaders;
  /**
   * Header files a sweep's matrix named for this kernel. The build resolves through the chain anyway (the one path
   * that verifies signatures); a file whose checksum differs from the matrix's — the archive moved on since the
   * matrix was made — is reported through `log`, and the metadata records what was really built.
   */
  expectedHeaders?: ReadonlyArray<{ name: string; sha256?: string }>;
  onStep?: (step: string, ms: number) => void;
  /** Progress of long first-use work (builder images), one line at a time. */
  log?: (line: string) => void;
}

export interface BuildResult {
  /** Directory holding the modules, metadata.json, SHA256SUMS and build.log. */
  artifactDir: string;
  metadata: BuildMetadata;
  executor: ExecutorKind;
  steps: Record<string, number>;
  /** The kernel build directory the modules were built against. */
  headersTree: string;
}

/** A package of dozens of modules (lttng-modules) takes tens of minutes on a busy 2-core machine. */
export const DEFAULT_STEP_TIMEOUT_MS = 3_600_000;

export function hostArch(): Arch {
  return normaliseArch(process.arch === "x64" ? "x86_64" : process.arch) ?? "x86_64";
}

type Step = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

function stepTimer(steps: Record<string, number>, onStep?: (step: string, ms: number) => void): Step {
  return async (name, fn) => {
    const started = Date.now();
    try {
      return await fn();
    } finally {
      steps[name] = (steps[name] ?? 0) + Date.now() - started;
      onStep?.(name, steps[name]!);
    }
  };
}

export async function buildModule(req: BuildRequest): Promise<BuildResult> {
  const steps: Record<string, number> = {};
  const step = stepTimer(steps, req.onStep);
  const machine = req.hostArch ?? hostArch();
  const { identity, target } = identityAndTarget(
    {
      kernelRelease: req.kernelRelease,
      distro: req.distro,
      distroVersion: req.distroVersion,
      arch: req.arch,
      driverVersion: req.driverVersion,
    },
    await loadTargets(req.targetsDir),
    machine,
  );
  const plan = planBuilder(identity, target, machine);
  const cacheDir = req.cacheDir ?? defaultCacheRoot();
  const source = resolve(req.moduleDir ?? defaultModuleDir());
  const outDir = resolve(req.outDir ?? "out");
  const startedAt = new Date().toISOString();
  const headers = await prepareHeaders(identity, {
    cacheDir,
    hostArch: plan.builderArch,
    ...(req.targetsDir ? { targetsDir: req.targetsDir } : {}),
    ...(req.resolved ? { resolved: req.resolved } : {}),
    step,
  });
  reportHeaderDrift(req, headers);
  // Two builds of one kernel may run at once (a service building two driver versions): each has its own.
  const work = tempBeside(
    join(cacheSubdir("work", cacheDir), `${identity.kernelRelease}-${identity.arch}`),
    "work",
  );
  const dirs: BuildDirs = {
    headersRoot: headers.tree.root,
    source,
    work,
    ...(req.signKey && req.signCert
      ? { signing: { key: resolve(req.signKey), cert: resolve(req.signCert) } }
      : {}),
  };
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    const dkmsConf = await readDkmsConfOf(source);
    const log = req.log ?? logToStderr;
    const runner = await step("prepare", () =>
      pickRunner(
        {
          ...(req.executor ? { executor: req.executor } : {}),
          env: compileEnv(req),
          // Build scripts never run on this host: allowed and present, they take auto to a container.
          scriptsAllowed: Boolean(
            req.allowScripts && dkmsConf !== undefined && mentionsBuildScripts(dkmsConf),
          ),
          log,
        },
        identity,
        plan,
        headers,
        dirs,
        cacheDir,
      ),
    );
    const pkg = await step("plan", () =>
      planPackage(
        {
          runner,
          identity,
          source,
          work,
          kernelBuildDir: headers.tree.buildDir,
          buildDirInTree: headers.tree.buildDirInTree,
          allowScripts: Boolean(req.allowScripts),
          env: compileEnv(req),
          log,
        },
        dkmsConf,
      ),
    );
    await runBuilderSteps(
      runner,
      headers,
      identity,
      req,
      pkg.kind === "dkms" ? { kernelRelease: identity.kernelRelease } : undefined,
    );
    const sealed = await step("seal", () =>
      seal({
        record: headers.record,
        work,
        source,
        outDir,
        target,
        builder: {
          runner: runner.kind,
          ...(runner.image ? { image: runner.image } : {}),
          mode: plan.mode,
        },
        ...(req.driverVersion ? { driverVersion: req.driverVersion } : {}),
        ...(dirs.signing ? { signCert: dirs.signing.cert } : {}),
        startedAt,
      }),
    );
    return {
      artifactDir: sealed.artifactDir,
      metadata: sealed.metadata,
      executor: runner.kind,
      steps,
      headersTree: headers.tree.buildDir,
    };
  } catch (err) {
    throw await keepFailedLog(err, work, outDir, identity);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function reportHeaderDrift(req: BuildRequest, headers: PreparedHeaders): void {
  for (const expected of req.expectedHeaders ?? []) {
    const got = headers.record.packages.find((p) => p.name === expected.name);
    if (expected.sha256 && got && got.sha256 !== expected.sha256)
      (req.log ?? logToStderr)(
        `${req.kernelRelease}: ${expected.name} changed since the matrix was made (matrix sha256 ${expected.sha256}, built with ${got.sha256} ${got.version})`,
      );
  }
}

const logToStderr = (line: string) => process.stderr.write(`kmodforge: ${line}\n`);

/** Keeps the log of a failed build where its artifact would have gone, and names that path in the error. */
async function keepFailedLog(
  err: unknown,
  work: string,
  outDir: string,
  identity: KernelIdentity,
): Promise<unknown> {
  if (!existsSync(join(work, "build.log"))) return err;
  const kept = join(outDir, "failed", `${identity.kernelRelease}-${identity.arch}`, "build.log");
  await mkdir(dirname(kept), { recursive: true });
  await copyFile(join(work, "build.log"), kept).catch(() => undefined);
  if (err instanceof KmodforgeError)
    return new KmodforgeError(err.code, `${err.message}\nbuild log: ${kept}`, {
      ...err.details,
      buildLog: kept,
    });
  return err;
}

const compileEnv = (req: BuildRequest): Record<string, string> =>
  req.allowCompilerMismatch ? { KMODFORGE_ALLOW_CC_MISMATCH: "1" } : {};

/** compile then package, in the runner; a failed step becomes a typed error with the tool's own words. */
async function runBuilderSteps(
  runner: BuilderRunner,
  headers: PreparedHeaders,
  identity: KernelIdentity,
  req: BuildRequest,
  dkms?: DkmsStepInput,
): Promise<void> {
  const signing: Signing | undefined = runner.signing
    ? {
        hashAlgorithm:
          parseKernelConfig(
            await readFile(join(headers.tree.buildDir, "include/config/auto.conf"), "utf8"),
          ).get("CONFIG_MODULE_SIG_HASH") ?? "sha256",
        ...runner.signing,
      }
    : undefined;
  for (const s of builderSteps(runner.layout, headers.tree.buildDirInTree, identity.arch, signing, dkms)) {
    const started = Date.now();
    const r = await runner.run(s, {
      timeoutMs: req.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
      env: compileEnv(req),
    });
    req.onStep?.(s.name, Date.now() - started);
    if (r.code === 0) continue;
    const text = `${r.stderr}${r.stdout}`.trim().slice(-4000);
    if (r.timedOut) throw new KmodforgeError("EXTERNAL_TOOL_FAILED", `${s.name} step timed out: ${text}`);
    if (s.name === "compile" && r.code === 6) throw new KmodforgeError("COMPILER_MISMATCH", text);
    if (s.name === "compile" && r.code === 7) throw new KmodforgeError("COMPILE_FAILED", text);
    if (s.name === "package" && r.code === 5) throw new KmodforgeError("SIGNATURE_INVALID", text);
    throw new KmodforgeError("EXTERNAL_TOOL_FAILED", `${s.name} step exited ${r.code}: ${text}`);
  }
}
