import { settleLimited } from "../../core/limiter.js";
import {
  type ArtifactRef,
  type BuildRecord,
  isActive,
  pastDeadline,
} from "../../core/service/build-record.js";
import type { Builder, BuilderObservation } from "../../core/service/builder.js";
import { entryId } from "../../core/sweep/matrix.js";
import type { BuildLedger } from "./build-ledger.js";
import type { Logger } from "./log.js";
import type { BuildRecords } from "./records.js";

/**
 * Follows every unfinished build until it is final: every pollMs (and at once when a builder says something
 * changed) it asks the builder where each build stands and records what changed — the run, building, failed with
 * its log, or finished, which is succeeded only once the artifact is in the index (else publish-failed). A build
 * past its deadline is timed_out; a local build lost to a restart is queued again under the same id.
 */

export interface BuildFollowerOptions {
  ledger: BuildLedger;
  builder: Builder;
  records: BuildRecords;
  /** The published artifact of a finished build, read from the index past every cache; undefined when absent. */
  published: (record: BuildRecord) => Promise<ArtifactRef | undefined>;
  /** Where the service serves a build's kept log. */
  logUrl: (id: string) => string;
  log: Logger;
  pollMs: number;
  /** Restarts a local build survives before it is failed as interrupted (default 3). */
  maxInterruptions?: number;
  now: () => Date;
}

export class BuildFollower {
  private readonly observing = new Map<string, Promise<void>>();
  private timer?: NodeJS.Timeout;
  private sweep?: Promise<void>;

  constructor(private readonly o: BuildFollowerOptions) {}

  /** One look at every unfinished build, then one every pollMs. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.o.pollMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweep;
    await Promise.allSettled([...this.observing.values()]);
  }

  /** Looks at a build now (a builder that learnt of progress itself). */
  nudge(id: string): void {
    setImmediate(() => void this.follow(id));
  }

  private async poll(): Promise<void> {
    if (this.sweep) return;
    this.sweep = settleLimited([...this.o.ledger.following], 8, (id) => this.follow(id)).then(
      () => undefined,
    );
    try {
      await this.sweep;
    } finally {
      this.sweep = undefined;
    }
  }

  /** Looks at one unfinished build (one look per build at a time). */
  private follow(id: string): Promise<void> {
    const running = this.observing.get(id);
    if (running) return running;
    const look = this.observe(id)
      .catch((err) =>
        this.o.log("warn", "following a build failed", { build: id, error: (err as Error).message }),
      )
      .finally(() => this.observing.delete(id));
    this.observing.set(id, look);
    return look;
  }

  private async observe(id: string): Promise<void> {
    let record = this.o.ledger.held(id);
    if (!record || !isActive(record.status)) {
      this.o.ledger.unfollow(id);
      return;
    }
    if (pastDeadline(record, this.o.now())) {
      await this.o.ledger.apply(record, { status: "timed_out" });
      return;
    }
    const seen = await this.o.builder.observe(record);
    if (seen.status === "lost") return this.requeue(record);
    if ("run" in seen && seen.run && seen.run.id !== record.run?.id && isActive(record.status))
      record = await this.o.ledger.apply(record, { status: record.status, run: seen.run });
    await this.settle(record, seen);
  }

  private async settle(record: BuildRecord, seen: Exclude<BuilderObservation, { status: "lost" }>) {
    if (seen.status === "queued" || seen.status === "building") {
      await this.o.ledger.apply(record, { status: seen.status });
      return;
    }
    if (seen.status === "failed") {
      if (seen.log) await this.o.records.putLog(record.id, seen.log);
      const logUrl = seen.log ? this.o.logUrl(record.id) : (seen.failure.logUrl ?? record.run?.url);
      await this.o.ledger.apply(record, {
        status: "failed",
        failure: { ...seen.failure, ...(logUrl ? { logUrl } : {}) },
      });
      return;
    }
    const artifact = await this.o.published(record);
    await this.o.ledger.apply(
      record,
      artifact
        ? { status: "succeeded", artifact }
        : {
            status: "failed",
            failure: {
              reason: "publish-failed",
              detail: `the build finished, but the index of driver version ${record.driverVersion} names no artifact for ${entryId(record.identity)}`,
              ...(record.run ? { logUrl: record.run.url } : {}),
            },
          },
    );
  }

  /** A local build this process does not know (it was restarted): queued again, or failed after too many restarts. */
  private async requeue(record: BuildRecord): Promise<void> {
    const limit = this.o.maxInterruptions ?? 3;
    if (record.interruptions >= limit) {
      await this.o.ledger.apply(record, {
        status: "failed",
        failure: {
          reason: "interrupted",
          detail: `the service restarted ${record.interruptions + 1} times while this build ran; it is not queued again`,
        },
      });
      return;
    }
    const queued = await this.o.ledger.apply(record, { status: "queued", interrupted: true });
    this.o.log("info", "build queued again after a restart", {
      build: record.id,
      interruptions: queued.interruptions,
    });
    await this.o.builder.start(queued, () => this.nudge(record.id));
  }
}
