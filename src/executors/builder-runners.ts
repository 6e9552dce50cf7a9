import { appendFile } from "node:fs/promises";
import { type ContainerMount, runContainer } from "../adapters/podman.js";
import { type RunResult, runProcess } from "../adapters/run-process.js";
import {
  type BuilderStep,
  type BuildLayout,
  CONTAINER_LAYOUT,
  CONTAINER_SIGNING,
} from "../core/build/steps.js";
import { scriptsDir } from "./build-scripts.js";

/**
 * Where the builder steps of a build run. The host runner executes them on this machine with host paths; the
 * container runner executes the very same steps in the kernel's builder image, with the host directories mounted at
 * the container layout (the layout Dagger uses too).
 */

export interface BuilderRunner {
  readonly kind: "host" | "container";
  /** The builder image (container runner). */
  readonly image?: string;
  /** Paths as the steps see them. */
  readonly layout: BuildLayout;
  /** Signing key and certificate as the steps see them, when the build signs. */
  readonly signing?: { key: string; cert: string };
  run(step: BuilderStep, options: { timeoutMs: number; env?: Record<string, string> }): Promise<RunResult>;
}

/** Host directories of one build. */
export interface BuildDirs {
  headersRoot: string;
  source: string;
  work: string;
  signing?: { key: string; cert: string };
}

/**
 * With KMODFORGE_TRACE_COMMANDS=<file>, every builder step a runner executes is appended to the file as one JSON
 * line ({runner, image, step, argv}): what to compare when a build behaves differently in two places.
 */
async function trace(runner: BuilderRunner, step: BuilderStep): Promise<void> {
  const file = process.env.KMODFORGE_TRACE_COMMANDS;
  if (!file) return;
  const line = {
    runner: runner.kind,
    ...(runner.image ? { image: runner.image } : {}),
    step: step.name,
    argv: step.argv,
  };
  await appendFile(file, `${JSON.stringify(line)}\n`);
}

export function hostRunner(dirs: BuildDirs): BuilderRunner {
  const runner: BuilderRunner = {
    kind: "host",
    layout: {
      scripts: scriptsDir(),
      headersRoot: dirs.headersRoot,
      source: dirs.source,
      work: dirs.work,
      root: "host",
    },
    ...(dirs.signing ? { signing: dirs.signing } : {}),
    run: async (step, options) => {
      await trace(runner, step);
      return runProcess(step.argv[0]!, step.argv.slice(1), {
        timeoutMs: options.timeoutMs,
        env: { ...process.env, ...options.env },
      });
    },
  };
  return runner;
}

/** The mounts that map a build's host directories onto the container layout. */
export function containerMounts(dirs: BuildDirs): ContainerMount[] {
  const mounts: ContainerMount[] = [
    { host: scriptsDir(), container: CONTAINER_LAYOUT.scripts, readOnly: true },
    { host: dirs.headersRoot, container: CONTAINER_LAYOUT.headersRoot, readOnly: true },
    { host: dirs.source, container: CONTAINER_LAYOUT.source, readOnly: true },
    { host: dirs.work, container: CONTAINER_LAYOUT.work, readOnly: false },
  ];
  if (dirs.signing)
    mounts.push(
      { host: dirs.signing.key, container: CONTAINER_SIGNING.key, readOnly: true },
      { host: dirs.signing.cert, container: CONTAINER_SIGNING.cert, readOnly: true },
    );
  return mounts;
}

export function containerRunner(dirs: BuildDirs, image: string, platform: string): BuilderRunner {
  const mounts = containerMounts(dirs);
  const runner: BuilderRunner = {
    kind: "container",
    image,
    layout: CONTAINER_LAYOUT,
    ...(dirs.signing ? { signing: CONTAINER_SIGNING } : {}),
    run: async (step, options) => {
      await trace(runner, step);
      return runContainer(
        {
          image,
          argv: step.argv,
          mounts,
          workdir: "/work",
          platform,
          ...(options.env ? { env: options.env } : {}),
        },
        { timeoutMs: options.timeoutMs },
      );
    },
  };
  return runner;
}
