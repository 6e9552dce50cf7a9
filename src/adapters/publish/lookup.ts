import { createHash, type KeyObject } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ChecksumMismatchError, KmodforgeError } from "../../core/errors.js";
import type { KernelIdentity } from "../../core/identity.js";
import { CATALOG_SPEC, newestDriverVersion } from "../../core/publish/catalog.js";
import { type DocumentSpec, pointerAsset, signatureAsset } from "../../core/publish/generations.js";
import {
  type ArtifactIndex,
  type EntryFile,
  entryFiles,
  type IndexEntry,
  indexSpec,
} from "../../core/publish/index-doc.js";
import { verifyDocument } from "../../core/publish/signing.js";
import type { ArtifactStore } from "../../core/publish/store.js";
import { entryId } from "../../core/sweep/matrix.js";
import { tempBeside } from "../temp-name.js";
import { claimedGeneration, type LoadedDocument, parseDocument, readNewest } from "./documents.js";
import type { ReadCache } from "./read-cache.js";

/**
 * Lookup: answers "is there a verified artifact for this identity and driver version, and where?" from the
 * published index — one conditional GET of index.json (plus, with a public key, its generation's signature, which
 * never changes and is cached). With a public key an index whose signature does not verify is refused.
 */

export interface LookupRequest extends IndexRequest {
  identity: Pick<KernelIdentity, "distro" | "distroVersion" | "arch" | "kernelRelease">;
}

/** A file of a found artifact and where a consumer downloads it. */
export type LocatedFile = EntryFile & { url: string };

export type LookupAnswer =
  | {
      found: true;
      driverVersion: string;
      generation: number;
      index: string;
      entry: IndexEntry;
      files: LocatedFile[];
    }
  | {
      found: false;
      driverVersion?: string;
      reason: "no-driver-version" | "no-index" | "no-entry";
      index?: string;
    };

function signatureFault(spec: DocumentSpec<{ generation: number }>, detail: string): KmodforgeError {
  return new KmodforgeError("INDEX_SIGNATURE_INVALID", `${spec.folder}/${spec.name}.json: ${detail}`, {
    folder: spec.folder,
  });
}

/** The published document as readers see it (pointer; the newest generation while a GitHub pointer is replaced). */
export async function readPublished<T extends { generation: number }>(
  store: ArtifactStore,
  spec: DocumentSpec<T>,
  cache: ReadCache,
  publicKey?: KeyObject,
  options: { fresh?: boolean } = {},
): Promise<LoadedDocument<T> | undefined> {
  for (let attempt = 0; ; attempt++) {
    const fresh = attempt > 0 || options.fresh === true;
    const pointer = await cache.read(store, spec.folder, pointerAsset(spec.name), { fresh });
    let bytes: Buffer;
    let cached = false;
    if (pointer.kind === "found") {
      bytes = pointer.body;
      cached = pointer.fromCache;
    } else {
      const newest = await readNewest(store, spec);
      if (!newest) return undefined;
      bytes = newest.bytes;
    }
    if (publicKey) {
      const generation = cache.remember(`generation ${store.url} ${spec.folder}`, [bytes], () =>
        claimedGeneration(bytes),
      );
      if (generation === undefined)
        throw signatureFault(spec, "names no generation, so no signature applies");
      const sig = await cache.read(store, spec.folder, signatureAsset(spec.name, generation), {
        immutable: true,
        fresh,
      });
      const valid =
        sig.kind === "found" &&
        cache.remember(`verify ${store.url} ${spec.folder}`, [publicKey, bytes, sig.body], () =>
          verifyDocument(publicKey, bytes, sig.body),
        );
      // A cached copy or a pointer pruned past its signature gets one fresh look before the verdict.
      if (!valid && attempt === 0 && (cached || sig.kind === "absent" || sig.fromCache)) continue;
      if (sig.kind !== "found") throw signatureFault(spec, `generation ${generation} has no signature`);
      if (!valid) throw signatureFault(spec, `the signature of generation ${generation} does not verify`);
    }
    // Parsing a large index is the costly part of a lookup; a service with a memory layer does it once per generation.
    const value = cache.remember(`parse ${store.url} ${spec.folder}/${spec.name}`, [bytes], () =>
      parseDocument(spec, bytes),
    );
    return { value, bytes, generation: value.generation };
  }
}

