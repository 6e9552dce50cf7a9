/**
 * Per-client rate limit: a token bucket per client (its token, else its address). A bucket holds `burst` tokens and
 * refills `perSecond` a second; a request takes one, or is refused with the seconds until one is back. Buckets of
 * clients gone quiet are dropped, so a flood of new addresses cannot grow the table without bound.
 */

export interface RateLimitPolicy {
  perSecond: number;
  burst: number;
  /** Most clients tracked at once; the oldest idle ones are dropped beyond it. */
  maxClients?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxClients: number;

  constructor(private readonly policy: RateLimitPolicy) {
    if (!(policy.perSecond > 0) || !(policy.burst >= 1))
      throw new RangeError("a rate limit needs perSecond > 0 and burst >= 1");
    this.maxClients = policy.maxClients ?? 10_000;
  }

  take(client: string, nowMs: number): Admission {
    const { perSecond, burst } = this.policy;
    const seen = this.buckets.get(client);
    const tokens = seen ? Math.min(burst, seen.tokens + ((nowMs - seen.at) / 1000) * perSecond) : burst;
    // Re-inserting keeps the map in least-recently-used order for eviction.
    this.buckets.delete(client);
    if (tokens < 1) {
      this.buckets.set(client, { tokens, at: nowMs });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perSecond)) };
    }
    this.buckets.set(client, { tokens: tokens - 1, at: nowMs });
    this.evict();
    return { ok: true };
  }

  private evict(): void {
    while (this.buckets.size > this.maxClients) {
      const oldest = this.buckets.keys().next().value;
      if (oldest === undefined) break;
      this.buckets.delete(oldest);
    }
  }
}
