import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { InvalidInputError, KmodforgeError } from "../../core/errors.js";
import { type ArtifactStore, checkAssetPath } from "../../core/publish/store.js";
import { answerText, type ErrorAnswer, errorText, type ServiceAnswer } from "../../core/service/answers.js";
import { type RateLimitPolicy, TokenBuckets } from "../../core/service/rate-limit.js";
import type { BuildService } from "./build-service.js";
import { type BearerTokens, decodeJson, HttpRefusal, readBody } from "./http-guards.js";
import type { Logger } from "./log.js";
import type { ServiceMetrics } from "./metrics.js";

/**
 * The service's HTTP front (plain node:http, one process):
 *
 *   POST /build            bearer token; JSON body (docs/service.md) → 200 hit | 202 build id | 200 remembered failure
 *   GET  /status/{id}      queued | building | succeeded | failed | timed_out
 *   GET  /logs/{id}        the kept log of a failed local build
 *   GET  /store/{f}/{a}    a directory store's assets (only when the store is a directory)
 *   GET  /healthz          liveness
 *   GET  /metrics          Prometheus text format
 *   GET  /                 the coverage report page (docs/report.md), rendered live and cached briefly
 *
 * Answers are JSON, or `<key> <value>` lines for `Accept: text/plain` (the shell loader's form). Every request is
 * rate limited per client (its token, else its address), every body bounded and decoded strictly.
 */

/** Largest refused body still read to its end (see dropUnreadBody). */
const DRAIN_LIMIT_BYTES = 64 * 1024;

export interface ServiceServerOptions {
  service: BuildService;
  metrics: ServiceMetrics;
  log: Logger;
  tokens: BearerTokens;
  /** Accept POST /build without a token (only when explicitly asked for). */
  anonymous: boolean;
  bodyLimitBytes: number;
  rateLimit?: RateLimitPolicy;
  /** Renders the report page; undefined: `/` answers 404. */
  report?: () => Promise<string>;
  /** The directory store served under /store/, when the store is one. */
  servedStore?: ArtifactStore;
  /** Log every request, not only refusals and failures. */
  logRequests?: boolean;
}

const ROUTES: Array<[string, RegExp]> = [
  ["build", /^\/build$/],
  ["status", /^\/status\/([^/]+)$/],
  ["logs", /^\/logs\/([^/]+)$/],
  ["store", /^\/store\/([^/]+)\/([^/]+)$/],
  ["healthz", /^\/healthz$/],
  ["metrics", /^\/metrics$/],
  ["report", /^\/$/],
];

function wantsText(req: IncomingMessage): boolean {
  return /(^|,)\s*text\/plain/i.test(req.headers.accept ?? "");
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers = {}): void {
  res.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(body);
}

/** Serialised answers, per answer object: a hit hands out the same object for as long as its index generation. */
const serialised = new WeakMap<ServiceAnswer, { json?: string; text?: string }>();

function serialise(answer: ServiceAnswer, form: "json" | "text"): string {
  let forms = serialised.get(answer);
  if (!forms) {
    forms = {};
    serialised.set(answer, forms);
  }
  forms[form] ??= form === "text" ? answerText(answer) : `${JSON.stringify(answer)}\n`;
  return forms[form];
}

function sendAnswer(req: IncomingMessage, res: ServerResponse, status: number, answer: ServiceAnswer): void {
  const headers =
    answer.retry_after_seconds !== undefined && answer.status === "failed"
      ? { "retry-after": String(answer.retry_after_seconds) }
      : {};
  if (wantsText(req)) send(res, status, "text/plain; charset=utf-8", serialise(answer, "text"), headers);
  else send(res, status, "application/json; charset=utf-8", serialise(answer, "json"), headers);
}

function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  error: ErrorAnswer,
  headers = {},
) {
  if (wantsText(req)) send(res, status, "text/plain; charset=utf-8", errorText(error), headers);
  else send(res, status, "application/json; charset=utf-8", `${JSON.stringify(error)}\n`, headers);
}

function errorAnswer(err: unknown): { status: number; body: ErrorAnswer; headers?: Record<string, string> } {
  if (err instanceof HttpRefusal)
    return {
      status: err.status,
      body: { error: { code: err.code, message: err.message } },
      headers: err.headers,
    };
  if (err instanceof InvalidInputError)
    return {
      status: 400,
      body: {
        error: {
          code: err.code,
          message: err.message,
          issues: err.issues.map((i) => ({ field: i.field, message: i.message })),
        },
      },
    };
  if (err instanceof KmodforgeError)
    return { status: err.httpStatus, body: { error: { code: err.code, message: err.message } } };
  return {
    status: 500,
    body: { error: { code: "UNEXPECTED", message: "internal error (see the service log)" } },
  };
}

/** An unknown path is 404; a known one asked with the wrong method is 405 (before any token is looked at). */
function checkMethod(route: string, method: string): void {
  const allowed = route === "build" ? "POST" : "GET";
  if (route === "other") throw new HttpRefusal(404, "NOT_FOUND", "no such endpoint");
  if (method !== allowed && !(allowed === "GET" && method === "HEAD"))
    throw new HttpRefusal(405, "METHOD_NOT_ALLOWED", `${route} takes ${allowed}`, { allow: allowed });
}

