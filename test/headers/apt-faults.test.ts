import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchPackages } from "../../src/adapters/package-cache.js";
import { resolveHeaders } from "../../src/adapters/resolver.js";
import { createSourceLinks } from "../../src/adapters/sources/index.js";
import { ChecksumMismatchError, type KmodforgeError } from "../../src/core/errors.js";
import { parseIdentity } from "../../src/core/identity.js";
import type { HeaderSource, VersionTarget } from "../../src/core/targets.js";
import { type FixtureServer, startFixtureServer } from "../support/fixture-server.js";

/**
 * The apt link against a local repository in Debian's real layout (InRelease clear-signed with gpg, Packages with
 * SHA256 per file), with one fault at a time: a signature by an untrusted key, an index changed after signing, a
 * package whose bytes differ from its signed hash, a missing repository. Each gives its typed outcome; nothing
 * unverified is ever offered.
 */

const work = mkdtempSync(join(tmpdir(), "kmodforge-aptfix-"));
const gnupg = join(work, "gnupg");
let server: FixtureServer;

const gpg = (...args: string[]) =>
  execFileSync(
    "gpg",
    ["--homedir", gnupg, "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "", ...args],
    { stdio: "pipe" },
  );
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

const debs = {
  "linux-headers-6.1.0-99-amd64": {
    version: "6.1.999-1",
    arch: "amd64",
    bytes: Buffer.from("arch headers payload"),
  },
  "linux-headers-6.1.0-99-common": {
    version: "6.1.999-1",
    arch: "all",
    bytes: Buffer.from("common headers payload"),
  },
  "linux-kbuild-6.1": { version: "6.1.999-1", arch: "amd64", bytes: Buffer.from("kbuild payload") },
};
const poolPath = (name: string, d: { version: string; arch: string }) =>
  `pool/main/l/linux/${name}_${d.version}_${d.arch}.deb`;

function packagesIndex(override: Partial<Record<string, string>> = {}): string {
  return Object.entries(debs)
    .map(([name, d]) =>
      [
        `Package: ${name}`,
        "Source: linux",
        `Version: ${d.version}`,
        `Architecture: ${d.arch}`,
        "Maintainer: Kernel Team <k@example.invalid>",
        `Installed-Size: 1`,
        "Section: kernel",
        "Priority: optional",
        `Filename: ${poolPath(name, d)}`,
        `Size: ${d.bytes.length}`,
        `SHA256: ${override[name] ?? sha256(d.bytes)}`,
        `Description: ${name}`,
        "",
      ].join("\n"),
    )
    .join("\n");
}

function release(packages: string): string {
  return [
    "Origin: Debian",
    "Label: Debian",
    "Suite: bookworm",
    "Codename: bookworm",
    `Date: ${new Date().toUTCString()}`,
    "Architectures: amd64",
    "Components: main",
    "Description: fixture",
    "SHA256:",
    ` ${sha256(packages)} ${Buffer.byteLength(packages)} main/binary-amd64/Packages`,
    "",
  ].join("\n");
}

function clearsign(text: string, key: string): string {
  writeFileSync(join(work, "Release"), text);
  gpg("--local-user", key, "--clearsign", "--output", join(work, "InRelease"), join(work, "Release"));
  return execFileSync("cat", [join(work, "InRelease")], { encoding: "utf8" });
}

/** Publishes a repository under `/<name>/` on the fixture server. */
function publish(
  name: string,
  opts: { key: string; packages?: string; signedPackages?: string; bytes?: Partial<Record<string, Buffer>> },
) {
  const packages = opts.packages ?? packagesIndex();
  const signed = opts.signedPackages ?? packages;
  server.route(`/${name}/dists/bookworm/InRelease`, { body: clearsign(release(signed), opts.key) });
  server.route(`/${name}/dists/bookworm/main/binary-amd64/Packages`, { body: packages });
  for (const [pkg, d] of Object.entries(debs))
    server.route(`/${name}/${poolPath(pkg, d)}`, { body: opts.bytes?.[pkg] ?? d.bytes });
}

const identity = () => {
  const id = parseIdentity({
    kernelRelease: "6.1.0-99-amd64",
    distro: "debian",
    distroVersion: "12",
    arch: "x86_64",
  });
  if (!id.ok) throw id.error;
  return id.value;
};
const target = (...sources: HeaderSource[]): VersionTarget =>
  ({
    version: "12",
    arches: ["x86_64"],
    builderImage: "debian:bookworm",
    compiler: { family: "gcc", defaultMajor: 12, lines: [] },
    pins: [],
    exclude: [],
    headerSources: sources,
  }) as VersionTarget;
const aptLink = (name: string): HeaderSource => ({
  kind: "apt",
  mirrors: [`${server.url}/${name}`],
  suites: ["bookworm"],
  components: ["main"],
  keyring: join(work, "trusted.gpg"),
});
const resolveWith = (...sources: HeaderSource[]) =>
  resolveHeaders(identity(), {
    target: target(...sources),
    hostArch: "x86_64",
    links: createSourceLinks({ aptStateRoot: mkdtempSync(join(work, "apt-")) }),
  });

beforeAll(async () => {
  execFileSync("mkdir", ["-m", "700", "-p", gnupg]);
  gpg("--quick-gen-key", "kmodforge archive <archive@example.invalid>", "ed25519", "sign", "never");
  gpg("--quick-gen-key", "someone else <other@example.invalid>", "ed25519", "sign", "never");
  gpg("--output", join(work, "trusted.gpg"), "--export", "archive@example.invalid");
  server = await startFixtureServer();
  publish("good", { key: "archive@example.invalid" });
  publish("badsig", { key: "other@example.invalid" });
  publish("tampered-index", {
    key: "archive@example.invalid",
    packages: packagesIndex().replace("Section: kernel", "Section: kernel2"),
    signedPackages: packagesIndex(),
  });
  publish("wrong-bytes", {
    key: "archive@example.invalid",
    bytes: { "linux-kbuild-6.1": Buffer.from("something else entirely") },
  });
}, 120_000);

afterAll(async () => server?.close());

describe("apt link faults", () => {
  it("resolves every package from a correctly signed repository and downloads them verified", async () => {
    const resolved = await resolveWith(aptLink("good"));
    expect(resolved.packages.map((p) => p.name).sort()).toEqual(Object.keys(debs).sort());
    for (const p of resolved.packages) expect(p.sha256).toBe(sha256(debs[p.name as keyof typeof debs].bytes));
    const files = await fetchPackages(resolved, { cacheDir: join(work, "cache-good") });
    expect(files).toHaveLength(3);
  });

  it("treats a signature by an untrusted key as bad-signature and uses nothing from it", async () => {
    const err = (await resolveWith(aptLink("badsig")).catch((e: unknown) => e)) as KmodforgeError;
    expect(err.code).toBe("HEADERS_UNAVAILABLE");
    const trace = err.details.trace as Array<{ outcome: string; reason?: string }>;
    expect(trace.every((t) => t.outcome === "miss" && t.reason === "bad-signature")).toBe(true);
  });

  it("refuses an index whose hash differs from the signed Release", async () => {
    const err = (await resolveWith(aptLink("tampered-index")).catch((e: unknown) => e)) as KmodforgeError;
    const reasons = (err.details.trace as Array<{ reason?: string }>).map((t) => t.reason);
    expect(reasons.every((r) => r === "checksum-mismatch")).toBe(true);
  });

  it("fails hard when a package's bytes differ from its signed hash, naming URL and both hashes", async () => {
    const resolved = await resolveWith(aptLink("wrong-bytes"));
    const err = await fetchPackages(resolved, { cacheDir: join(work, "cache-wrong") }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as Error).message).toContain("linux-kbuild-6.1_6.1.999-1_amd64.deb");
    expect((err as Error).message).toContain(sha256(debs["linux-kbuild-6.1"].bytes));
    expect((err as Error).message).toContain(sha256("something else entirely"));
  });

  it("moves on from a bad link to the next one and records both in the trace", async () => {
    const resolved = await resolveWith(aptLink("missing"), aptLink("badsig"), aptLink("good"));
    expect(resolved.packages).toHaveLength(3);
    const kbuild = resolved.trace
      .filter((t) => t.package === "linux-kbuild-6.1")
      .map((t) => `${t.outcome} ${t.reason ?? ""}`.trim());
    expect(kbuild).toEqual(["miss unreachable", "miss bad-signature", "found"]);
  });
});
