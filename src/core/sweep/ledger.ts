import { z } from "zod";

/**
 * The dispatch ledger: one claim object and one completion object per chunk, both created with create-if-absent.
 * Exactly one dispatcher wins a claim; it dispatches and then records completion. A dispatch that fails for sure
 * releases its claim so a later run retries it; a claim with no completion after its lease (the dispatcher died
 * between claiming and recording) is "in doubt" and only re-dispatched on request, because GitHub may already
 * have accepted it.
 */
export const claimSchema = z.object({ owner: z.string(), at: z.string(), ref: z.string() });
export type DispatchClaim = z.infer<typeof claimSchema>;

export const doneSchema = z.object({
  owner: z.string(),
  at: z.string(),
  ref: z.string(),
  target: z.string(),
});
export type DispatchDone = z.infer<typeof doneSchema>;

export const DEFAULT_LEASE_MS = 15 * 60_000;

export function claimKey(setId: string, index: number): string {
  return `ledger/${setId}/${String(index).padStart(6, "0")}.claim.json`;
}

export function doneKey(setId: string, index: number): string {
  return `ledger/${setId}/${String(index).padStart(6, "0")}.done.json`;
}

export type LedgerVerdict = "dispatch" | "done" | "claimed-by-other" | "in-doubt";

/** What to do with a chunk given what the ledger holds for it. */
export function ledgerVerdict(
  done: DispatchDone | undefined,
  claim: DispatchClaim | undefined,
  now: Date,
  leaseMs = DEFAULT_LEASE_MS,
): LedgerVerdict {
  if (done) return "done";
  if (!claim) return "dispatch";
  return Date.parse(claim.at) + leaseMs <= now.getTime() ? "in-doubt" : "claimed-by-other";
}
