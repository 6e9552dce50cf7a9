import type { HeaderSource } from "../targets.js";
import { rpmFileName, type WantedRpm } from "./rpm-package.js";

/**
 * Koji keeps every build it ever made under `<hub>/packages/<source>/<version>/<release>/<arch>/<file>.rpm`.
 * Those top-level files are not GPG-signed; copies signed with a release key sit under
 * `<release>/data/signed/<keyid>/<arch>/`. Signed copies come first, in the link's key order.
 */

type KojiLink = Extract<HeaderSource, { kind: "koji" }>;

export interface KojiCandidateUrl {
  url: string;
  /** Key the copy is signed with, for `data/signed/<key>/` copies. */
  signedKey?: string;
}

/** The source package that builds a devel package: `kernel-rt-devel` → `kernel`, `kernel6.12-devel` → `kernel6.12`. */
export function kojiSourceName(binaryName: string): string {
  return binaryName.split("-")[0]!;
}

const KEY_ID = /^[0-9a-f]{8,40}$/;

export function kojiPackageUrls(link: KojiLink, want: WantedRpm): KojiCandidateUrl[] {
  const file = rpmFileName(want);
  if (!file || !want.version || !want.release) return [];
  const hub = link.hub.replace(/\/+$/, "");
  const build = `${hub}/packages/${kojiSourceName(want.name)}/${want.version}/${want.release}`;
  const signed = link.signedKeys
    .map((k) => k.toLowerCase())
    .filter((k) => KEY_ID.test(k))
    .map((key) => ({ url: `${build}/data/signed/${key}/${want.arch}/${file}`, signedKey: key }));
  return [...signed, { url: `${build}/${want.arch}/${file}` }];
}
