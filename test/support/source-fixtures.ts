import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { Arch } from "../../src/core/arch.js";
import type { ResolveContext, ResolveRequest } from "../../src/core/headers/types.js";
import type { KernelIdentity } from "../../src/core/identity.js";
import type { VersionTarget } from "../../src/core/targets.js";
import type { Distro, HeaderPackageSpec } from "../../src/distros/adapter.js";
import type { FixtureServer } from "./fixture-server.js";
import { sourcesHttpClient } from "./sources-http.js";

/** Serving the source-link fixtures over the fixture server, and requests built from real kernel releases. */

export const FIXTURES = join(import.meta.dirname, "../fixtures");

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/**
 * Registers every file under `dir` at `prefix/<relative path>`. Text files get public origins rewritten to the
 * server (mirror lists and API answers name their real hosts).
 */
export function serveTree(
  server: FixtureServer,
  dir: string,
  prefix: string,
  rewrites: Record<string, string> = {},
): void {
  for (const file of walk(dir)) {
    let body: Buffer | string = readFileSync(file);
    if (/\.(list|json)$/.test(file)) {
      let text = body.toString("utf8");
      for (const [origin, path] of Object.entries(rewrites))
        text = text.split(origin).join(`${server.url}${path}`);
      body = text;
    }
    server.route(`${prefix}/${relative(dir, file)}`, { body });
  }
}

/** snapshot.debian.org `/mr/` routes over the recorded answers. */
export function serveSnapshot(server: FixtureServer, prefix = "/snapshot"): void {
  const dir = join(FIXTURES, "debian-snapshot");
  for (const file of walk(dir)) {
    const rel = relative(dir, file);
    const body = readFileSync(file);
    if (rel.endsWith("index.json")) server.route(`${prefix}/${rel.replace(/index\.json$/, "")}`, { body });
    else if (rel.endsWith("binfiles.json")) server.route(`${prefix}/${rel.replace(/\.json$/, "")}`, { body });
    else server.route(`${prefix}/${rel}`, { body });
  }
}

/** Launchpad API routes: getPublishedBinaries dispatches on binary_name; binaryFileUrls per publication. */
export function serveLaunchpad(server: FixtureServer, prefix = "/lp"): void {
  const dir = join(FIXTURES, "launchpad");
  const rewrite = (text: string) =>
    text
      .split("https://api.launchpad.net")
      .join(`${server.url}${prefix}`)
      .split("https://launchpad.net/ubuntu/+archive/primary/+files")
      .join(`${server.url}${prefix}/files`);
  server.route(`${prefix}/1.0/ubuntu/+archive/primary`, {
    handler: (req, res) => {
      const q = new URL(req.url ?? "/", "http://x").searchParams;
      const name = q.get("binary_name") ?? "";
      let body = `{"start":0,"total_size":0,"entries":[]}`;
      try {
        body = rewrite(readFileSync(join(dir, "published", `${name}.json`), "utf8"));
      } catch {
        // unknown package: empty collection, as Launchpad answers
      }
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    },
  });
  for (const file of walk(join(dir, "binarypub"))) {
    const id = relative(join(dir, "binarypub"), file).replace(/\.json$/, "");
    server.route(`${prefix}/1.0/ubuntu/+archive/primary/+binarypub/${id}`, {
      body: rewrite(readFileSync(file, "utf8")),
    });
  }
  for (const file of walk(join(dir, "files")))
    server.route(`${prefix}/files/${relative(join(dir, "files"), file)}`, { body: readFileSync(file) });
}

export function identity(
  distro: Distro,
  distroVersion: string,
  kernelRelease: string,
  arch: Arch = "x86_64",
): KernelIdentity {
  return {
    distro,
    distroVersion,
    arch,
    kernelRelease,
    upstreamVersion: /^(\d+\.\d+\.\d+)/.exec(kernelRelease)?.[1] ?? "",
    sublevelKnown: true,
    abi: "",
    flavour: "",
    distroTag: "",
    headerPackages: [],
  };
}

export function target(codename?: string): VersionTarget {
  return {
    version: "0",
    ...(codename ? { codename } : {}),
    arches: ["x86_64", "aarch64"],
    builderImage: "example",
    compiler: { family: "gcc", defaultMajor: 12, lines: [] },
    pins: [],
    exclude: [],
    headerSources: [{ kind: "explicit-url", templates: ["http://example.invalid/{name}"] }],
  };
}

export function request(
  id: KernelIdentity,
  packages: HeaderPackageSpec[],
  opts: { requireVerified?: boolean; hostArch?: Arch; codename?: string } = {},
): ResolveRequest {
  return {
    identity: id,
    packages,
    hostArch: opts.hostArch ?? "x86_64",
    target: target(opts.codename),
    requireVerified: opts.requireVerified ?? false,
  };
}

export const develSpec = (name = "kernel-devel"): HeaderPackageSpec => ({
  name,
  role: "headers",
  arch: "target",
});

export async function context(): Promise<ResolveContext> {
  return { http: await sourcesHttpClient(), hostAptMirrors: [] };
}
