import { type KeyObject, randomBytes } from "node:crypto";
import { KmodforgeError } from "../../core/errors.js";
import type { KernelIdentity } from "../../core/identity.js";
import type { IndexEntry } from "../../core/publish/index-doc.js";
import type { ArtifactStore } from "../../core/publish/store.js";
import { artifactAnswer, recordAnswer, type ServiceAnswer } from "../../core/service/answers.js";
import {
  type ArtifactRef,
  type BuildIdentity,
  type BuildRecord,
  buildIdentityOf,
  dedupeKey,
  type FailurePolicy,
  isActive,
  keyVerdict,
  newBuildRecord,
  pastDeadline,
} from "../../core/service/build-record.js";
import { parseBuildRequest } from "../../core/service/build-request.js";
import type { Builder } from "../../core/service/builder.js";
import { entryId } from "../../core/sweep/matrix.js";
import { findTarget, type TargetsPolicy } from "../../core/targets.js";
import { lookupArtifact } from "../publish/lookup.js";
import type { ReadCache } from "../publish/read-cache.js";
import { BuildFollower } from "./build-follower.js";
import { BuildLedger } from "./build-ledger.js";
import type { Logger } from "./log.js";
import { recordFinished, type ServiceMetrics } from "./metrics.js";
import { artifactRef } from "./public-urls.js";
import type { BuildRecords } from "./records.js";

/**
 * The on-demand build service: `POST /build` is answered from the index when the artifact is published, else by one
 * build per identity and driver version (dedupe), started on the configured builder and followed until it is
 * published, failed or past its deadline. Every step is a snapshot in the state store (records.ts), so a restart
 * picks up every unfinished build with its id and status.
 */

export interface BuildServiceOptions {
  store: ArtifactStore;
  records: BuildRecords;
  builder: Builder;
  /** The index reader's cache (with a memory layer: hits cost no request). */
  cache: ReadCache;
  /** The driver version this service builds, and looks up when a request names none. */
  driverVersion: string;
  policy: TargetsPolicy;
  /** A build not finished this long after its request is timed_out. */
  timeoutMs: number;
  failurePolicy: FailurePolicy;
  publicKey?: KeyObject;
  /** Where a client downloads an asset of the store. */
  locate: (folder: string, asset: string) => string;
  /** Where the service serves a build's kept log. */
  logUrl: (id: string) => string;
  metrics: ServiceMetrics;
  log: Logger;
  /** How often unfinished builds are looked at. */
  pollMs: number;
  /** Restarts a local build survives before it is failed as interrupted. */
  maxInterruptions?: number;
  now?: () => Date;
}

export interface BuildAnswer {
  http: 200 | 202 | 502;
  answer: ServiceAnswer;
}

type Admission = { record: BuildRecord; outcome: "new" | "joined" | "remembered" | "dispatch-failed" };

export class BuildService {
  private readonly ledger: BuildLedger;
  private readonly refs = new WeakMap<IndexEntry, ArtifactRef>();
  private readonly hitAnswers = new WeakMap<ArtifactRef, ServiceAnswer>();
  private readonly admitting = new Map<string, Promise<Admission>>();
  private readonly follower: BuildFollower;

  constructor(private readonly o: BuildServiceOptions) {
    this.ledger = new BuildLedger({
      records: o.records,
      failurePolicy: o.failurePolicy,
      now: () => this.now(),
      onFinished: (record) => this.finished(record),
    });
    this.follower = new BuildFollower({
      ledger: this.ledger,
      builder: o.builder,
      records: o.records,
      published: (record) => this.lookupRef(record.identity, record.driverVersion, true),
      logUrl: o.logUrl,
      log: o.log,
      pollMs: o.pollMs,
      ...(o.maxInterruptions !== undefined ? { maxInterruptions: o.maxInterruptions } : {}),
      now: () => this.now(),
    });
  }

