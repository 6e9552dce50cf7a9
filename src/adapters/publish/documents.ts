import type { KeyObject } from "node:crypto";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { KmodforgeError } from "../../core/errors.js";
import {
  type DocumentSpec,
  generationAsset,
  generationsIn,
  pointerAsset,
  prunable,
  signatureAsset,
} from "../../core/publish/generations.js";
import { serialiseDocument } from "../../core/publish/index-doc.js";
import { signDocument, verifyDocument } from "../../core/publish/signing.js";
import type { ArtifactStore } from "../../core/publish/store.js";

/**
 * Versioned documents (an index, the catalog) on an artifact store, swapped atomically and merged safely when many
 * publishers write at once.
 *
 * Writers: list the folder to find the newest generation N, apply their change to it and create N+1 with
 * create-if-absent (the one serialisation point; every backend has it: link(), `If-None-Match: *`, GitHub's
 * unique asset names). A writer that loses re-reads and re-applies on top of the winner. Then the pointer
 * (`<name>.json`, what readers GET) is set to a copy of the newest generation. Pointer writes cannot be ordered
 * on every backend (moto ignores `If-Match`, GitHub has no conditional replace), so after each write a writer
 * re-checks and repeats until the pointer is at least the newest generation it can list: the last writer always
 * leaves the pointer at the newest generation, and an older pointer is still a complete, valid index.
 */

export interface Signer {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface LoadedDocument<T> {
  value: T;
  bytes: Buffer;
  generation: number;
}

const generationField = z.object({ generation: z.number().int().positive() });

/** The generation a document's bytes claim (before anything else in them is trusted), or undefined. */
export function claimedGeneration(bytes: Buffer): number | undefined {
  try {
    const r = generationField.safeParse(JSON.parse(bytes.toString("utf8")));
    return r.success ? r.data.generation : undefined;
  } catch {
    return undefined;
  }
}

export function parseDocument<T extends { generation: number }>(spec: DocumentSpec<T>, bytes: Buffer): T {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw corrupt(spec, `not JSON: ${(err as Error).message}`);
  }
  const r = spec.schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw corrupt(spec, `${i?.path.join(".") || "(root)"}: ${i?.message}`);
  }
  return r.data;
}

function corrupt(spec: DocumentSpec<{ generation: number }>, detail: string): KmodforgeError {
  return new KmodforgeError(
    "STATE_CONFLICT",
    `${spec.folder}/${spec.name}.json is not a valid ${spec.name}: ${detail}`,
    {
      folder: spec.folder,
    },
  );
}

async function pause(attempt: number): Promise<void> {
  const jitter = randomBytes(1)[0]! / 255;
  await new Promise((r) => setTimeout(r, Math.min(25 * attempt, 500) * (0.5 + jitter)));
}

async function assetNames(store: ArtifactStore, folder: string): Promise<string[]> {
  return (await store.list(folder)).map((a) => a.name);
}

/** The newest generation by listing (what writers build on); undefined for a folder without one. */
export async function readNewest<T extends { generation: number }>(
  store: ArtifactStore,
  spec: DocumentSpec<T>,
): Promise<(LoadedDocument<T> & { signed: boolean }) | undefined> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const names = await assetNames(store, spec.folder);
    const newest = generationsIn(spec.name, names)[0];
    if (newest === undefined) return undefined;
    const r = await store.read(spec.folder, generationAsset(spec.name, newest));
    // Absent: pruned between the listing and the read; list again.
    if (r.kind !== "found") continue;
    const value = parseDocument(spec, r.body);
    if (value.generation !== newest) throw corrupt(spec, `generation ${newest} claims ${value.generation}`);
    return {
      value,
      bytes: r.body,
      generation: newest,
      signed: names.includes(signatureAsset(spec.name, newest)),
    };
  }
  throw new KmodforgeError("STATE_CONFLICT", `could not read the newest ${spec.name} of ${spec.folder}`);
}

/** Signs a generation once (ed25519 is deterministic, so racing signers write the same bytes). */
async function ensureSignature(
  store: ArtifactStore,
  spec: DocumentSpec<{ generation: number }>,
  generation: number,
  bytes: Buffer,
  signer: Signer,
): Promise<void> {
  const name = signatureAsset(spec.name, generation);
  const outcome = await store.create(spec.folder, name, signDocument(signer.privateKey, bytes));
  if (outcome === "created") return;
  const existing = await store.read(spec.folder, name);
  if (existing.kind !== "found" || !verifyDocument(signer.publicKey, bytes, existing.body))
    throw new KmodforgeError(
      "INDEX_SIGNATURE_INVALID",
      `${spec.folder}/${name} exists but is not this key's signature of generation ${generation}`,
    );
}

