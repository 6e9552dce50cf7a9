import type { BuilderKind, BuildFailure, BuildRecord } from "./build-record.js";

/**
 * What the service needs from whatever builds a missing artifact: GitHub Actions (one workflow run per build) or
 * this machine (`--builder local`). The service owns the records; a builder only starts builds and says where one
 * stands. A builder publishes what it built to the service's store, and the service reads the result from the index.
 */
export type BuilderObservation =
  | { status: "queued" | "building"; run?: BuildRecord["run"] }
  /** Built and published: the service looks the artifact up in the index. */
  | { status: "finished"; run?: BuildRecord["run"] }
  /** `log`: the build's log (its tail) when the builder has it and nothing else serves it. */
  | { status: "failed"; failure: BuildFailure; run?: BuildRecord["run"]; log?: string }
  /** The builder knows nothing of it (a local build whose process was restarted). */
  | { status: "lost" };

export interface Builder {
  readonly kind: BuilderKind;
  /**
   * Starts the build of a queued record; resolves once the builder accepted it, throws when it refused. A builder
   * that learns of progress itself calls `changed`, so the service need not wait for its next poll.
   */
  start(record: BuildRecord, changed: () => void): Promise<void>;
  observe(record: BuildRecord): Promise<BuilderObservation>;
  /** The service recorded the build as finished; the builder may drop what it kept about it. */
  forget?(id: string): void;
  close?(): Promise<void>;
}
