import { afterEach, describe, expect, it } from "vitest";
import type { LinkLimits } from "../../src/adapters/sources/link-io.js";
import type { LinkOutcome, MissReason, ResolveContext } from "../../src/core/headers/types.js";
import { type Fault, type FixtureServer, type Route, startFixtureServer } from "./fixture-server.js";
import { context } from "./source-fixtures.js";

/**
 * Fault tables for the source links: each fault is injected on one route of a fresh fixture server; the link must
 * answer with the typed miss, within the time limit, and offer nothing as found.
 */

export interface LinkCase {
  name: string;
  serve(s: FixtureServer): void;
  run(s: FixtureServer, ctx: ResolveContext, limits: Partial<LinkLimits>): Promise<LinkOutcome>;
  faults: Array<{
    what: string;
    path: string;
    route: Route;
    limits?: Partial<LinkLimits>;
    reason: MissReason;
  }>;
}

export const fault = (f: Fault): Route => ({ fault: f });

const FAST: Partial<LinkLimits> = { timeoutMs: 400 };

export function runFaultCases(cases: LinkCase[]): void {
  let server: FixtureServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  for (const c of cases) {
    describe(`${c.name} under faults`, () => {
      for (const f of c.faults) {
        it(`${f.what} → ${f.reason}`, async () => {
          server = await startFixtureServer();
          c.serve(server);
          server.route(f.path, f.route);
          const started = Date.now();
          const out = await c.run(server, await context(), { ...FAST, ...f.limits });
          expect(Date.now() - started).toBeLessThan(5000);
          expect(out.found).toEqual([]);
          expect(out.misses.map((m) => m.reason)).toContain(f.reason);
        });
      }
    });
  }
}
