import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local HTTP server for tests: serves fixture bodies by path and injects faults per route, so every adapter is
 * exercised over a real socket (timeouts, resets and truncation included), never by stubbing our own functions.
 */

export type Fault =
  | { kind: "status"; status: number; body?: string }
  | { kind: "reset" }
  | { kind: "hang" }
  | { kind: "truncate"; keepBytes: number }
  | { kind: "slow"; delayMs: number }
  | { kind: "flaky"; failures: number; status?: number }
  /** Answers with a redirect status and this Location (absent: a redirect without one). */
  | { kind: "redirect"; status?: number; location?: string };

export interface Route {
  body?: Buffer | string;
  headers?: Record<string, string>;
  fault?: Fault;
  handler?: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

export interface FixtureServer {
  url: string;
  port: number;
  /** Requests seen, in order, as `METHOD path`. */
  requests: string[];
  route(path: string, route: Route): void;
  /** Answers every request no route matches (a REST fake with ids in its paths). */
  fallback(handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): void;
  close(): Promise<void>;
}

export async function startFixtureServer(routes: Record<string, Route> = {}): Promise<FixtureServer> {
  const table = new Map<string, Route>(Object.entries(routes));
  const flakyCounts = new Map<string, number>();
  const requests: string[] = [];
  const sockets = new Set<import("node:net").Socket>();
  let fallback: ((req: IncomingMessage, res: ServerResponse) => void | Promise<void>) | undefined;

  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requests.push(`${req.method} ${path}`);
    const route = table.get(path) ?? table.get(decodeURIComponent(path));
    if (!route && fallback) {
      await fallback(req, res);
      return;
    }
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    if (route.handler) {
      await route.handler(req, res);
      return;
    }
    const body = Buffer.isBuffer(route.body) ? route.body : Buffer.from(route.body ?? "");
    const fault = route.fault;
    if (fault?.kind === "status") {
      res.writeHead(fault.status, { "content-type": "text/plain" }).end(fault.body ?? "");
      return;
    }
    if (fault?.kind === "redirect") {
      const location = fault.location === undefined ? {} : { location: fault.location };
      res
        .writeHead(fault.status ?? 302, { "content-type": "text/html", ...location })
        .end("<html>moved</html>");
      return;
    }
    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "hang") return; // never answers; the client's timeout must fire
    if (fault?.kind === "flaky") {
      const seen = flakyCounts.get(path) ?? 0;
      flakyCounts.set(path, seen + 1);
      if (seen < fault.failures) {
        res.writeHead(fault.status ?? 503).end("try again");
        return;
      }
    }
    if (fault?.kind === "slow") await new Promise((r) => setTimeout(r, fault.delayMs));
    const headers = {
      "content-type": "application/octet-stream",
      "content-length": String(body.length),
      ...route.headers,
    };
    if (fault?.kind === "truncate") {
      res.writeHead(200, headers);
      // Destroy only once the partial body is flushed; destroying at once drops it and looks like a reset.
      res.write(body.subarray(0, fault.keepBytes), () => req.socket.destroy());
      return;
    }
    if (req.headers["if-none-match"] && route.headers?.etag === req.headers["if-none-match"]) {
      res.writeHead(304).end();
      return;
    }
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    route: (path, route) => {
      table.set(path, route);
    },
    fallback: (handler) => {
      fallback = handler;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
