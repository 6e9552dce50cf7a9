import { KmodforgeError } from "../../core/errors.js";
import {
  advance,
  type BuildRecord,
  type BuildUpdate,
  type FailurePolicy,
  isActive,
} from "../../core/service/build-record.js";
import type { BuildRecords } from "./records.js";

/**
 * The service's view of its builds: the state store's snapshots (records.ts) with the current ones held in memory —
 * every unfinished build (what the service follows) and the most recent finished ones (answers to repeated status
 * polls). A change is a new snapshot appended to the store first; when another writer (a replica, a restarted self)
 * appended first, the update is decided again on theirs.
 */

/** Finished records kept in memory beyond the unfinished ones. */
const KEPT_FINISHED = 10_000;

export interface BuildLedgerOptions {
  records: BuildRecords;
  failurePolicy: FailurePolicy;
  now: () => Date;
  /** A build reached a final status (called once, by the writer that stored it). */
  onFinished: (record: BuildRecord) => void;
}

export class BuildLedger {
  private readonly known = new Map<string, BuildRecord>();
  private readonly activeByKey = new Map<string, string>();
  /** Ids of the unfinished builds. */
  readonly following = new Set<string>();

  constructor(private readonly o: BuildLedgerOptions) {}

  /** The record held in memory, if any (no store read). */
  held(id: string): BuildRecord | undefined {
    return this.known.get(id);
  }

  /** The unfinished build of a dedupe key this process knows of. */
  activeFor(key: string): BuildRecord | undefined {
    const id = this.activeByKey.get(key);
    return id === undefined ? undefined : this.known.get(id);
  }

  /** The current record: from memory, else from the store (then held). */
  async read(id: string): Promise<BuildRecord | undefined> {
    const known = this.known.get(id);
    if (known) return known;
    const record = await this.o.records.current(id);
    if (record) this.remember(record);
    return record;
  }

  /** Holds a record read or written (never an older snapshot over a newer one). */
  remember(record: BuildRecord): void {
    const held = this.known.get(record.id);
    if (held && held.seq > record.seq) return;
    this.known.delete(record.id);
    this.known.set(record.id, record);
    if (isActive(record.status)) {
      this.following.add(record.id);
      this.activeByKey.set(record.key, record.id);
    }
    for (const [id, r] of this.known) {
      if (this.known.size <= KEPT_FINISHED + this.following.size) break;
      if (!isActive(r.status)) this.known.delete(id);
    }
  }

  /** A build that is no longer followed here (finished, or not this process's to follow). */
  unfollow(id: string): void {
    this.following.delete(id);
  }

  /** Stores the snapshot an update leads to; when another writer got there first, decides again on theirs. */
  async apply(record: BuildRecord, update: BuildUpdate): Promise<BuildRecord> {
    let current = record;
    for (let attempt = 0; attempt < 8; attempt++) {
      const next = advance(current, update, this.o.now(), this.o.failurePolicy);
      if (!next) return current;
      if (await this.o.records.append(next)) {
        this.remember(next);
        if (!isActive(next.status)) this.finished(next);
        return next;
      }
      const stored = await this.o.records.current(current.id);
      if (!stored)
        throw new KmodforgeError("STATE_CONFLICT", `build ${current.id} vanished from the state store`);
      this.remember(stored);
      current = stored;
    }
    throw new KmodforgeError("STATE_CONFLICT", `build ${record.id}: too many racing writers`);
  }

  private finished(record: BuildRecord): void {
    this.following.delete(record.id);
    if (this.activeByKey.get(record.key) === record.id) this.activeByKey.delete(record.key);
    this.o.onFinished(record);
  }
}