  private now(): Date {
    return this.o.now?.() ?? new Date();
  }

  /** Picks up every unfinished build the state store holds, then follows them every pollMs. */
  async start(): Promise<void> {
    const ids = await this.o.records.activeIds();
    for (const id of ids) {
      const record = await this.o.records.current(id);
      if (record) this.ledger.remember(record);
    }
    if (ids.length) this.o.log("info", "resuming unfinished builds", { builds: ids.length });
    await this.follower.start();
  }

  async stop(): Promise<void> {
    await this.follower.stop();
  }

  /** `POST /build`: index → validate → dedupe → dispatch (docs/service.md). */
  async request(body: unknown): Promise<BuildAnswer> {
    const parsed = parseBuildRequest(body, this.o.driverVersion);
    if (!parsed.ok) throw parsed.error;
    const { identity, driverVersion } = parsed.value;
    const found = await this.lookup(identity, driverVersion, false);
    if (found) {
      this.o.metrics.hits.inc();
      return { http: 200, answer: found };
    }
    this.o.metrics.misses.inc();
    this.checkBuildable(identity, driverVersion);
    const { record, outcome } = await this.admit(buildIdentityOf(identity), driverVersion);
    const answer = recordAnswer(record, this.now());
    if (outcome === "remembered") {
      this.o.metrics.remembered.inc();
      return { http: 200, answer };
    }
    if (outcome === "dispatch-failed") return { http: 502, answer };
    if (outcome === "joined") this.o.metrics.dedupes.inc();
    return { http: 202, answer: { ...answer, deduplicated: outcome === "joined" } };
  }

  /** `GET /status/{id}`; undefined for an unknown id. */
  async status(id: string): Promise<ServiceAnswer | undefined> {
    let record = this.ledger.held(id) ?? (await this.o.records.current(id));
    if (!record) return undefined;
    this.ledger.remember(record);
    if (pastDeadline(record, this.now())) record = await this.ledger.apply(record, { status: "timed_out" });
    return recordAnswer(record, this.now());
  }

  /** The kept log of a failed build. */
  log(id: string): Promise<Buffer | undefined> {
    return this.o.records.log(id);
  }

  private async lookup(
    identity: BuildIdentity,
    driverVersion: string,
    fresh: boolean,
  ): Promise<ServiceAnswer | undefined> {
    const found = await this.lookupRef(identity, driverVersion, fresh);
    if (!found) return undefined;
    // One answer object per published artifact: the HTTP front serialises each once.
    let answer = this.hitAnswers.get(found);
    if (!answer) {
      answer = artifactAnswer(found);
      this.hitAnswers.set(found, answer);
    }
    return answer;
  }

  private async lookupRef(identity: BuildIdentity, driverVersion: string, fresh: boolean) {
    const answer = await lookupArtifact(this.o.store, {
      identity,
      driverVersion,
      cache: this.o.cache,
      ...(this.o.publicKey ? { publicKey: this.o.publicKey } : {}),
      fresh,
    });
    if (!answer.found) return undefined;
    // Hits of an unchanged index generation share its parsed entries: each is turned into an answer once.
    let ref = this.refs.get(answer.entry);
    if (!ref || ref.generation !== answer.generation) {
      ref = artifactRef(answer, this.o.locate);
      this.refs.set(answer.entry, ref);
    }
    return ref;
  }

  /** A miss is built only for a target in the policy and the driver version this service builds. */
  private checkBuildable(identity: KernelIdentity, driverVersion: string): void {
    if (!findTarget(this.o.policy, identity.distro, identity.distroVersion))
      throw new KmodforgeError(
        "UNSUPPORTED_TARGET",
        `${identity.distro} ${identity.distroVersion} is not in this service's targets policy`,
        { field: "distro_version" },
      );
    if (driverVersion !== this.o.driverVersion)
      throw new KmodforgeError(
        "UNSUPPORTED_TARGET",
        `driver version ${driverVersion} is not published for ${entryId(identity)}, and this service builds driver version ${this.o.driverVersion} only`,
        { field: "driver_version" },
      );
  }

