import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import {
  type HttpClient,
  HttpFailure,
  type HttpGetOptions,
  type HttpResponse,
  type MissReason,
} from "../core/headers/types.js";

/**
 * The HTTP client every header source uses: a timeout per request, bounded concurrency, retries with exponential
 * backoff and jitter on transient failures (never on 404 or other 4xx), a size cap, truncation detection, redirects
 * followed (bounded, never from https to http), every other non-2xx answer an HttpFailure, and a metadata cache
 * keyed by URL + validator so a sweep over hundreds of kernels downloads each index once.
 *
 * Built on node:http rather than the platform fetch: fetch's own redirect mode allows https→http downgrades, so
 * redirects would be followed by hand anyway, and its timeout covers the whole body where ours is an idle timeout
 * (a 300 MB package on a slow mirror is not a hung one).
 */

/** Redirects followed per request; a chain longer than this is a loop or a misconfigured mirror. */
export const MAX_REDIRECTS = 5;
const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * Where a redirect leads: its Location resolved against the URL that answered. Refuses a missing or non-http(s)
 * Location and any step from https down to http, which would let anyone on the path supply the bytes.
 */
export function redirectTarget(from: string, status: number, location: string | undefined): string {
  const refuse = (why: string) =>
    new HttpFailure("http-error", from, `HTTP ${status} ${why}: ${from}`, status);
  if (!location) throw refuse("without a Location");
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw refuse(`to an invalid Location ${JSON.stringify(location)}`);
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") throw refuse(`to a ${next.protocol} URL`);
  if (new URL(from).protocol === "https:" && next.protocol === "http:")
    throw refuse(`from https down to http (${next.href}), refused`);
  return next.href;
}

export interface HttpClientOptions {
  timeoutMs?: number;
  concurrency?: number;
  /** Extra attempts after the first on a transient failure. */
  retries?: number;
  backoffMs?: number;
  userAgent?: string;
}

const TRANSIENT: ReadonlySet<MissReason> = new Set(["unreachable", "timeout", "truncated", "http-error"]);

function isTransient(err: unknown): boolean {
  if (!(err instanceof HttpFailure) || !TRANSIENT.has(err.reason)) return false;
  // 5xx and 429 are worth another try; other HTTP errors are final.
  return err.status === undefined || err.status >= 500 || err.status === 429;
}

