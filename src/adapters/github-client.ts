import type { Octokit } from "@octokit/rest";
import type Bottleneck from "bottleneck";

/**
 * The GitHub REST client every adapter uses: octokit with rate-limit handling (primary and secondary limits honour
 * retry-after) and 5xx retries. Octokit loads on first use, never at import time: the Dagger runtime imports every
 * file under src/ on each call.
 */
export type GithubClient = Octokit;

async function loadOctokit() {
  const [{ Octokit }, { retry }, { throttling }, bottleneck] = await Promise.all([
    import("@octokit/rest"),
    import("@octokit/plugin-retry"),
    import("@octokit/plugin-throttling"),
    import("bottleneck"),
  ]);
  return { RetryingOctokit: Octokit.plugin(retry, throttling), Bottleneck: bottleneck.default };
}
let loaded: ReturnType<typeof loadOctokit> | undefined;

/**
 * GitHub asks clients to leave a second between content-creating requests (three after requests that notify
 * people, such as creating a release); the throttling plugin does that with process-wide limiters. One limiter per
 * kind and time unit keeps that process-wide while letting tests shrink the unit.
 */
const limiters = new Map<string, Bottleneck.Group>();
function spacedLimiter(
  Group: typeof Bottleneck.Group,
  kind: "write" | "notifications",
  minTime: number,
): Bottleneck.Group {
  const id = `kmodforge-${kind}-${minTime}`;
  let group = limiters.get(id);
  if (!group) {
    group = new Group({ id, maxConcurrent: 1, minTime });
    limiters.set(id, group);
  }
  return group;
}

export interface GithubClientOptions {
  token?: string;
  /** API root; a GitHub Enterprise Server or a local test server. */
  baseUrl?: string;
  /** How many times a rate-limited request is retried before giving up. */
  rateLimitRetries?: number;
  /** Multiplier for retry-after seconds, retry backoff and the spacing between writes, in ms (1000 in production). */
  retryBaseMs?: number;
  retries?: number;
  log?: (line: string) => void;
}

export async function createGithubClient(options: GithubClientOptions = {}): Promise<GithubClient> {
  const limit = options.rateLimitRetries ?? 5;
  const base = options.retryBaseMs ?? 1000;
  const log = options.log ?? (() => undefined);
  loaded ??= loadOctokit();
  const { RetryingOctokit, Bottleneck } = await loaded;
  const onLimit =
    (what: string) => (after: number, opts: { method: string; url: string }, _o: unknown, count: number) => {
      log(`${what} on ${opts.method} ${opts.url}; retry ${count + 1}/${limit} in ${after}s`);
      return count < limit;
    };
  return new RetryingOctokit({
    ...(options.token ? { auth: options.token } : {}),
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    userAgent: "kmodforge",
    // Set on the retry plugin, not as a request default: a request-level `retries` would also retry 4xx refusals.
    retry: { retryAfterBaseValue: base, retries: options.retries ?? 5 },
    throttle: {
      retryAfterBaseValue: base,
      write: spacedLimiter(Bottleneck.Group, "write", base),
      notifications: spacedLimiter(Bottleneck.Group, "notifications", 3 * base),
      onRateLimit: onLimit("rate limited"),
      onSecondaryRateLimit: onLimit("secondary rate limit"),
    },
    log: { debug: () => undefined, info: () => undefined, warn: log, error: log },
  });
}
