import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import {
  type HttpClient,
  HttpFailure,
  type HttpGetOptions,
  type HttpResponse,
} from "../../src/core/headers/types.js";

/**
 * HTTP client for the source-link tests: createHttpClient from src/adapters/http.ts when it exists, otherwise a
 * minimal node:http client with the same failure typing (a reset before the response is `unreachable`, a body cut
 * short is `truncated`, plus timeout and size cap).
 */
export async function sourcesHttpClient(): Promise<HttpClient> {
  const path = "../../src/adapters/http.js";
  try {
    const mod = (await import(path)) as { createHttpClient?: (o?: Record<string, unknown>) => HttpClient };
    if (mod.createHttpClient) return mod.createHttpClient({ retries: 0 });
  } catch {
    // not there yet
  }
  return { get: minimalGet };
}

function minimalGet(url: string, options: HttpGetOptions = {}): Promise<HttpResponse> {
  const max = options.maxBytes ?? Number.POSITIVE_INFINITY;
  return new Promise((resolve, reject) => {
    const send = url.startsWith("https:") ? httpsRequest : httpRequest;
    let gotResponse = false;
    const req = send(url, { method: "GET", timeout: options.timeoutMs ?? 10_000 }, (res) => {
      gotResponse = true;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers[k] = v;
      const declared = Number(headers["content-length"] ?? Number.NaN);
      if (declared > max) {
        req.destroy();
        reject(new HttpFailure("too-large", url, `${declared} bytes exceeds ${max}: ${url}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > max) {
          req.destroy();
          reject(new HttpFailure("too-large", url, `more than ${max} bytes: ${url}`));
          return;
        }
        chunks.push(c);
      });
      res.on("error", () =>
        reject(new HttpFailure("truncated", url, `body ended early after ${size} bytes`)),
      );
      res.on("aborted", () =>
        reject(new HttpFailure("truncated", url, `body ended early after ${size} bytes`)),
      );
      res.on("end", () => {
        if (Number.isFinite(declared) && size !== declared) {
          reject(new HttpFailure("truncated", url, `got ${size} of ${declared} bytes`));
          return;
        }
        const status = res.statusCode ?? 0;
        if (status >= 400)
          reject(new HttpFailure(status === 404 ? "not-found" : "http-error", url, `HTTP ${status}`, status));
        else resolve({ status, body: Buffer.concat(chunks), headers, url });
      });
    });
    req.on("timeout", () => {
      req.destroy();
      reject(new HttpFailure("timeout", url, `timed out: ${url}`));
    });
    req.on("error", (e) => {
      if (!gotResponse)
        reject(
          new HttpFailure("unreachable", url, `${(e as NodeJS.ErrnoException).code ?? e.message}: ${url}`),
        );
    });
    options.signal?.addEventListener("abort", () => req.destroy(new Error("aborted")));
    req.end();
  });
}