class Semaphore {
  private waiting: Array<() => void> = [];
  private active = 0;
  constructor(private readonly limit: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

interface CachedBody {
  validator: { etag?: string; lastModified?: string };
  response: HttpResponse;
}

/**
 * Holds any HttpClient to its contract: only a 2xx answer is a body. (Ours throws on the rest; a client that hands
 * back a redirect page or an error page must not have it taken for the file.)
 */
export function assertSuccess(res: HttpResponse): void {
  if (res.status < 200 || res.status >= 300) throw HttpFailure.forStatus(res.url, res.status);
}

export function createHttpClient(
  options: HttpClientOptions = {},
): HttpClient & { bytesDownloaded(): number } {
  const semaphore = new Semaphore(options.concurrency ?? 6);
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 500;
  const cache = new Map<string, CachedBody>();
  const inflight = new Map<string, Promise<HttpResponse>>();
  let downloaded = 0;

  const hop = (url: string, opts: HttpGetOptions, cached?: CachedBody) => {
    const validator = cached?.validator ?? (opts.ifNoneMatch ? { etag: opts.ifNoneMatch } : undefined);
    return semaphore.run(() =>
      getOnce(url, {
        timeoutMs: opts.timeoutMs ?? options.timeoutMs ?? 30_000,
        maxBytes: opts.maxBytes ?? Number.POSITIVE_INFINITY,
        userAgent: options.userAgent ?? "kmodforge",
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(validator ? { validator } : {}),
        onBytes: (n) => {
          downloaded += n;
        },
      }),
    );
  };

  async function once(url: string, opts: HttpGetOptions, cached?: CachedBody): Promise<HttpResponse> {
    let current = url;
    for (let hops = 0; ; hops++) {
      const res = await hop(current, opts, cached);
      if (!REDIRECTS.has(res.status)) return res;
      if (hops >= MAX_REDIRECTS)
        throw new HttpFailure("http-error", url, `more than ${MAX_REDIRECTS} redirects: ${url}`, res.status);
      current = redirectTarget(current, res.status, res.headers.location);
    }
  }

  async function withRetries(url: string, opts: HttpGetOptions, cached?: CachedBody): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await once(url, opts, cached);
      } catch (err) {
        if (attempt >= retries || !isTransient(err) || opts.signal?.aborted) throw err;
        const delay = backoffMs * 2 ** attempt * (0.5 + Math.random());
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async function cachedGet(url: string, opts: HttpGetOptions): Promise<HttpResponse> {
    const cached = cache.get(url);
    const res = await withRetries(url, opts, cached);
    if (res.status === 304 && cached) return cached.response;
    const validator = { etag: res.headers.etag, lastModified: res.headers["last-modified"] };
    cache.set(url, { validator, response: res });
    return res;
  }

  return {
    get(url, opts = {}) {
      if (!opts.cacheable) return withRetries(url, opts);
      // Concurrent requests for one index share one download.
      const pending = inflight.get(url);
      if (pending) return pending;
      const p = cachedGet(url, opts).finally(() => inflight.delete(url));
      inflight.set(url, p);
      return p;
    },
    bytesDownloaded: () => downloaded,
  };
}

interface OnceOptions {
  timeoutMs: number;
  maxBytes: number;
  userAgent: string;
  signal?: AbortSignal;
  validator?: { etag?: string; lastModified?: string };
  onBytes: (n: number) => void;
}

function getOnce(url: string, o: OnceOptions): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith("https:") ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { "user-agent": o.userAgent };
    if (o.validator?.etag) headers["if-none-match"] = o.validator.etag;
    if (o.validator?.lastModified) headers["if-modified-since"] = o.validator.lastModified;
    let gotResponse = false;
    let settled = false;
    const fail = (e: HttpFailure) => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(e);
    };
    const req = send(url, { method: "GET", headers, timeout: o.timeoutMs }, (res) => {
      gotResponse = true;
      const resHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") resHeaders[k] = v;
      const status = res.statusCode ?? 0;
      const declared = Number(resHeaders["content-length"] ?? Number.NaN);
      if (declared > o.maxBytes)
        return fail(
          new HttpFailure("too-large", url, `${declared} bytes exceeds the ${o.maxBytes}-byte limit: ${url}`),
        );
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        o.onBytes(c.length);
        if (size > o.maxBytes)
          return fail(new HttpFailure("too-large", url, `more than ${o.maxBytes} bytes: ${url}`));
        chunks.push(c);
      });
      const cut = () => fail(new HttpFailure("truncated", url, `body ended after ${size} bytes: ${url}`));
      res.on("error", cut);
      res.on("aborted", cut);
      res.on("end", () => {
        if (settled) return;
        if (Number.isFinite(declared) && size !== declared) return cut();
        settled = true;
        // 2xx is a body, a redirect is for the caller to follow, 304 answers only a conditional request we made.
        const notModified = status === 304 && o.validator !== undefined;
        if (!(status >= 200 && status < 300) && !REDIRECTS.has(status) && !notModified)
          reject(HttpFailure.forStatus(url, status));
        else
          resolve({
            status,
            body: notModified ? Buffer.alloc(0) : Buffer.concat(chunks),
            headers: resHeaders,
            url,
          });
      });
    });
    req.on("timeout", () =>
      fail(new HttpFailure("timeout", url, `no answer within ${o.timeoutMs} ms: ${url}`)),
    );
    req.on("error", (e) => {
      if (!gotResponse)
        fail(
          new HttpFailure("unreachable", url, `${(e as NodeJS.ErrnoException).code ?? e.message}: ${url}`),
        );
    });
    o.signal?.addEventListener("abort", () => fail(new HttpFailure("timeout", url, `aborted: ${url}`)));
    req.end();
  });
}
