import { z } from "zod";
import type { HeaderPackageSpec } from "../../distros/adapter.js";
import { ARCHES, type Arch } from "../arch.js";
import type { KernelIdentity } from "../identity.js";
import type { HeaderSource, VersionTarget } from "../targets.js";

/**
 * The contract between header resolution and the build: resolve produces a plain, serialisable plan (packages,
 * URLs, checksums, provenance); build consumes only that plan.
 */

const httpUrl = z.url({ protocol: /^https?$/ });

/** One concrete package file a link offers, with where it came from. */
export const packageCandidateSchema = z.object({
  /** The spec this file satisfies. */
  name: z.string().min(1),
  role: z.enum(["headers", "common", "kbuild", "compiler"]),
  version: z.string(),
  /** Package architecture as the distribution spells it (amd64, arm64, all, x86_64, aarch64, noarch). */
  packageArch: z.string(),
  url: httpUrl,
  /** Known content hash; absent means the file is unverified. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  size: z.number().int().nonnegative().optional(),
  /** Who vouches for sha256: the key that signed the metadata it came from (fingerprint or keyring name). */
  signedBy: z.string().optional(),
  /** The link that produced it, e.g. `apt:bookworm-security`, `koji:kojipkgs`, `explicit-url`. */
  source: z.string().min(1),
  /** The package's `Depends` as its signed metadata lists them (deb families). */
  depends: z.string().optional(),
  /** The headers package whose signed `Depends` named this one (absent: named by the distribution's rules). */
  requiredBy: z.string().optional(),
});
export type PackageCandidate = z.infer<typeof packageCandidateSchema>;

export const MISS_REASONS = [
  "not-found",
  "http-error",
  "unreachable",
  "timeout",
  "truncated",
  "too-large",
  "checksum-mismatch",
  "bad-signature",
  "unverified-refused",
  "malformed",
  "not-applicable",
] as const;
export type MissReason = (typeof MISS_REASONS)[number];

/** A link that did not produce a package, and why. */
export interface LinkMiss {
  source: string;
  reason: MissReason;
  detail: string;
  url?: string;
}

export const traceEntrySchema = z.object({
  source: z.string(),
  package: z.string(),
  outcome: z.enum(["found", "miss"]),
  reason: z.enum(MISS_REASONS).optional(),
  detail: z.string().optional(),
  url: z.string().optional(),
  ms: z.number().nonnegative().optional(),
});
export type TraceEntry = z.infer<typeof traceEntrySchema>;

/**
 * What resolution produces and `kmodforge resolve --json` prints: the chosen packages and the trace of every link
 * tried. Whoever reads it back from another process (the Dagger functions, a plan file) parses it with this.
 */
export const resolvedHeadersSchema = z.object({
  kernelRelease: z.string().min(1),
  distro: z.string().min(1),
  distroVersion: z.string().min(1),
  arch: z.enum(ARCHES),
  hostArch: z.enum(ARCHES),
  packages: z.array(packageCandidateSchema),
  trace: z.array(traceEntrySchema),
});
export type ResolvedHeaders = z.infer<typeof resolvedHeadersSchema>;

export interface ResolveRequest {
  identity: KernelIdentity;
  packages: HeaderPackageSpec[];
  hostArch: Arch;
  target: VersionTarget;
  /** Refuse files with no known checksum. */
  requireVerified: boolean;
}

/** A URL an offline plan says a link would try, in order. */
export interface PlannedUrl {
  source: string;
  package: string;
  url: string;
  /** What the URL is: an index to read, or the package file itself. */
  kind: "index" | "package" | "api";
}

export interface LinkOutcome {
  found: PackageCandidate[];
  misses: Array<LinkMiss & { package: string }>;
}

/** The kinds of header source targets/ knows, and the link description of each kind. */
export type HeaderSourceKind = HeaderSource["kind"];
export type SourceByKind = { [K in HeaderSourceKind]: Extract<HeaderSource, { kind: K }> };

/** One kind of header source. Pure planning plus I/O resolution, both driven by one targets/ link. */
export interface SourceLink<S extends HeaderSource = HeaderSource> {
  readonly kind: S["kind"];
  plan(link: S, req: ResolveRequest, env: PlanEnv): PlannedUrl[];
  resolve(link: S, req: ResolveRequest, ctx: ResolveContext): Promise<LinkOutcome>;
}

/**
 * The link registry: at most one implementation per kind, each typed for its own kind of targets/ link, so
 * dispatching a link to its implementation needs no cast (see `dispatchLink`).
 */
export type SourceLinkRegistry = { [K in HeaderSourceKind]?: SourceLink<SourceByKind[K]> };

/** What planning needs to know about its surroundings (no I/O: the caller reads apt config beforehand). */
export interface PlanEnv {
  /** Mirrors apt is configured with on this host or in the builder image, for `mirrors: [host]`. */
  hostAptMirrors: string[];
}

/** The I/O a link may do, injected so links can be tested against local servers. */
export interface ResolveContext extends PlanEnv {
  http: HttpClient;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  body: Buffer;
  headers: Record<string, string>;
  url: string;
}

export interface HttpGetOptions {
  timeoutMs?: number;
  maxBytes?: number;
  /** Cache the body by URL + validator (ETag/Last-Modified) across calls in this process and on disk. */
  cacheable?: boolean;
  signal?: AbortSignal;
  /** Conditional GET: a 304 answer comes back as `status: 304` with an empty body. */
  ifNoneMatch?: string;
}

/**
 * HTTP with per-request timeouts, bounded concurrency and retries with backoff on transient failures (not on
 * 404). Throws HttpFailure with a MissReason so links can turn it into a typed miss.
 */
export interface HttpClient {
  get(url: string, options?: HttpGetOptions): Promise<HttpResponse>;
}

export class HttpFailure extends Error {
  constructor(
    readonly reason: MissReason,
    readonly url: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "HttpFailure";
  }

  /** The failure a final non-2xx answer means: 404 and 410 say the file is not there, anything else is an error. */
  static forStatus(url: string, status: number): HttpFailure {
    const reason = status === 404 || status === 410 ? "not-found" : "http-error";
    return new HttpFailure(reason, url, `HTTP ${status}: ${url}`, status);
  }
}
