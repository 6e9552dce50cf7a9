import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Arch } from "../../src/core/arch.js";
import { type KernelIdentity, parseIdentity } from "../../src/core/identity.js";
import type { HeaderSource, VersionTarget } from "../../src/core/targets.js";
import type { FixtureServer } from "./fixture-server.js";
import { gpgHome } from "./gpg-home.js";

/**
 * Debian repositories in the archive's real layout on a fixture server: `dists/<suite>/InRelease` clear-signed with
 * gpg, `main/binary-<arch>/Packages` with SHA256 per file, pool files at their Filename. A repository can serve
 * bytes other than the signed ones, an index other than the signed one, or leave a listed file out (a mirror gap).
 */

export interface FixtureDeb {
  name: string;
  version: string;
  /** Package architecture: amd64, arm64 or all (listed in every binary-<arch> index). */
  arch: string;
  bytes: Buffer;
  depends?: string;
}

export interface PublishOptions {
  suite: string;
  debs: FixtureDeb[];
  /** Architectures with a Packages index (default: amd64). */
  archs?: string[];
  /** Sign with a key apt does not trust. */
  untrusted?: boolean;
  /** The index served differs from the one the Release signs. */
  tamperIndex?: (signed: string) => string;
  /** Per package name: other bytes than the listed ones, or `404`/`410` for a listed file the mirror lacks. */
  serve?: Record<string, Buffer | 404 | 410>;
}

export const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
export const poolPath = (d: FixtureDeb) => `pool/main/l/linux/${d.name}_${d.version}_${d.arch}.deb`;

export interface SignedAptRepos {
  /** Keyring holding the trusted signing key (a targets/ apt link's `keyring`). */
  keyring: string;
  /** Publishes a repository under `/<name>/`; returns its mirror URL. */
  publish(name: string, options: PublishOptions): string;
  /** Stops every process gpg started for the keys and removes the files; rejects if one is still running. */
  close(): Promise<void>;
}

function packagesIndex(debs: FixtureDeb[]): string {
  return debs
    .map((d) =>
      [
        `Package: ${d.name}`,
        "Source: linux",
        `Version: ${d.version}`,
        `Architecture: ${d.arch}`,
        "Maintainer: Kernel Team <k@example.invalid>",
        "Installed-Size: 1",
        ...(d.depends ? [`Depends: ${d.depends}`] : []),
        "Section: kernel",
        "Priority: optional",
        `Filename: ${poolPath(d)}`,
        `Size: ${d.bytes.length}`,
        `SHA256: ${sha256(d.bytes)}`,
        `Description: ${d.name}`,
        "",
      ].join("\n"),
    )
    .join("\n");
}

function release(suite: string, indexes: Array<[string, string]>): string {
  return [
    "Origin: Debian",
    "Label: Debian",
    `Suite: ${suite}`,
    `Codename: ${suite}`,
    `Date: ${new Date().toUTCString()}`,
    `Architectures: ${indexes.map(([arch]) => arch).join(" ")}`,
    "Components: main",
    "Description: kmodforge fixture",
    "SHA256:",
    ...indexes.map(
      ([arch, text]) => ` ${sha256(text)} ${Buffer.byteLength(text)} main/binary-${arch}/Packages`,
    ),
    "",
  ].join("\n");
}

/** Creates two signing keys (one trusted) and publishes repositories on `server`. */
export function createSignedAptRepos(server: FixtureServer): SignedAptRepos {
  const work = mkdtempSync(join(tmpdir(), "kmodforge-aptrepo-"));
  const home = gpgHome(join(work, "gnupg"));
  const gpg = home.gpg;
  gpg("--quick-gen-key", "kmodforge archive <archive@example.invalid>", "ed25519", "sign", "never");
  gpg("--quick-gen-key", "someone else <other@example.invalid>", "ed25519", "sign", "never");
  const keyring = join(work, "trusted.gpg");
  gpg("--output", keyring, "--export", "archive@example.invalid");

  const clearsign = (text: string, key: string) => {
    writeFileSync(join(work, "Release"), text);
    gpg("--local-user", key, "--clearsign", "--output", join(work, "InRelease"), join(work, "Release"));
    return readFileSync(join(work, "InRelease"), "utf8");
  };

  return {
    keyring,
    publish(name, o) {
      const archs = o.archs ?? ["amd64"];
      const indexes = archs.map((arch): [string, string] => [
        arch,
        packagesIndex(o.debs.filter((d) => d.arch === arch || d.arch === "all")),
      ]);
      const key = o.untrusted ? "other@example.invalid" : "archive@example.invalid";
      const base = `/${name}/dists/${o.suite}`;
      server.route(`${base}/InRelease`, { body: clearsign(release(o.suite, indexes), key) });
      for (const [arch, text] of indexes)
        server.route(`${base}/main/binary-${arch}/Packages`, { body: o.tamperIndex?.(text) ?? text });
      for (const d of o.debs) {
        const served = o.serve?.[d.name] ?? d.bytes;
        server.route(
          `/${name}/${poolPath(d)}`,
          typeof served === "number" ? { fault: { kind: "status", status: served } } : { body: served },
        );
      }
      return `${server.url}/${name}`;
    },
    async close() {
      // gpg starts an agent per home directory; none may outlive the test.
      const left = await home.stop();
      rmSync(work, { recursive: true, force: true });
      if (left.length > 0) throw new Error(`gpg processes still running for ${home.dir}: ${left.join("; ")}`);
    },
  };
}

/** A Debian target whose header chain is the given links (the fixture repositories). */
export function debianTarget(version: string, headerSources: HeaderSource[]): VersionTarget {
  return {
    version,
    arches: ["x86_64", "aarch64"],
    builderImage: `debian:${version}`,
    compiler: { family: "gcc", defaultMajor: 12, lines: [] },
    pins: [],
    exclude: [],
    headerSources,
  };
}

/** A parsed Debian identity (throws on a release the rules refuse). */
export function debianIdentity(
  kernelRelease: string,
  distroVersion: string,
  arch: Arch = "x86_64",
): KernelIdentity {
  const id = parseIdentity({ kernelRelease, distro: "debian", distroVersion, arch });
  if (!id.ok) throw id.error;
  return id.value;
}
