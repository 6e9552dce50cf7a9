import { createHash, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { KmodforgeError } from "../../core/errors.js";

/**
 * What stands between a request and the service: bearer tokens (compared in constant time), a body size limit and
 * strict JSON decoding. A refusal is an HttpRefusal with the status to answer; nothing of a refused body is kept.
 */

export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Tokens are compared as SHA-256 digests: equal lengths for timingSafeEqual, whatever the caller sends. */
export class BearerTokens {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map((t) => createHash("sha256").update(t).digest());
  }

  get size(): number {
    return this.digests.length;
  }

  /** The matching token's short fingerprint (a rate-limit and log key that reveals nothing), or undefined. */
  check(header: string | undefined): string | undefined {
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header ?? "");
    if (!m) return undefined;
    const offered = createHash("sha256").update(m[1]!).digest();
    let match: Buffer | undefined;
    // Every token is compared, so the time taken does not say which one (or whether any) matched.
    for (const d of this.digests) if (timingSafeEqual(d, offered)) match = d;
    return match ? `token:${match.subarray(0, 6).toString("hex")}` : undefined;
  }
}

/** Tokens from `KMODFORGE_SERVICE_TOKENS` (comma or whitespace separated) and a token file (one per line, # comments). */
export async function loadTokens(env: string | undefined, file: string | undefined): Promise<string[]> {
  const split = (text: string) =>
    text
      .split(/\r?\n/)
      .map((l) => l.replace(/#.*$/, "").trim())
      .flatMap((l) => l.split(/[\s,]+/))
      .filter(Boolean);
  let fromFile: string[] = [];
  if (file) {
    try {
      fromFile = split(await readFile(file, "utf8"));
    } catch (err) {
      throw new KmodforgeError("CONFIG_INVALID", `token file ${file}: ${(err as Error).message}`);
    }
  }
  const tokens = [...split(env ?? ""), ...fromFile];
  const weak = tokens.filter((t) => t.length < 16 || !/^[\x21-\x7e]+$/.test(t));
  if (weak.length)
    throw new KmodforgeError(
      "CONFIG_INVALID",
      `${weak.length} service token(s) shorter than 16 characters or with spaces or control characters`,
    );
  return tokens;
}

/** Reads a body of at most `limit` bytes; a larger one is refused (413) without reading the rest. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

function tooLarge(limit: number): HttpRefusal {
  return new HttpRefusal(413, "BODY_TOO_LARGE", `the request body is larger than ${limit} bytes`);
}

/** A JSON body: `application/json`, UTF-8, parseable; anything else is refused before it is looked at. */
export function decodeJson(req: IncomingMessage, body: Buffer): unknown {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json")
    throw new HttpRefusal(415, "UNSUPPORTED_MEDIA_TYPE", "the request body must be application/json");
  const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  try {
    return JSON.parse(text.decode(body));
  } catch {
    // The parser's message quotes the body; a refusal never echoes what it refused.
    throw new HttpRefusal(400, "INVALID_JSON", "the request body is not valid UTF-8 JSON");
  }
}
