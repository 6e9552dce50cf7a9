import { pointerAsset } from "../../core/publish/generations.js";
import { indexFolder } from "../../core/publish/layout.js";
import type { ArtifactStore } from "../../core/publish/store.js";
import type { ArtifactRef } from "../../core/service/build-record.js";
import type { LookupAnswer } from "../publish/lookup.js";

/**
 * Where clients download what the service names. GitHub and S3 stores have URLs of their own; a directory store's
 * are file:// URLs only this machine can open, so the service serves that store itself under `/store/` and names
 * those URLs instead.
 */
export type Locate = (folder: string, asset: string) => string;

export function servesStore(store: ArtifactStore): boolean {
  return store.url.startsWith("file:");
}

/**
 * `publicUrl` is asked for at each use: with `--listen <host>:0` the service's own address is known only once it
 * listens.
 */
export function publicLocator(store: ArtifactStore, publicUrl: () => string): Locate {
  if (!servesStore(store)) return (folder, asset) => store.locate(folder, asset);
  // Folder and asset names are one path segment of [A-Za-z0-9._-] (checkAssetPath): nothing to escape.
  return (folder, asset) => `${publicUrl()}/store/${folder}/${asset}`;
}

/** A found artifact as the service hands it out: every file (modules in the order the build listed them). */
export function artifactRef(answer: Extract<LookupAnswer, { found: true }>, locate: Locate): ArtifactRef {
  return {
    name: answer.entry.artifactName,
    driverVersion: answer.driverVersion,
    index: locate(indexFolder(answer.driverVersion), pointerAsset("index")),
    generation: answer.generation,
    files: answer.files.map((f) => ({
      role: f.role,
      file: f.file,
      ...(f.module ? { module: f.module } : {}),
      url: locate(answer.entry.shard, f.asset),
      sha256: f.sha256,
      size: f.size,
    })),
  };
}
