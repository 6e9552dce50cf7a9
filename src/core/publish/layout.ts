import type { Distro } from "../../distros/adapter.js";
import { KmodforgeError } from "../errors.js";
import { escapeField } from "../naming.js";

/**
 * Where published things live in an artifact store. Every backend has the same two-level layout: folders (a GitHub
 * release, a directory, an S3 prefix) holding flat assets.
 *
 *   kmodforge/                                     catalog: catalog.json, catalog.<generation>.json[.sig]
 *   kmodforge_<driver>/                            index:   index.json, index.<generation>.json[.sig]
 *   kmodforge_<driver>_<distro>-<version>_<n>/     shard n of one distribution version: <build>.<file> assets
 *
 * Fields are escaped with the artifact-name rules (naming.ts), so `_` followed by a letter or digit always
 * separates fields and no two (driver, distribution, version, shard) tuples share a folder name.
 */

export const CATALOG_FOLDER = "kmodforge";

/** At most this many assets per GitHub release (GitHub answers 422 `file_count` beyond it). */
export const GITHUB_RELEASE_ASSET_CAP = 1000;

export function indexFolder(driverVersion: string): string {
  return `${CATALOG_FOLDER}_${escapeField(driverVersion)}`;
}

export function shardFolder(
  driverVersion: string,
  distro: Distro,
  distroVersion: string,
  shard: number,
): string {
  return `${indexFolder(driverVersion)}_${escapeField(`${distro}-${distroVersion}`)}_${shard}`;
}

/** A build is named by the first 16 hex digits of the SHA-256 of its metadata.json: unique per build. */
export const BUILD_ID = /^[0-9a-f]{16}$/;

/**
 * The asset name of one file of a build. The build id keeps two builds of one identity (a forced re-publish, two
 * racing jobs) from ever writing the same asset, so an index never names bytes that were replaced under it.
 */
export function assetName(buildId: string, file: string): string {
  return `${buildId}.${file}`;
}

/**
 * The sharding rule: the first shard (1-based) whose asset count leaves room for `needed` more assets, or a new
 * shard after the last one. All assets of one build go to one shard, so the index names one shard per entry.
 */
export function placeInShard(occupancy: readonly number[], needed: number, cap: number): number {
  if (needed > cap)
    throw new KmodforgeError(
      "INVALID_INPUT",
      `an artifact of ${needed} files does not fit a store folder of at most ${cap} assets`,
      { needed, cap },
    );
  const free = occupancy.findIndex((count) => count + needed <= cap);
  return free === -1 ? occupancy.length + 1 : free + 1;
}
