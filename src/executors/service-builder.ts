import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { AfterBuild } from "../adapters/sweep-build.js";
import type { BuildFailure, BuildRecord } from "../core/service/build-record.js";
import type { Builder, BuilderObservation } from "../core/service/builder.js";
import { classifyFailure } from "../core/sweep/backoff.js";
import type { ExecutorRequest } from "./build.js";
import { buildOutcome } from "./sweep-local.js";

/**
 * `--builder local`: the service builds missing artifacts on its own machine, like `kmodforge build --executor
 * auto --publish <store>`, at most `concurrency` at a time, and publishes each to the service's store. Its progress
 * lives in this process only: after a restart the service finds the build "lost" and queues it again.
 */

export interface LocalServiceBuilderOptions {
  /** Where each build's artifact directory is written (removed once published). */
  workDir: string;
  /** The work directory is this builder's own (a temporary one): `close` removes it. */
  ownsWorkDir?: boolean;
  /** Builds at once. */
  concurrency: number;
  /** The publish step after a successful build (the sweep's: a build beaten to the index keeps the published one). */
  publish: AfterBuild;
  executor?: ExecutorRequest;
  moduleDir?: string;
  targetsDir?: string;
  cacheDir?: string;
  log?: (line: string) => void;
}

/** The last part of a failed build's log that the service keeps and serves. */
const LOG_TAIL_BYTES = 256 * 1024;

type Job =
  | { state: "queued" | "building" }
  | { state: "finished" }
  | { state: "failed"; failure: BuildFailure; log?: string };

export class LocalServiceBuilder implements Builder {
  readonly kind = "local" as const;
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: Array<() => void> = [];
  private running = 0;

  constructor(private readonly options: LocalServiceBuilderOptions) {}

  async start(record: BuildRecord, changed: () => void): Promise<void> {
    const job = this.jobs.get(record.id);
    if (job && (job.state === "queued" || job.state === "building")) return;
    this.jobs.set(record.id, { state: "queued" });
    void this.run(record, changed);
  }

  async observe(record: BuildRecord): Promise<BuilderObservation> {
    const job = this.jobs.get(record.id);
    if (!job) return { status: "lost" };
    if (job.state === "failed")
      return { status: "failed", failure: job.failure, ...(job.log ? { log: job.log } : {}) };
    return { status: job.state };
  }

  forget(id: string): void {
    this.jobs.delete(id);
  }

  async close(): Promise<void> {
    if (this.options.ownsWorkDir) await rm(this.options.workDir, { recursive: true, force: true });
  }

  private async slot(): Promise<void> {
    if (this.running < Math.max(1, this.options.concurrency)) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.();
  }

  private async run(record: BuildRecord, changed: () => void): Promise<void> {
    await this.slot();
    const outDir = join(this.options.workDir, record.id);
    try {
      this.jobs.set(record.id, { state: "building" });
      changed();
      this.jobs.set(record.id, await this.buildAndPublish(record, outDir));
    } catch (err) {
      this.jobs.set(record.id, {
        state: "failed",
        failure: { reason: "infrastructure", detail: (err as Error).message },
      });
    } finally {
      await rm(outDir, { recursive: true, force: true }).catch(() => undefined);
      this.release();
      changed();
    }
  }

  private async buildAndPublish(record: BuildRecord, outDir: string): Promise<Job> {
    const o = this.options;
    const log = o.log ?? (() => undefined);
    log(
      `build ${record.id}: ${record.identity.kernelRelease} (${record.identity.distro} ${record.identity.distroVersion} ${record.identity.arch}), driver ${record.driverVersion}`,
    );
    const built = await buildOutcome({
      kernelRelease: record.identity.kernelRelease,
      distro: record.identity.distro,
      distroVersion: record.identity.distroVersion,
      arch: record.identity.arch,
      driverVersion: record.driverVersion,
      outDir,
      executor: o.executor ?? "auto",
      ...(o.moduleDir ? { moduleDir: o.moduleDir } : {}),
      ...(o.targetsDir ? { targetsDir: o.targetsDir } : {}),
      ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
      log,
    });
    if (!built.ok) {
      const text = built.buildLog ? await readFile(built.buildLog).catch(() => undefined) : undefined;
      return {
        state: "failed",
        failure: { reason: classifyFailure(built.code), detail: built.detail },
        ...(text ? { log: text.subarray(-LOG_TAIL_BYTES).toString("utf8") } : {}),
      };
    }
    try {
      const outcome = await o.publish(built.artifactDir);
      log(`build ${record.id}: ${outcome}`);
      return { state: "finished" };
    } catch (err) {
      return { state: "failed", failure: { reason: "publish-failed", detail: (err as Error).message } };
    }
  }
}
