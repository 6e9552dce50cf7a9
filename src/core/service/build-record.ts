import { z } from "zod";
import { canonicalJson, sha256Hex } from "../hash.js";
import type { KernelIdentity } from "../identity.js";
import { FAILURE_REASONS, type FailureReason, retryDelayMs } from "../sweep/backoff.js";
import { metadataSchema } from "../verify/metadata.js";

/**
 * An on-demand build as the service records it: one immutable snapshot per step (queued → building → succeeded |
 * failed | timed_out), so a restart, or a second replica reading the same state store, sees exactly what happened.
 * Pure: the adapter stores the snapshots (records.ts); everything that decides what the next snapshot is lives here.
 */

export const BUILD_STATUSES = ["queued", "building", "succeeded", "failed", "timed_out"] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];
export type ActiveStatus = Extract<BuildStatus, "queued" | "building">;

export const BUILDER_KINDS = ["github", "local"] as const;
export type BuilderKind = (typeof BUILDER_KINDS)[number];

/**
 * Why a build failed: the sweep's classes (headers-unavailable, compile-error, …) where the builder knows them, and
 * what only a service sees — the workflow's build or publish step failed (its log says why), a run was cancelled,
 * a local build was cut off by restarts, the dispatch was refused, the 15-minute limit passed.
 */
export const SERVICE_FAILURE_REASONS = [
  ...FAILURE_REASONS,
  "build-failed",
  "publish-failed",
  "cancelled",
  "interrupted",
  "dispatch-failed",
  "timed-out",
] as const;
export type ServiceFailureReason = (typeof SERVICE_FAILURE_REASONS)[number];

/** The sweep backoff class a service failure is retried like. */
const BACKOFF_CLASS: Record<ServiceFailureReason, FailureReason> = {
  ...(Object.fromEntries(FAILURE_REASONS.map((r) => [r, r])) as Record<FailureReason, FailureReason>),
  "build-failed": "unknown",
  "publish-failed": "infrastructure",
  cancelled: "infrastructure",
  interrupted: "infrastructure",
  "dispatch-failed": "infrastructure",
  "timed-out": "infrastructure",
};

export const BUILD_ID = /^[0-9a-f]{32}$/;
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const datetime = z.string().datetime();

/** A file of a published artifact and where a node downloads it. */
export const artifactFileSchema = z.object({
  role: z.enum(["module", "metadata", "sums", "log"]),
  file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
  module: z.string().optional(),
  url: z.string().url(),
  sha256,
  size: z.number().int().nonnegative(),
});
export type ArtifactFile = z.infer<typeof artifactFileSchema>;

/** A published artifact as the service hands it out: the index it is named in, and every file (modules in order). */
export const artifactRefSchema = z.object({
  name: z.string().min(1),
  driverVersion: z.string().min(1),
  /** URL of the index.json that names it (a loader may verify that index's signature). */
  index: z.string().url(),
  generation: z.number().int().positive(),
  files: z.array(artifactFileSchema).min(1),
});
export type ArtifactRef = z.infer<typeof artifactRefSchema>;

export const failureSchema = z.object({
  reason: z.enum(SERVICE_FAILURE_REASONS),
  detail: z.string().max(2000),
  logUrl: z.string().url().optional(),
});
export type BuildFailure = z.infer<typeof failureSchema>;

export const buildIdentitySchema = metadataSchema.shape.identity.pick({
  distro: true,
  distroVersion: true,
  arch: true,
  kernelRelease: true,
});
export type BuildIdentity = z.infer<typeof buildIdentitySchema>;

export const buildRecordSchema = z.object({
  schemaVersion: z.literal(1),
  id: z.string().regex(BUILD_ID),
  /** Position in the build's history, from 1; each snapshot is stored under its number, create-if-absent. */
  seq: z.number().int().positive(),
  /** The dedupe key: identity + driver version (dedupeKey). */
  key: sha256,
  identity: buildIdentitySchema,
  driverVersion: z.string().min(1),
  builder: z.enum(BUILDER_KINDS),
  status: z.enum(BUILD_STATUSES),
  createdAt: datetime,
  updatedAt: datetime,
  /** After this moment an unfinished build is timed_out. */
  deadline: datetime,
  /** Consecutive failed builds of this key, this one included once it failed (the retry backoff grows with it). */
  failures: z.number().int().nonnegative(),
  /** How many times a restart found this local build unfinished and queued it again. */
  interruptions: z.number().int().nonnegative(),
  run: z.object({ id: z.number().int().positive(), url: z.string().url() }).optional(),
  artifact: artifactRefSchema.optional(),
  failure: failureSchema.optional(),
  /** Until then a request for this key is answered with this failure instead of a new build. */
  retryAfter: datetime.optional(),
});
export type BuildRecord = z.infer<typeof buildRecordSchema>;

export function isActive(status: BuildStatus): status is ActiveStatus {
  return status === "queued" || status === "building";
}

/** Identity + driver version → one key; the same kernel asked for by a thousand nodes is one build. */
export function dedupeKey(identity: BuildIdentity, driverVersion: string): string {
  const { distro, distroVersion, arch, kernelRelease } = identity;
  return sha256Hex(canonicalJson({ distro, distroVersion, arch, kernelRelease, driverVersion }));
}

