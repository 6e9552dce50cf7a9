import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { dag } from "@dagger.io/dagger";
import { type FieldNode, Kind, parse, print, type ValueNode, valueFromASTUntyped } from "graphql";
import type { Kmodforge } from "../../../src/index.js";

/**
 * A stand-in for the Dagger session API: records every GraphQL document the SDK posts and answers by mirroring
 * the document's single selection path, with scripted leaf values. Nothing is executed.
 */

export interface CapturedStep {
  field: string;
  args: Record<string, unknown>;
}

export interface Captured {
  query: string;
  /** The selection path from the root to the leaf. */
  chain: CapturedStep[];
  authorization: string | undefined;
}

export type LeafAnswer = (leaf: string, chain: CapturedStep[]) => unknown;

/** Answers a whole level (e.g. a list) instead of descending; undefined means "descend as usual". */
export type LevelAnswer = (chain: CapturedStep[], depth: number) => unknown;

function argValue(node: ValueNode): unknown {
  return node.kind === Kind.VARIABLE ? `$${node.name.value}` : valueFromASTUntyped(node);
}

function chainOf(field: FieldNode): CapturedStep[] {
  const steps: CapturedStep[] = [];
  let current: FieldNode | undefined = field;
  while (current) {
    const args: Record<string, unknown> = {};
    for (const a of current.arguments ?? []) args[a.name.value] = argValue(a.value);
    steps.push({ field: current.name.value, args });
    // `node(id:) { ... on T { field } }`: the fragment is transparent to the path.
    let selections = current.selectionSet?.selections ?? [];
    const fragment = selections.find((s) => s.kind === Kind.INLINE_FRAGMENT);
    if (fragment && fragment.kind === Kind.INLINE_FRAGMENT) selections = fragment.selectionSet.selections;
    current = selections.find((s) => s.kind === Kind.FIELD) as FieldNode | undefined;
  }
  return steps;
}

function answer(chain: CapturedStep[], leaf: LeafAnswer, level?: LevelAnswer, depth = 0): unknown {
  const step = chain[depth];
  if (!step) return null;
  const last = depth === chain.length - 1;
  const whole = level?.(chain, depth);
  if (whole !== undefined) return { [step.field]: whole };
  return { [step.field]: last ? leaf(step.field, chain) : answer(chain, leaf, level, depth + 1) };
}

export interface FakeSession {
  port: number;
  token: string;
  captured: Captured[];
  close(): Promise<void>;
}

export async function startFakeSession(leaf: LeafAnswer, level?: LevelAnswer): Promise<FakeSession> {
  const captured: Captured[] = [];
  const token = "fake-session-token";
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      const { query } = JSON.parse(body) as { query: string };
      const doc = parse(query);
      const op = doc.definitions[0];
      const root =
        op?.kind === Kind.OPERATION_DEFINITION
          ? (op.selectionSet.selections.find((s) => s.kind === Kind.FIELD) as FieldNode | undefined)
          : undefined;
      const chain = root ? chainOf(root) : [];
      captured.push({ query: print(doc), chain, authorization: req.headers.authorization });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ data: answer(chain, leaf, level) }));
    });
  });
  // The SDK reuses keep-alive sockets across long pauses (the module scan takes seconds); node's 5 s default would
  // close them under the client and surface as "socket hang up".
  server.keepAliveTimeout = 600_000;
  server.headersTimeout = 601_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    token,
    captured,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Renders a chain compactly; fake IDs are this rendering, so an inlined ID shows what it stands for. */
export function renderChain(chain: readonly CapturedStep[]): string {
  return chain
    .map((s) => {
      const keys = Object.keys(s.args).sort();
      if (keys.length === 0) return s.field;
      return `${s.field}(${keys.map((k) => `${k}:${JSON.stringify(s.args[k])}`).join(",")})`;
    })
    .join(".");
}

/** The ID the fake hands out for a `{ … { id } }` pre-query: the chain it names, wrapped. */
export function fakeId(chain: readonly CapturedStep[]): string {
  return `ID<${renderChain(chain.slice(0, -1))}>`;
}

/**
 * Runs `body` with the kmodforge module connected to this fake session through the SDK's real send path: every
 * document the module's functions post lands in `session.captured`.
 */
export async function withModule(
  session: FakeSession,
  body: (module: Kmodforge, client: typeof dag) => Promise<void>,
): Promise<void> {
  process.env.DAGGER_SESSION_PORT = String(session.port);
  process.env.DAGGER_SESSION_TOKEN = session.token;
  // Imported once the session is named: the SDK reads the environment when it connects.
  const sdk = await import("@dagger.io/dagger");
  const { Kmodforge: Module } = await import("../../../src/index.js");
  await sdk.connection(() => body(new Module(), sdk.dag));
}
