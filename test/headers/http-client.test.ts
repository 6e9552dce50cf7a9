import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpClient, MAX_REDIRECTS, redirectTarget } from "../../src/adapters/http.js";
import { HttpFailure } from "../../src/core/headers/types.js";
import { type FixtureServer, startFixtureServer } from "../support/fixture-server.js";

/** The HTTP client every link uses: retries with backoff on transient failures only, timeouts, caps, caching. */

let server: FixtureServer;
const hits = (path: string) => server.requests.filter((r) => r === `GET ${path}`).length;

beforeAll(async () => {
  server = await startFixtureServer({
    "/flaky": { body: "eventually", fault: { kind: "flaky", failures: 2, status: 503 } },
    "/missing-forever": { fault: { kind: "status", status: 404 } },
    "/broken": { fault: { kind: "status", status: 500 } },
    "/forbidden": { fault: { kind: "status", status: 403 } },
    "/hang": { fault: { kind: "hang" } },
    "/big": { body: Buffer.alloc(4096, 1) },
    "/cut": { body: Buffer.alloc(4096, 2), fault: { kind: "truncate", keepBytes: 100 } },
    "/index": { body: "index body", headers: { etag: '"v1"' } },
    "/pool/file.deb": { body: "the real package" },
    "/dists/moved-relative": { fault: { kind: "redirect", location: "../pool/file.deb" } },
    "/hop1": { fault: { kind: "redirect", status: 307, location: "/hop2" } },
    "/hop2": { fault: { kind: "redirect", status: 308, location: "/pool/file.deb" } },
    "/loop": { fault: { kind: "redirect", location: "/loop" } },
    "/no-location": { fault: { kind: "redirect" } },
    "/to-ftp": { fault: { kind: "redirect", location: "ftp://127.0.0.1/pool/file.deb" } },
    "/to-missing": { fault: { kind: "redirect", location: "/missing-forever" } },
    "/unasked-304": { fault: { kind: "status", status: 304 } },
    "/multiple-choices": { fault: { kind: "status", status: 300 } },
  });
  server.route("/moved-absolute", {
    fault: { kind: "redirect", status: 301, location: `${server.url}/pool/file.deb` },
  });
});
afterAll(async () => server.close());

const failure = async (p: Promise<unknown>) => {
  const e = await p.catch((err: unknown) => err);
  expect(e).toBeInstanceOf(HttpFailure);
  return e as HttpFailure;
};

describe("http client", () => {
  it("retries a transient 503 with backoff and succeeds", async () => {
    const http = createHttpClient({ retries: 3, backoffMs: 5 });
    const res = await http.get(`${server.url}/flaky`);
    expect(res.body.toString()).toBe("eventually");
    expect(hits("/flaky")).toBe(3);
  });

  it("never retries a 404 or another 4xx", async () => {
    const http = createHttpClient({ retries: 3, backoffMs: 5 });
    expect((await failure(http.get(`${server.url}/missing-forever`))).reason).toBe("not-found");
    expect((await failure(http.get(`${server.url}/forbidden`))).status).toBe(403);
    expect(hits("/missing-forever")).toBe(1);
    expect(hits("/forbidden")).toBe(1);
  });

  it("gives up on a persistent 500 after its retries", async () => {
    const http = createHttpClient({ retries: 2, backoffMs: 5 });
    expect((await failure(http.get(`${server.url}/broken`))).reason).toBe("http-error");
    expect(hits("/broken")).toBe(3);
  });

  it("times out instead of hanging", async () => {
    const http = createHttpClient({ retries: 0 });
    expect((await failure(http.get(`${server.url}/hang`, { timeoutMs: 300 }))).reason).toBe("timeout");
  });

  it("refuses bodies over the cap and detects truncation", async () => {
    const http = createHttpClient({ retries: 0 });
    expect((await failure(http.get(`${server.url}/big`, { maxBytes: 1000 }))).reason).toBe("too-large");
    expect((await failure(http.get(`${server.url}/cut`))).reason).toBe("truncated");
  });

  it("reports an unreachable host", async () => {
    const http = createHttpClient({ retries: 0 });
    expect((await failure(http.get("http://127.0.0.1:1/x"))).reason).toBe("unreachable");
  });

  it("downloads a cacheable index once and revalidates it with its ETag", async () => {
    const http = createHttpClient({ retries: 0 });
    const [a, b] = await Promise.all([
      http.get(`${server.url}/index`, { cacheable: true }),
      http.get(`${server.url}/index`, { cacheable: true }),
    ]);
    expect(a.body.toString()).toBe("index body");
    expect(b.body.toString()).toBe("index body");
    expect(hits("/index")).toBe(1);
    const bytesBefore = http.bytesDownloaded();
    const c = await http.get(`${server.url}/index`, { cacheable: true });
    expect(c.body.toString()).toBe("index body");
    expect(hits("/index")).toBe(2);
    expect(http.bytesDownloaded()).toBe(bytesBefore);
  });

  it("follows relative, absolute and chained redirects to the file", async () => {
    const http = createHttpClient({ retries: 0 });
    for (const path of ["/dists/moved-relative", "/moved-absolute", "/hop1"]) {
      const res = await http.get(`${server.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe("the real package");
      expect(res.url).toBe(`${server.url}/pool/file.deb`);
    }
  });

  it(`gives up after ${MAX_REDIRECTS} redirects and never retries a redirect fault`, async () => {
    const http = createHttpClient({ retries: 3, backoffMs: 5 });
    const err = await failure(http.get(`${server.url}/loop`));
    expect(err.reason).toBe("http-error");
    expect(err.message).toContain(`more than ${MAX_REDIRECTS} redirects`);
    expect(hits("/loop")).toBe(MAX_REDIRECTS + 1);
  });

  it("rejects a redirect without a usable Location, and a 404 at its end is not-found", async () => {
    const http = createHttpClient({ retries: 0 });
    expect((await failure(http.get(`${server.url}/no-location`))).message).toContain("without a Location");
    expect((await failure(http.get(`${server.url}/to-ftp`))).message).toContain("ftp:");
    const missing = await failure(http.get(`${server.url}/to-missing`));
    expect(missing.reason).toBe("not-found");
    expect(missing.url).toBe(`${server.url}/missing-forever`);
  });

  it("treats a 304 it did not ask for and any other 3xx as errors, not bodies", async () => {
    const http = createHttpClient({ retries: 0 });
    expect((await failure(http.get(`${server.url}/unasked-304`))).status).toBe(304);
    expect((await failure(http.get(`${server.url}/multiple-choices`))).status).toBe(300);
  });

  it("resolves Locations against the answering URL and never steps down from https to http", () => {
    expect(redirectTarget("https://a.example/dists/x/InRelease", 302, "../../pool/f.deb")).toBe(
      "https://a.example/pool/f.deb",
    );
    expect(redirectTarget("http://a.example/f", 301, "https://b.example/f")).toBe("https://b.example/f");
    expect(redirectTarget("https://a.example/f", 302, "https://b.example/g")).toBe("https://b.example/g");
    expect(() => redirectTarget("https://a.example/f", 302, "http://a.example/f")).toThrow(
      /https down to http/,
    );
    expect(() => redirectTarget("https://a.example/f", 302, "//b.example/f")).not.toThrow();
  });
});
