import { z } from "zod";
import { KmodforgeError } from "../../core/errors.js";
import { BUILD_ID, type BuildRecord, buildRecordSchema, isActive } from "../../core/service/build-record.js";
import type { StateStore } from "../../core/sweep/store.js";

/**
 * The service's durable state, on the same state store as sweeps (docs/service.md), written only with
 * create-if-absent so two replicas, or a replica and its restarted self, never overwrite each other:
 *
 *   service/builds/<id>/<seq>.json     snapshot seq of build <id> (queued, building, …); the highest is current
 *   service/claims/<key>/<n>.json      the n-th build of dedupe key <key>: `{ buildId, at }`; the highest is current
 *   service/active/<id>                present while build <id> is queued or building (what a restart follows)
 *   service/logs/<id>.log              the log tail of a failed local build (served at /logs/<id>)
 *
 * A snapshot is written before the claim that names it, so a claim never names a missing build. Everything read
 * back is validated.
 */

const PREFIX = "service";
const claimSchema = z.object({ buildId: z.string().regex(BUILD_ID), at: z.string().datetime() });
export type BuildClaim = z.infer<typeof claimSchema> & { n: number };

const seqName = (n: number) => String(n).padStart(6, "0");
const buildPrefix = (id: string) => `${PREFIX}/builds/${id}/`;
const claimPrefix = (key: string) => `${PREFIX}/claims/${key}/`;
const activeKey = (id: string) => `${PREFIX}/active/${id}`;

function numberOf(key: string, prefix: string): number | undefined {
  const m = /^(\d{6,})\.json$/.exec(key.slice(prefix.length));
  return m ? Number(m[1]) : undefined;
}

function corrupt(key: string, err: unknown): KmodforgeError {
  return new KmodforgeError(
    "STATE_CONFLICT",
    `${key}: not a valid service record: ${(err as Error).message}`,
    {
      key,
    },
  );
}

export class BuildRecords {
  constructor(readonly store: StateStore) {}

  private async readJson<T>(key: string, schema: z.ZodType<T>): Promise<T | undefined> {
    const body = await this.store.get(key);
    if (!body) return undefined;
    try {
      return schema.parse(JSON.parse(body.toString("utf8")));
    } catch (err) {
      throw corrupt(key, err);
    }
  }

  private async newest(prefix: string): Promise<{ key: string; n: number } | undefined> {
    const numbered = (await this.store.list(prefix))
      .map((key) => ({ key, n: numberOf(key, prefix) }))
      .filter((k): k is { key: string; n: number } => k.n !== undefined);
    return numbered.at(-1);
  }

  /** The current snapshot of a build, or undefined for an unknown id. */
  async current(id: string): Promise<BuildRecord | undefined> {
    if (!BUILD_ID.test(id)) return undefined;
    const newest = await this.newest(buildPrefix(id));
    if (!newest) return undefined;
    const record = await this.readJson(newest.key, buildRecordSchema);
    if (record && (record.id !== id || record.seq !== newest.n))
      throw corrupt(newest.key, new Error(`holds build ${record.id} snapshot ${record.seq}`));
    return record;
  }

  /**
   * Stores the next snapshot (its `seq` must follow the stored one). False when another writer stored that
   * snapshot first: re-read and decide again.
   */
  async append(record: BuildRecord): Promise<boolean> {
    const valid = buildRecordSchema.parse(record);
    const created = await this.store.createIfAbsent(
      `${buildPrefix(valid.id)}${seqName(valid.seq)}.json`,
      `${JSON.stringify(valid)}\n`,
    );
    if (!created) return false;
    if (valid.seq === 1) await this.store.createIfAbsent(activeKey(valid.id), "");
    if (!isActive(valid.status)) await this.store.delete(activeKey(valid.id));
    return true;
  }

  /** The newest claim of a dedupe key. */
  async currentClaim(key: string): Promise<BuildClaim | undefined> {
    const newest = await this.newest(claimPrefix(key));
    if (!newest) return undefined;
    const claim = await this.readJson(newest.key, claimSchema);
    return claim ? { ...claim, n: newest.n } : undefined;
  }

  /** Claims the n-th build of a key for `buildId`; false when another request claimed it first. */
  async claim(key: string, n: number, buildId: string, at: Date): Promise<boolean> {
    return this.store.createIfAbsent(
      `${claimPrefix(key)}${seqName(n)}.json`,
      `${JSON.stringify({ buildId, at: at.toISOString() })}\n`,
    );
  }

  /** A build whose claim was lost to another request: it never ran, so it leaves no trace. */
  async discard(id: string): Promise<void> {
    for (const key of await this.store.list(buildPrefix(id))) await this.store.delete(key);
    await this.store.delete(activeKey(id));
  }

  /** Keeps the log of a failed build (once; a log never changes). */
  async putLog(id: string, text: string): Promise<void> {
    await this.store.createIfAbsent(`${PREFIX}/logs/${id}.log`, text);
  }

  async log(id: string): Promise<Buffer | undefined> {
    return BUILD_ID.test(id) ? this.store.get(`${PREFIX}/logs/${id}.log`) : undefined;
  }

  /** Ids of every build still queued or building (what a restarted service follows again). */
  async activeIds(): Promise<string[]> {
    const prefix = `${PREFIX}/active/`;
    return (await this.store.list(prefix))
      .map((k) => k.slice(prefix.length))
      .filter((id) => BUILD_ID.test(id));
  }
}
