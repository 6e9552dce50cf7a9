import { InvalidInputError } from "../../core/errors.js";
import type { StoreCliOptions } from "./store-options.js";

/** The options of `kmodforge serve`, as commander parses them. */
export interface ServeOptions extends StoreCliOptions {
  listen: string;
  store: string;
  state: string;
  builder: "github" | "local";
  driverVersion: string;
  tokenFile?: string;
  allowAnonymous?: boolean;
  publicUrl?: string;
  publicKey?: string;
  timeout: number;
  maxRetryAfter: number;
  poll: number;
  indexTtl: number;
  bodyLimit: number;
  rateLimit: number;
  rateBurst: number;
  reportTtl: number;
  logRequests?: boolean;
  repo?: string;
  workflow: string;
  ref: string;
  source?: string;
  executor: string;
  jobs: number;
  targets?: string;
  cacheDir?: string;
  workDir?: string;
  publishSignKey?: string;
}

function invalid(field: string, given: string, expected: string): InvalidInputError {
  return new InvalidInputError([
    { field, given, expected, message: `${field}: ${JSON.stringify(given)}; expected ${expected}` },
  ]);
}

/** `host:port` or `[v6]:port`; port 0 picks a free one. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw invalid("listen", value, "host:port, e.g. 127.0.0.1:8080 or [::1]:8080");
  return { host: m[1] ?? m[2]!, port };
}

export function parseRepo(value: string | undefined): { owner: string; repo: string } {
  const m = /^([A-Za-z0-9_.-]{1,100})\/([A-Za-z0-9_.-]{1,100})$/.exec(value ?? "");
  if (!m)
    throw invalid(
      "repo",
      value ?? "",
      "owner/name of the repository whose workflow builds (--builder github)",
    );
  return { owner: m[1]!, repo: m[2]! };
}

/** An http(s) base URL without query or fragment; trailing slashes dropped. */
export function parsePublicUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username)
    throw invalid("public-url", value, "an http:// or https:// URL such as https://kmodforge.example.org");
  return url.href.replace(/\/+$/, "");
}