  /** One admission per key at a time: concurrent requests for one kernel wait for the first and join its build. */
  private admit(identity: BuildIdentity, driverVersion: string): Promise<Admission> {
    const key = dedupeKey(identity, driverVersion);
    const running = this.admitting.get(key);
    if (running) return running.then((a) => (a.outcome === "new" ? { ...a, outcome: "joined" } : a));
    const admission = this.admitOnce(key, identity, driverVersion)
      .then((a) => (a.outcome === "new" ? this.dispatch(a.record) : a))
      .finally(() => this.admitting.delete(key));
    this.admitting.set(key, admission);
    return admission;
  }

  private async admitOnce(key: string, identity: BuildIdentity, driverVersion: string): Promise<Admission> {
    const mine = this.ledger.activeFor(key);
    if (mine && isActive(mine.status) && !pastDeadline(mine, this.now()))
      return { record: mine, outcome: "joined" };
    for (let attempt = 0; attempt < 8; attempt++) {
      const now = this.now();
      const claim = await this.o.records.currentClaim(key);
      let newest = claim ? await this.ledger.read(claim.buildId) : undefined;
      if (newest && pastDeadline(newest, now))
        newest = await this.ledger.apply(newest, { status: "timed_out" });
      const verdict = keyVerdict(newest, now);
      if (newest && verdict.kind === "in-flight") return { record: newest, outcome: "joined" };
      if (newest && verdict.kind === "remembered") return { record: newest, outcome: "remembered" };
      const record = newBuildRecord({
        id: randomBytes(16).toString("hex"),
        identity,
        driverVersion,
        builder: this.o.builder.kind,
        now,
        timeoutMs: this.o.timeoutMs,
        failuresBefore: verdict.kind === "build" ? verdict.failuresBefore : 0,
      });
      await this.o.records.append(record);
      if (await this.o.records.claim(key, (claim?.n ?? 0) + 1, record.id, now)) {
        this.ledger.remember(record);
        return { record, outcome: "new" };
      }
      // Another replica claimed this build number first: its build is the one to join.
      await this.o.records.discard(record.id);
    }
    throw new KmodforgeError(
      "STATE_CONFLICT",
      `could not claim a build for key ${key}: too many racing writers`,
    );
  }

  private async dispatch(record: BuildRecord): Promise<Admission> {
    try {
      await this.o.builder.start(record, () => this.follower.nudge(record.id));
    } catch (err) {
      this.o.log("error", "dispatch failed", { build: record.id, error: (err as Error).message });
      const failed = await this.ledger.apply(record, {
        status: "failed",
        failure: {
          reason: "dispatch-failed",
          detail: `the ${this.o.builder.kind} builder refused: ${(err as Error).message}`,
        },
      });
      return { record: failed, outcome: "dispatch-failed" };
    }
    this.o.metrics.dispatches.inc();
    this.o.log("info", "build dispatched", {
      build: record.id,
      kernel: entryId(record.identity),
      driverVersion: record.driverVersion,
      builder: this.o.builder.kind,
    });
    return { record, outcome: "new" };
  }

  /** A build reached its final status: the builder may forget it; metrics and the log say how it ended. */
  private finished(record: BuildRecord): void {
    this.o.builder.forget?.(record.id);
    const seconds = (Date.parse(record.updatedAt) - Date.parse(record.createdAt)) / 1000;
    recordFinished(this.o.metrics, record.status, seconds);
    this.o.log(record.status === "succeeded" ? "info" : "warn", `build ${record.status}`, {
      build: record.id,
      kernel: entryId(record.identity),
      driverVersion: record.driverVersion,
      seconds,
      ...(record.failure ? { reason: record.failure.reason, detail: record.failure.detail } : {}),
    });
  }
}