/** Refuses to build on a generation this key did not sign, or to leave a signed document unsigned. */
function checkBase(
  spec: DocumentSpec<{ generation: number }>,
  base: { signed: boolean; bytes: Buffer; generation: number } | undefined,
  signer: Signer | undefined,
  signature: Buffer | undefined,
): void {
  if (!base) return;
  if (!signer && base.signed)
    throw new KmodforgeError(
      "CONFIG_INVALID",
      `${spec.folder}/${spec.name}.json is signed; publish with the signing key (--sign-key) to keep it signed`,
    );
  if (signer && base.signed && !(signature && verifyDocument(signer.publicKey, base.bytes, signature)))
    throw new KmodforgeError(
      "INDEX_SIGNATURE_INVALID",
      `${spec.folder}/${generationAsset(spec.name, base.generation)} does not verify with the signing key's public half`,
    );
}

/**
 * Sets the pointer to the newest generation and re-checks until nothing newer appears. Every creator of a
 * generation runs this after creating it, so the last one to finish leaves the pointer at the newest generation.
 */
export async function advancePointer(
  store: ArtifactStore,
  spec: DocumentSpec<{ generation: number }>,
  signer?: Signer,
): Promise<number> {
  const pointer = pointerAsset(spec.name);
  for (let attempt = 1; attempt <= 50; attempt++) {
    const current = await store.read(spec.folder, pointer);
    const pointed = current.kind === "found" ? (claimedGeneration(current.body) ?? 0) : 0;
    const newest = generationsIn(spec.name, await assetNames(store, spec.folder))[0] ?? 0;
    if (newest === 0) return pointed;
    const generation = await store.read(spec.folder, generationAsset(spec.name, newest));
    if (generation.kind !== "found") continue;
    // Settled when the pointer holds the newest generation's bytes. A pointer past the newest generation, or at it
    // with other bytes, was written by something other than a publisher (the listing follows the read, so it shows
    // every generation a publisher could have pointed at) and is put back.
    if (pointed === newest && current.kind === "found" && current.body.equals(generation.body))
      return pointed;
    if (signer) await ensureSignature(store, spec, newest, generation.body, signer);
    const expect =
      current.kind === "found" ? (current.etag ? { ifMatch: current.etag } : {}) : { ifAbsent: true };
    if ((await store.replace(spec.folder, pointer, generation.body, expect)) === "conflict")
      await pause(attempt);
  }
  throw new KmodforgeError("STATE_CONFLICT", `the ${spec.name} pointer of ${spec.folder} did not settle`);
}

async function prune(store: ArtifactStore, spec: DocumentSpec<{ generation: number }>): Promise<void> {
  for (const name of prunable(spec.name, await assetNames(store, spec.folder)))
    await store.remove(spec.folder, name);
}

export interface CommitResult<T> {
  /** The document after the commit (the newest one when nothing changed); undefined if there is none. */
  value?: T;
  changed: boolean;
  /** Commits lost to other writers before this one landed. */
  retries: number;
}

/**
 * Applies `update` to the newest generation and commits the result as the next one, re-applying on top of any
 * writer that committed first. `update` returns undefined when there is nothing to change; it may run several
 * times, each time on a newer base, and its last run is the one committed.
 */
export async function commitDocument<T extends { generation: number }>(
  store: ArtifactStore,
  spec: DocumentSpec<T>,
  update: (current: T | undefined) => Omit<T, "generation"> | undefined,
  options: { signer?: Signer; maxAttempts?: number } = {},
): Promise<CommitResult<T>> {
  const maxAttempts = options.maxAttempts ?? 200;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const base = await readNewest(store, spec);
    const signature =
      base?.signed && options.signer
        ? await store.read(spec.folder, signatureAsset(spec.name, base.generation))
        : undefined;
    checkBase(spec, base, options.signer, signature?.kind === "found" ? signature.body : undefined);
    const next = update(base?.value);
    if (!next) {
      await advancePointer(store, spec, options.signer);
      return { ...(base ? { value: base.value } : {}), changed: false, retries: attempt - 1 };
    }
    const generation = (base?.generation ?? 0) + 1;
    const bytes = serialiseDocument({ ...next, generation });
    const outcome = await store.create(spec.folder, generationAsset(spec.name, generation), bytes);
    if (outcome === "full")
      throw new KmodforgeError(
        "STATE_CONFLICT",
        `${spec.folder} has no room for another ${spec.name} generation`,
      );
    if (outcome === "created") {
      if (options.signer) await ensureSignature(store, spec, generation, bytes, options.signer);
      await advancePointer(store, spec, options.signer);
      await prune(store, spec);
      return { value: parseDocument(spec, bytes), changed: true, retries: attempt - 1 };
    }
    await pause(attempt);
  }
  throw new KmodforgeError(
    "STATE_CONFLICT",
    `could not commit ${spec.folder}/${spec.name} after ${maxAttempts} attempts`,
  );
}