/** Located files per parsed entry: a service answering the same index generation locates each entry once. */
const located = new WeakMap<IndexEntry, { store: string; files: LocatedFile[] }>();

function locate(store: ArtifactStore, entry: IndexEntry): LocatedFile[] {
  const known = located.get(entry);
  if (known?.store === store.url) return known.files;
  const files = entryFiles(entry).map((f) => ({ ...f, url: store.locate(entry.shard, f.asset) }));
  located.set(entry, { store: store.url, files });
  return files;
}

/** Which index a reader means: the given driver version's, else the newest one in the store's catalog. */
export interface IndexRequest {
  /** Default: the newest driver version in the store's catalog. */
  driverVersion?: string;
  publicKey?: KeyObject;
  cache: ReadCache;
  /** Ask the store now, past every cache layer (a service checking what a build it followed just published). */
  fresh?: boolean;
}

export type IndexAnswer =
  | { kind: "no-driver-version" }
  | { kind: "no-index"; driverVersion: string; url: string }
  | { kind: "found"; driverVersion: string; url: string; index: LoadedDocument<ArtifactIndex> };

/** Reads (and with a public key, verifies) the published index a request means. */
export async function readIndex(store: ArtifactStore, request: IndexRequest): Promise<IndexAnswer> {
  let driverVersion = request.driverVersion;
  if (!driverVersion) {
    const catalog = await readPublished(store, CATALOG_SPEC, request.cache, request.publicKey, request);
    driverVersion = catalog ? newestDriverVersion(catalog.value) : undefined;
    if (!driverVersion) return { kind: "no-driver-version" };
  }
  const spec = indexSpec(driverVersion);
  const url = store.locate(spec.folder, pointerAsset("index"));
  const index = await readPublished(store, spec, request.cache, request.publicKey, request);
  return index ? { kind: "found", driverVersion, url, index } : { kind: "no-index", driverVersion, url };
}

export async function lookupArtifact(store: ArtifactStore, request: LookupRequest): Promise<LookupAnswer> {
  const read = await readIndex(store, request);
  if (read.kind === "no-driver-version") return { found: false, reason: "no-driver-version" };
  const { driverVersion, url } = read;
  if (read.kind === "no-index") return { found: false, driverVersion, reason: "no-index", index: url };
  const entry = read.index.value.entries[entryId(request.identity)];
  if (!entry) return { found: false, driverVersion, reason: "no-entry", index: url };
  return {
    found: true,
    driverVersion,
    generation: read.index.generation,
    index: url,
    entry,
    files: locate(store, entry),
  };
}

/**
 * Downloads a found artifact into `<dir>/<artifact name>/` with the file names the build wrote, refusing any byte
 * whose SHA-256 differs from the index. Nothing is written until every file verified; the directory appears whole.
 */
export async function downloadArtifact(
  store: ArtifactStore,
  answer: Extract<LookupAnswer, { found: true }>,
  dir: string,
): Promise<string> {
  const verified: Array<{ file: string; body: Buffer }> = [];
  for (const f of answer.files) {
    const r = await store.read(answer.entry.shard, f.asset);
    if (r.kind !== "found")
      throw new KmodforgeError(
        "ARTIFACT_NOT_FOUND",
        `the index names ${f.url}, but the store has no such asset`,
        {
          url: f.url,
        },
      );
    const actual = createHash("sha256").update(r.body).digest("hex");
    if (actual !== f.sha256 || r.body.length !== f.size)
      throw new ChecksumMismatchError(f.url, f.sha256, actual);
    verified.push({ file: f.file, body: r.body });
  }
  const target = join(dir, answer.entry.artifactName);
  const partial = tempBeside(target, "partial");
  await mkdir(partial, { recursive: true });
  for (const v of verified) await writeFile(join(partial, v.file), v.body);
  await rm(target, { recursive: true, force: true });
  await rename(partial, target);
  return target;
}
