/**
 * Runs the SDK's real module entrypoint over our src/ the way the engine's runtime does (every .ts under src/ plus
 * a client.gen.ts), against whatever session DAGGER_SESSION_PORT points at. argv[2] = client.gen.ts path.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { entrypoint } from "@dagger.io/dagger";

const src = join(import.meta.dirname, "../../../src");
const files = readdirSync(src, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts"))
  .map((f) => join(src, f));
await entrypoint([...files, process.argv[2] as string]);