export function buildIdentityOf(identity: KernelIdentity): BuildIdentity {
  const { distro, distroVersion, arch, kernelRelease } = identity;
  return { distro, distroVersion, arch, kernelRelease };
}

export interface NewBuild {
  id: string;
  identity: BuildIdentity;
  driverVersion: string;
  builder: BuilderKind;
  now: Date;
  timeoutMs: number;
  /** Failures of the key before this build (the previous build's count when it failed). */
  failuresBefore: number;
}

export function newBuildRecord(b: NewBuild): BuildRecord {
  return {
    schemaVersion: 1,
    id: b.id,
    seq: 1,
    key: dedupeKey(b.identity, b.driverVersion),
    identity: b.identity,
    driverVersion: b.driverVersion,
    builder: b.builder,
    status: "queued",
    createdAt: b.now.toISOString(),
    updatedAt: b.now.toISOString(),
    deadline: new Date(b.now.getTime() + b.timeoutMs).toISOString(),
    failures: b.failuresBefore,
    interruptions: 0,
  };
}

/** What a builder (or the clock) reports about a build. */
export type BuildUpdate =
  | { status: "building"; run?: BuildRecord["run"] }
  | { status: "queued"; run?: BuildRecord["run"]; interrupted?: boolean }
  | { status: "succeeded"; artifact: ArtifactRef }
  | { status: "failed"; failure: BuildFailure }
  | { status: "timed_out" };

export interface FailurePolicy {
  /** Upper bound of the retry-after (the sweep's per-class backoff can reach days). */
  maxRetryAfterMs: number;
}

/**
 * Failures of the service's own machinery say nothing about the kernel: a refused dispatch or a build cut off by
 * restarts is worth another try within minutes, not after the hour an infrastructure fault of a sweep waits.
 */
const SHORT_RETRY_MS: Partial<Record<ServiceFailureReason, number>> = {
  "dispatch-failed": 60_000,
  interrupted: 5 * 60_000,
};

function retryAfter(
  reason: ServiceFailureReason,
  failures: number,
  now: Date,
  policy: FailurePolicy,
): string {
  const short = SHORT_RETRY_MS[reason];
  const classDelay = short !== undefined ? short : retryDelayMs(BACKOFF_CLASS[reason], failures);
  const delay = Math.min(classDelay, policy.maxRetryAfterMs);
  return new Date(now.getTime() + delay).toISOString();
}

/**
 * The next snapshot, or undefined when the update changes nothing (the same status again with nothing new) or
 * arrives after the build finished: a finished build never changes.
 */
export function advance(
  record: BuildRecord,
  update: BuildUpdate,
  now: Date,
  policy: FailurePolicy,
): BuildRecord | undefined {
  if (!isActive(record.status)) return undefined;
  const base = { ...record, seq: record.seq + 1, updatedAt: now.toISOString(), status: update.status };
  switch (update.status) {
    case "queued":
    case "building": {
      const run = update.run ?? record.run;
      const interrupted = update.status === "queued" && update.interrupted === true;
      if (update.status === record.status && run?.id === record.run?.id && !interrupted) return undefined;
      return {
        ...base,
        ...(run ? { run } : {}),
        interruptions: record.interruptions + (interrupted ? 1 : 0),
      };
    }
    case "succeeded":
      return { ...base, artifact: update.artifact, failures: 0 };
    case "failed": {
      const failures = record.failures + 1;
      return {
        ...base,
        failure: { ...update.failure, detail: update.failure.detail.slice(0, 2000) },
        failures,
        retryAfter: retryAfter(update.failure.reason, failures, now, policy),
      };
    }
    case "timed_out": {
      const failures = record.failures + 1;
      const limit = Math.round((Date.parse(record.deadline) - Date.parse(record.createdAt)) / 1000);
      return {
        ...base,
        failure: {
          reason: "timed-out",
          detail: `not finished within ${limit} s of the request`,
          ...(record.run ? { logUrl: record.run.url } : {}),
        },
        failures,
        retryAfter: retryAfter("timed-out", failures, now, policy),
      };
    }
  }
}

/** True when an unfinished build is past its deadline. */
export function pastDeadline(record: BuildRecord, now: Date): boolean {
  return isActive(record.status) && now.getTime() >= Date.parse(record.deadline);
}

/** What a new request for a key finds in its newest build. */
export type KeyVerdict =
  /** A build is queued or running: answer with its id. */
  | { kind: "in-flight" }
  /** It failed recently: answer with the failure until retry-after. */
  | { kind: "remembered" }
  /** Nothing stops a new build; `failuresBefore` carries the backoff on. */
  | { kind: "build"; failuresBefore: number };

export function keyVerdict(newest: BuildRecord | undefined, now: Date): KeyVerdict {
  if (!newest) return { kind: "build", failuresBefore: 0 };
  if (isActive(newest.status)) return { kind: "in-flight" };
  if (newest.status === "succeeded") return { kind: "build", failuresBefore: 0 };
  if (newest.retryAfter && now.getTime() < Date.parse(newest.retryAfter)) return { kind: "remembered" };
  return { kind: "build", failuresBefore: newest.failures };
}
