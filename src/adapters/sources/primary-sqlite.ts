import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PRIMARY_DB_QUERY, primaryDbPackages } from "../../core/headers/primary-sqlite.js";
import type { PrimaryPackage } from "../../core/headers/primary-xml.js";
import type { MissReason } from "../../core/headers/types.js";
import { runProcess } from "../run-process.js";

export type PrimaryDbRead =
  | { ok: true; packages: PrimaryPackage[] }
  | { ok: false; reason: MissReason; detail: string };

/** Queries an unpacked primary.sqlite with the sqlite3 tool (read-only, constant query) in a private temp dir. */
export async function readPrimaryDb(
  db: Buffer,
  keep: (name: string) => boolean,
  timeoutMs: number,
): Promise<PrimaryDbRead> {
  const dir = await mkdtemp(join(tmpdir(), "kmodforge-primary-"));
  try {
    const file = join(dir, "primary.sqlite");
    await writeFile(file, db);
    const r = await runProcess("sqlite3", ["-readonly", "-json", file, PRIMARY_DB_QUERY], {
      timeoutMs,
      maxOutputBytes: 64 * 1024 * 1024,
    });
    if (r.timedOut) return { ok: false, reason: "timeout", detail: "sqlite3 query timed out" };
    if (r.code !== 0)
      return { ok: false, reason: "malformed", detail: `sqlite3: ${r.stderr.trim().slice(0, 300)}` };
    const packages = primaryDbPackages(r.stdout, keep);
    if (!packages)
      return { ok: false, reason: "malformed", detail: "primary.sqlite rows of an unexpected shape" };
    return { ok: true, packages };
  } catch (e) {
    return { ok: false, reason: "malformed", detail: (e as Error).message };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
