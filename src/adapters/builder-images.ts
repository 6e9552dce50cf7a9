import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type BuilderPlan, builderImageTag } from "../core/build/builder-plan.js";
import { KmodforgeError } from "../core/errors.js";
import type { Distro } from "../distros/adapter.js";
import { adapterFor } from "../distros/registry.js";
import { hostDebianMirrors } from "./apt-metadata.js";
import { cacheSubdir } from "./cache-dir.js";
import { imageExists, imageId, podman, podmanGlobalArgs, runtimeArgs, ulimitArgs } from "./podman.js";
import { runProcess } from "./run-process.js";
import { tempBeside } from "./temp-name.js";

/**
 * Builder images for the container executor: the family's Dockerfile built with the plan's arguments, tagged by a
 * digest of its inputs (builderImageTag) and reused while they do not change. The base image is pulled; where no
 * registry is reachable, a family that can make its base with debootstrap (Debian) makes it from the host's apt
 * mirror and imports it under the very name the Dockerfile's FROM uses.
 */

export interface ImageOptions {
  /** Repository root (holds dockerfiles/). */
  repoRoot: string;
  /** Scratch space for debootstrapped roots. */
  cacheDir: string;
  /** Progress lines (stderr). */
  log: (line: string) => void;
}

/** A short image name as the registry spells it in full (`debian:bookworm` → `docker.io/library/debian:bookworm`). */
export function fullImageName(ref: string): string {
  const [first, ...rest] = ref.split("/");
  const hasRegistry =
    rest.length > 0 && (first!.includes(".") || first!.includes(":") || first === "localhost");
  if (hasRegistry) return ref;
  return rest.length === 0 ? `docker.io/library/${ref}` : `docker.io/${ref}`;
}

const building = new Map<string, Promise<string>>();

/** The builder image for a plan: reused when its tag exists, else built (once per process, whoever asks). */
export function ensureBuilderImage(
  distro: Distro,
  plan: BuilderPlan,
  options: ImageOptions,
): Promise<string> {
  const key = JSON.stringify([plan.dockerfile, plan.buildArgs, plan.platform]);
  let pending = building.get(key);
  if (!pending) {
    pending = buildIfMissing(distro, plan, options).finally(() => building.delete(key));
    building.set(key, pending);
  }
  return pending;
}

async function buildIfMissing(distro: Distro, plan: BuilderPlan, options: ImageOptions): Promise<string> {
  const base = plan.buildArgs.BASE_IMAGE!;
  const baseId = await ensureBaseImage(distro, base, options);
  const dockerfile = join(options.repoRoot, plan.dockerfile);
  const tag = builderImageTag(plan, await readFile(dockerfile, "utf8"), baseId);
  if (await imageExists(tag)) return tag;
  options.log(
    `building builder image ${tag} from ${plan.dockerfile} (${describeArgs(plan)}) — first use only`,
  );
  const args = [
    "build",
    ...runtimeArgs(),
    ...(await ulimitArgs()),
    "--pull=never",
    "--platform",
    plan.platform,
  ];
  for (const [name, value] of Object.entries(plan.buildArgs)) args.push("--build-arg", `${name}=${value}`);
  args.push("-f", dockerfile, "-t", tag, join(options.repoRoot, "dockerfiles"));
  const r = await podman(args, { timeoutMs: 3_600_000, onOutput: progressLines(options.log) });
  if (r.code !== 0)
    throw new KmodforgeError(
      "EXTERNAL_TOOL_FAILED",
      `building the builder image from ${plan.dockerfile} failed (podman exit ${r.code}):\n${tail(r.stdout + r.stderr)}`,
    );
  return tag;
}

const describeArgs = (plan: BuilderPlan) =>
  Object.entries(plan.buildArgs)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");

/** The base image's ID: local, else pulled, else (Debian) made with debootstrap. */
export async function ensureBaseImage(distro: Distro, base: string, options: ImageOptions): Promise<string> {
  const name = fullImageName(base);
  const local = (await imageId(name)) ?? (await imageId(base));
  if (local) return local;
  options.log(`pulling base image ${name}`);
  const pull = await podman(["pull", name], { timeoutMs: 1_800_000, onOutput: progressLines(options.log) });
  if (pull.code === 0) return (await imageId(name))!;
  const suite = adapterFor(distro).builder.debootstrapSuite?.(base);
  if (!suite)
    throw new KmodforgeError(
      "EXTERNAL_TOOL_FAILED",
      `the base image ${name} is not available: pulling it failed (${tail(pull.stderr, 3)}), and ${distro} bases cannot be made offline; pull or import it on this machine (podman load/import) and retry`,
    );
  options.log(`no registry reachable (${tail(pull.stderr, 1)}); making ${name} with debootstrap ${suite}`);
  await importDebootstrapBase(suite, name, options);
  return (await imageId(name))!;
}

/** debootstrap a minimal root of the suite from the host's apt mirror and import it as `name`. */
async function importDebootstrapBase(suite: string, name: string, options: ImageOptions): Promise<void> {
  const mirrors = await hostDebianMirrors();
  const root = tempBeside(join(cacheSubdir("images", options.cacheDir), `${suite}-rootfs`));
  await mkdir(root, { recursive: true });
  try {
    const boot = await runProcess("debootstrap", ["--variant=minbase", suite, root, mirrors.archive], {
      timeoutMs: 1_800_000,
      onOutput: progressLines(options.log),
    });
    if (boot.code !== 0)
      throw new KmodforgeError(
        "EXTERNAL_TOOL_FAILED",
        `debootstrap ${suite} failed:\n${tail(boot.stdout + boot.stderr)}`,
      );
    // The same suites the distribution's own image lists: the release, its updates and its security pocket.
    const lines = [`deb ${mirrors.archive} ${suite} main`, `deb ${mirrors.archive} ${suite}-updates main`];
    if (mirrors.security) lines.push(`deb ${mirrors.security} ${suite}-security main`);
    await writeFile(join(root, "etc/apt/sources.list"), `${lines.join("\n")}\n`);
    await rm(join(root, "var/cache/apt/archives"), { recursive: true, force: true });
    // tar streams straight into podman import (a root is ~200 MB); arguments stay an array.
    const imported = await runProcess(
      "sh",
      [
        "-c",
        'root=$1; shift; tar -C "$root" -c . | "$@"',
        "sh",
        root,
        "podman",
        ...podmanGlobalArgs(),
        "import",
        "-",
        name,
      ],
      { timeoutMs: 900_000 },
    );
    if (imported.code !== 0)
      throw new KmodforgeError(
        "EXTERNAL_TOOL_FAILED",
        `podman import ${name} failed: ${tail(imported.stderr)}`,
      );
    options.log(`imported ${name} (debootstrap ${suite} from ${mirrors.archive})`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function tail(text: string, lines = 20): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

/** Turns streamed output into whole progress lines. */
function progressLines(log: (line: string) => void): (chunk: string) => void {
  let partial = "";
  return (chunk) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    for (const p of parts) if (p.trim()) log(`  ${p.trimEnd()}`);
  };
}
