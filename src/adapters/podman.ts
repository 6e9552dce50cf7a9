import { existsSync } from "node:fs";
import { KmodforgeError } from "../core/errors.js";
import { type RunOptions, type RunResult, runProcess } from "./run-process.js";

/**
 * podman, as the container executor uses it. Configuration comes from the environment so every kmodforge command
 * (build, sweep, images) runs containers the same way:
 *   KMODFORGE_PODMAN_ROOT      a private podman storage directory (storage/ and run/ under it); default: podman's own
 *   KMODFORGE_OCI_RUNTIME      the OCI runtime; default runc when installed (crun refuses hosts with hybrid cgroups)
 *   KMODFORGE_CONTAINER_ULIMITS  `nofile=N:N,nproc=N:N`; default: this process's hard limits, capped at
 *                              nofile 20000 and nproc 32768 (runtimes refuse limits above what the caller holds)
 */

export interface ContainerMount {
  host: string;
  container: string;
  readOnly: boolean;
}

export interface ContainerRunSpec {
  image: string;
  argv: readonly string[];
  mounts: readonly ContainerMount[];
  workdir?: string;
  env?: Record<string, string>;
  /** Builds need no network: headers are mounted, the compiler is in the image. */
  network?: "none" | "default";
  platform?: string;
}

const RUNC_PATHS = ["/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc", "/usr/local/bin/runc"];

/** Global podman flags (storage location). */
export function podmanGlobalArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const root = env.KMODFORGE_PODMAN_ROOT;
  return root ? ["--root", `${root}/storage`, "--runroot", `${root}/run`] : [];
}

/** The `--runtime` flag, when one is configured or runc is installed. */
export function runtimeArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const runtime = env.KMODFORGE_OCI_RUNTIME ?? (RUNC_PATHS.some((p) => existsSync(p)) ? "runc" : undefined);
  return runtime ? ["--runtime", runtime] : [];
}

let hardLimits: Promise<{ nofile: number; nproc: number }> | undefined;

async function readHardLimits(): Promise<{ nofile: number; nproc: number }> {
  const r = await runProcess("sh", ["-c", "ulimit -Hn; ulimit -Hu"], { timeoutMs: 10_000 });
  const [nofile, nproc] = r.stdout.trim().split("\n");
  const num = (v: string | undefined, cap: number) => (v && /^\d+$/.test(v) ? Math.min(Number(v), cap) : cap);
  return { nofile: num(nofile, 20_000), nproc: num(nproc, 32_768) };
}

/** `--ulimit` flags every run and build gets. */
export async function ulimitArgs(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const configured = env.KMODFORGE_CONTAINER_ULIMITS;
  if (configured !== undefined) {
    const items = configured.split(",").filter(Boolean);
    if (!items.every((i) => /^[a-z]+=\d+:\d+$/.test(i)))
      throw new KmodforgeError(
        "CONFIG_INVALID",
        `KMODFORGE_CONTAINER_ULIMITS: expected name=soft:hard[,…], got ${JSON.stringify(configured)}`,
      );
    return items.flatMap((i) => ["--ulimit", i]);
  }
  hardLimits ??= readHardLimits();
  const { nofile, nproc } = await hardLimits;
  return ["--ulimit", `nofile=${nofile}:${nofile}`, "--ulimit", `nproc=${nproc}:${nproc}`];
}

/** Runs podman with the global flags; output is captured (and streamed to `onOutput` when given). */
export function podman(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return runProcess("podman", [...podmanGlobalArgs(), ...args], options);
}

/** The argument list of `podman run` for a spec, after the global flags. Pure apart from the config above. */
export async function runArgs(spec: ContainerRunSpec): Promise<string[]> {
  const args = ["run", "--rm", ...runtimeArgs(), ...(await ulimitArgs())];
  args.push(`--network=${spec.network ?? "none"}`);
  if (spec.platform) args.push("--platform", spec.platform);
  for (const m of spec.mounts) args.push("-v", `${m.host}:${m.container}${m.readOnly ? ":ro" : ""}`);
  for (const [name, value] of Object.entries(spec.env ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)))
    args.push("--env", `${name}=${value}`);
  if (spec.workdir) args.push("--workdir", spec.workdir);
  args.push(spec.image, ...spec.argv);
  return args;
}

export async function runContainer(spec: ContainerRunSpec, options: RunOptions = {}): Promise<RunResult> {
  return podman(await runArgs(spec), options);
}

export async function imageExists(image: string): Promise<boolean> {
  return (await podman(["image", "exists", image], { timeoutMs: 60_000 })).code === 0;
}

/** The image's ID, or undefined when it is not in local storage. */
export async function imageId(image: string): Promise<string | undefined> {
  const r = await podman(["image", "inspect", "--format", "{{.Id}}", image], { timeoutMs: 60_000 });
  const id = r.stdout.trim();
  return r.code === 0 && /^[0-9a-f]{64}$/.test(id) ? id : undefined;
}

/** Whether podman is installed and answers; the reason when not. */
export async function podmanAvailable(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const r = await podman(["version", "--format", "{{.Client.Version}}"], { timeoutMs: 60_000 });
    return r.code === 0
      ? { ok: true }
      : { ok: false, reason: `podman does not work here: ${r.stderr.trim()}` };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}