export class ServiceServer {
  private readonly buckets?: TokenBuckets;
  readonly server: Server;

  constructor(private readonly o: ServiceServerOptions) {
    if (o.rateLimit) this.buckets = new TokenBuckets(o.rateLimit);
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.requestTimeout = 30_000;
    this.server.headersTimeout = 10_000;
  }

  async listen(host: string, port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return `http://${shown}:${address.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const path = (req.url ?? "/").split("?")[0]!;
    const [route, match] = this.route(path);
    let client = req.socket.remoteAddress ?? "unknown";
    try {
      checkMethod(route, req.method ?? "GET");
      if (route === "build") client = this.authenticate(req) ?? client;
      this.admit(route, client);
      await this.dispatch(route, match, req, res);
    } catch (err) {
      const { status, body, headers } = errorAnswer(err);
      if (status >= 500)
        this.o.log("error", "request failed", { route, error: (err as Error)?.stack ?? String(err) });
      if (!res.headersSent) sendError(req, res, status, body, headers);
      else res.destroy();
      if (err instanceof HttpRefusal) this.dropUnreadBody(req, res);
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.o.metrics.requests.inc({ route, code: String(res.statusCode) });
      this.o.metrics.requestSeconds.observe({ route }, seconds);
      if (this.o.logRequests || res.statusCode >= 400)
        this.o.log(res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info", "request", {
          method: req.method,
          route,
          code: res.statusCode,
          ms: Math.round(seconds * 1000),
          client,
        });
    }
  }

  /**
   * A refused body may still be arriving. A small one (declared, at most DRAIN_LIMIT_BYTES) is read and discarded,
   * so the client gets its answer on a clean connection; anything larger closes the connection instead of reading
   * it. (The socket is taken now: the response detaches it from the request once it is sent.)
   */
  private dropUnreadBody(req: IncomingMessage, res: ServerResponse): void {
    if (req.complete || Number(req.headers["content-length"]) <= DRAIN_LIMIT_BYTES) return;
    // Null when reading was cut short: the request stream destroyed its socket already.
    const socket: Socket | null = req.socket;
    res.once("finish", () => socket?.destroy());
  }

  private route(path: string): [string, RegExpExecArray | undefined] {
    for (const [name, pattern] of ROUTES) {
      const m = pattern.exec(path);
      if (m) return [name, m];
    }
    return ["other", undefined];
  }

  /** The token's fingerprint; refuses a missing or wrong token unless anonymous builds are allowed. */
  private authenticate(req: IncomingMessage): string | undefined {
    const who = this.o.tokens.check(req.headers.authorization);
    if (who || this.o.anonymous) return who;
    throw new HttpRefusal(401, "UNAUTHORIZED", "POST /build needs a valid bearer token", {
      "www-authenticate": 'Bearer realm="kmodforge"',
    });
  }

  private admit(route: string, client: string): void {
    if (!this.buckets || route === "healthz" || route === "metrics") return;
    const verdict = this.buckets.take(client, Date.now());
    if (!verdict.ok)
      throw new HttpRefusal(429, "RATE_LIMITED", "too many requests from this client", {
        "retry-after": String(verdict.retryAfterSeconds),
      });
  }

  private async dispatch(
    route: string,
    match: RegExpExecArray | undefined,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (route === "build") {
      const body = decodeJson(req, await readBody(req, this.o.bodyLimitBytes));
      const { http, answer } = await this.o.service.request(body);
      return sendAnswer(req, res, http, answer);
    }
    if (route === "status") {
      const answer = await this.o.service.status(match![1]!);
      if (!answer) throw new HttpRefusal(404, "NOT_FOUND", "no build with this id");
      return sendAnswer(req, res, 200, answer);
    }
    if (route === "logs") {
      const log = await this.o.service.log(match![1]!);
      if (!log) throw new HttpRefusal(404, "NOT_FOUND", "no log kept for this build");
      return send(res, 200, "text/plain; charset=utf-8", log);
    }
    if (route === "store") return this.serveAsset(res, match![1]!, match![2]!);
    if (route === "healthz") return send(res, 200, "application/json", '{"status":"ok"}\n');
    if (route === "metrics")
      return send(res, 200, this.o.metrics.registry.contentType, await this.o.metrics.registry.metrics());
    if (!this.o.report) throw new HttpRefusal(404, "NOT_FOUND", "no report configured");
    return send(res, 200, "text/html; charset=utf-8", await this.o.report(), {
      "content-security-policy":
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:",
    });
  }

  private async serveAsset(res: ServerResponse, folder: string, asset: string): Promise<void> {
    const store = this.o.servedStore;
    if (!store) throw new HttpRefusal(404, "NOT_FOUND", "this service serves no store");
    try {
      checkAssetPath(folder, asset);
    } catch {
      throw new HttpRefusal(404, "NOT_FOUND", "no such asset");
    }
    const r = await store.read(folder, asset);
    if (r.kind !== "found") throw new HttpRefusal(404, "NOT_FOUND", "no such asset");
    send(res, 200, "application/octet-stream", r.body, { "cache-control": "no-cache" });
  }
}
