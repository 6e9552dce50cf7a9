import type { z } from "zod";

/**
 * Names of a versioned document (the index of a driver version, the store's catalog) inside its folder:
 *
 *   <name>.json                    the pointer: a byte-for-byte copy of the newest generation (what readers GET)
 *   <name>.0000000042.json         generation 42, created once (create-if-absent decides between racing writers)
 *   <name>.0000000042.json.sig     ed25519 signature over the bytes of generation 42 (and so of the pointer)
 *
 * The generation number is also inside the document, so a reader of the pointer knows which signature to check.
 */

export type DocumentName = "index" | "catalog";

/** A versioned document: its name, its folder and the schema its bytes must satisfy. */
export interface DocumentSpec<T extends { generation: number }> {
  name: DocumentName;
  folder: string;
  schema: z.ZodType<T>;
}

/** Generations kept when pruning: enough for readers that fetched the pointer a moment ago. */
export const KEEP_GENERATIONS = 20;

export function pointerAsset(name: DocumentName): string {
  return `${name}.json`;
}

export function generationAsset(name: DocumentName, generation: number): string {
  if (!Number.isInteger(generation) || generation < 1 || generation > 9_999_999_999)
    throw new RangeError(`invalid generation ${generation}`);
  return `${name}.${String(generation).padStart(10, "0")}.json`;
}

export function signatureAsset(name: DocumentName, generation: number): string {
  return `${generationAsset(name, generation)}.sig`;
}

/** The generation an asset name holds (`index.0000000042.json` → 42), or undefined for any other name. */
export function generationOf(name: DocumentName, asset: string): number | undefined {
  const m = new RegExp(`^${name}\\.(\\d{10})\\.json$`).exec(asset);
  return m ? Number(m[1]) : undefined;
}

/** Generations present among the asset names, newest first. */
export function generationsIn(name: DocumentName, assets: readonly string[]): number[] {
  return assets
    .map((a) => generationOf(name, a))
    .filter((g): g is number => g !== undefined && g > 0)
    .sort((a, b) => b - a);
}

/** Assets of generations older than the newest `keep` (documents and their signatures): safe to delete. */
export function prunable(name: DocumentName, assets: readonly string[], keep = KEEP_GENERATIONS): string[] {
  const old = new Set(generationsIn(name, assets).slice(keep));
  return assets.filter((a) => {
    const g = generationOf(name, a.replace(/\.sig$/, ""));
    return g !== undefined && old.has(g);
  });
}
