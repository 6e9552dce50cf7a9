import type { HeaderPackageSpec } from "../../distros/adapter.js";
import type { Arch } from "../arch.js";
import type { KernelIdentity } from "../identity.js";
import type { HeaderSource, VersionTarget } from "../targets.js";

/**
 * The contract between header resolution and the build: resolve produces a plain, serialisable plan (packages,
 * URLs, checksums, provenance); build consumes only that plan.
 */

/** One concrete package file a link offers, with where it came from. */
export interface PackageCandidate {
  /** The spec this file satisfies. */
  name: string;
  role: HeaderPackageSpec["role"];
  version: string;
  /** Package architecture as the distribution spells it (amd64, arm64, all, x86_64, aarch64, noarch). */
  packageArch: string;
  url: string;
  /** Known content hash; absent means the file is unverified. */
  sha256?: string;
  size?: number;
  /** Who vouches for sha256: the key that signed the metadata it came from (fingerprint or keyring name). */
  signedBy?: string;
  /** The link that produced it, e.g. `apt:bookworm-security`, `koji:kojipkgs`, `explicit-url`. */
  source: string;
}

export type MissReason =
  | "not-found"
  | "http-error"
  | "unreachable"
  | "timeout"
  | "truncated"
  | "too-large"
  | "checksum-mismatch"
  | "bad-signature"
  | "unverified-refused"
  | "malformed"
  | "not-applicable";

/** A link that did not produce a package, and why. */
export interface LinkMiss {
  source: string;
  reason: MissReason;
  detail: string;
  url?: string;
}

export interface TraceEntry {
  source: string;
  package: string;
  outcome: "found" | "miss";
  reason?: MissReason;
  detail?: string;
  url?: string;
  ms?: number;
}

export interface ResolvedHeaders {
  kernelRelease: string;
  distro: string;
  distroVersion: string;
  arch: Arch;
  hostArch: Arch;
  packages: PackageCandidate[];
  trace: TraceEntry[];
}

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

/** One kind of header source. Pure planning plus I/O resolution, both driven by one targets/ link. */
export interface SourceLink<S extends HeaderSource = HeaderSource> {
  readonly kind: S["kind"];
  plan(link: S, req: ResolveRequest, env: PlanEnv): PlannedUrl[];
  resolve(link: S, req: ResolveRequest, ctx: ResolveContext): Promise<LinkOutcome>;
}

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
  /** Follow redirects (at most five); not combined with `cacheable`. */
  followRedirects?: boolean;
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
}
