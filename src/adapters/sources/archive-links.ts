import type { HeaderSourceKind, SourceByKind, SourceLink } from "../../core/headers/types.js";
import { createDebianSnapshotLink } from "./debian-snapshot.js";
import { createExplicitUrlLink } from "./explicit-url.js";
import { createKojiLink } from "./koji.js";
import { createLaunchpadLink } from "./launchpad.js";
import type { LinkLimits } from "./link-io.js";
import { createRpmRepoLink } from "./rpm-repo.js";
import { PrimaryIndexMemo } from "./rpm-repo-reader.js";
import { createVaultLink } from "./vault.js";

/** The link kinds other than apt, keyed by kind. */
export type ArchiveLinkKind = Exclude<HeaderSourceKind, "apt">;
export type ArchiveLinks = { [K in ArchiveLinkKind]: SourceLink<SourceByKind[K]> };

/**
 * Creates the rpm-repo, vault, explicit-url, koji, debian-snapshot and launchpad links. rpm-repo and vault share
 * one memo of scanned primary indexes, so a sweep reads each index once per process.
 */
export function createArchiveSourceLinks(options: { limits?: Partial<LinkLimits> } = {}): ArchiveLinks {
  const memo = new PrimaryIndexMemo();
  return {
    "rpm-repo": createRpmRepoLink({ ...options, memo }),
    vault: createVaultLink({ ...options, memo }),
    "explicit-url": createExplicitUrlLink(options),
    koji: createKojiLink(options),
    "debian-snapshot": createDebianSnapshotLink(options),
    launchpad: createLaunchpadLink(options),
  };
}
