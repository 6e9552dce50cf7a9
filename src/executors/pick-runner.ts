import { ensureBuilderImage } from "../adapters/builder-images.js";
import { podmanAvailable } from "../adapters/podman.js";
import type { BuilderPlan } from "../core/build/builder-plan.js";
import { chooseExecutor, type ExecutorKind } from "../core/build/executor-choice.js";
import { probeStep } from "../core/build/steps.js";
import { KmodforgeError } from "../core/errors.js";
import type { KernelIdentity } from "../core/identity.js";
import { repoRoot } from "./build-scripts.js";
import { type BuildDirs, type BuilderRunner, containerRunner, hostRunner } from "./builder-runners.js";
import type { PreparedHeaders } from "./prepare-headers.js";

export interface RunnerRequest {
  executor?: "auto" | ExecutorKind;
  /** Environment of the builder steps (the probe's too). */
  env: Record<string, string>;
  /** The source is a DKMS tree whose build scripts are allowed: they run in a container only. */
  scriptsAllowed: boolean;
  log: (line: string) => void;
}

/**
 * The runner of a build's builder steps: this host when asked, or (auto) when its probe finds the kernel's
 * compiler and arch tools, else the kernel's builder image in a container (made on first use).
 */
export async function pickRunner(
  req: RunnerRequest,
  identity: KernelIdentity,
  plan: BuilderPlan,
  headers: PreparedHeaders,
  dirs: BuildDirs,
  cacheDir: string,
): Promise<BuilderRunner> {
  const asked = req.executor ?? "auto";
  const requested = req.scriptsAllowed && asked === "auto" ? "container" : asked;
  const host = hostRunner(dirs);
  // The probe answers only `auto`: with `host` the compile step itself names a missing compiler.
  const hostProbe =
    requested === "auto" && plan.mode !== "emulated"
      ? await host.run(probeStep(host.layout, headers.tree.buildDirInTree, identity.arch), {
          timeoutMs: 60_000,
          env: req.env,
        })
      : undefined;
  const hostOk = hostProbe?.code === 0;
  const containers = requested === "host" || hostOk ? undefined : await podmanAvailable();
  const choice = chooseExecutor({
    requested,
    mode: plan.mode,
    host: hostProbe
      ? { ok: hostOk, detail: (hostOk ? hostProbe.stdout : hostProbe.stderr).trim() }
      : requested === "host"
        ? { ok: true, detail: "requested" }
        : undefined,
    containers: containers
      ? containers.ok
        ? { ok: true }
        : { ok: false, detail: containers.reason }
      : undefined,
  });
  if (!choice.ok) throw new KmodforgeError(choice.code, choice.message);
  if (choice.kind === "host") return host;
  const image = await ensureBuilderImage(identity.distro, plan, {
    repoRoot: repoRoot(),
    cacheDir,
    log: req.log,
  });
  return containerRunner(dirs, image, plan.platform);
}
