import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ARCH_FACTS, type Arch } from "../../core/arch.js";
import { KmodforgeError } from "../../core/errors.js";
import type { LinkOutcome, PlannedUrl, ResolveRequest, SourceLink } from "../../core/headers/types.js";
import type { HeaderSource } from "../../core/targets.js";
import type { HeaderPackageSpec } from "../../distros/adapter.js";
import { kmodforgeCacheDir } from "../cache-dir.js";
import { type AptRepository, type DebPackage, PrivateApt } from "../private-apt.js";

type AptSource = Extract<HeaderSource, { kind: "apt" }>;

/**
 * Debian repository metadata through apt itself, with a private state directory per suite and arch: apt checks
 * the InRelease signature against the distribution keyring, the index hashes against the signed Release, and we
 * check each package's SHA256 again when it is downloaded. `mirrors: [host]` means the repositories apt is
 * configured with on this host (or in the builder image), so no mirror is ever built in.
 */

export interface AptLinkOptions {
  /** Where the private apt states live (package lists are reused across resolutions). */
  stateRoot?: string;
}

export function defaultAptStateRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(kmodforgeCacheDir(env), "apt");
}

function packageArch(spec: HeaderPackageSpec, req: ResolveRequest): Arch {
  return spec.arch === "host" ? req.hostArch : req.identity.arch;
}

interface Lookup {
  pkg?: DebPackage;
  url?: string;
  suite?: string;
}

/**
 * One package's candidate, URL and suite: kernel packages from one pass over the signature-checked lists, anything
 * else from apt-cache. Answers are kept beside the package lists and reused until the lists are refreshed (the
 * `updated` stamp changes), so a warm build does no metadata work at all.
 */
async function lookup(apt: PrivateApt, name: string): Promise<Lookup> {
  await apt.update();
  const memoFile = join(apt.dir, "lookups.json");
  const stamp = await readFile(join(apt.dir, "updated"), "utf8").catch(() => "");
  let memo: { stamp: string; entries: Record<string, Lookup> } = { stamp, entries: {} };
  try {
    const saved = JSON.parse(await readFile(memoFile, "utf8")) as typeof memo;
    if (saved.stamp === stamp) memo = saved;
  } catch {
    // no memo yet
  }
  const hit = memo.entries[name];
  if (hit?.pkg && hit.url) return hit;
  const indexed = name.startsWith("linux-") ? (await apt.kernelPackages()).get(name) : undefined;
  let found: Lookup;
  if (indexed) {
    const { url, suite, ...pkg } = indexed;
    found = { pkg, url, suite };
  } else {
    const pkg = await apt.show(name);
    found = pkg
      ? { pkg, url: await apt.uri(pkg.name, pkg.version), suite: await apt.suiteOf(pkg.name, pkg.version) }
      : {};
  }
  const pkg = found.pkg;
  if (pkg && found.url) {
    memo.entries[name] = found;
    const temp = `${memoFile}.${process.pid}.${Date.now()}`;
    await writeFile(temp, JSON.stringify(memo));
    await rename(temp, memoFile);
  }
  return found;
}

export function createAptLink(options: AptLinkOptions = {}): SourceLink<AptSource> {
  const stateRoot = options.stateRoot ?? defaultAptStateRoot();
  const states = new Map<string, PrivateApt>();
  const aptFor = (distroVersion: string, arch: Arch, repository?: AptRepository) => {
    const key = `${distroVersion}/${arch}/${repository?.uri ?? "host"}`;
    let apt = states.get(key);
    if (!apt) {
      apt = new PrivateApt(stateRoot, distroVersion, arch, undefined, repository);
      states.set(key, apt);
    }
    return apt;
  };

  return {
    kind: "apt",
    plan(link, req, env): PlannedUrl[] {
      const mirrors = link.mirrors.flatMap((m) => (m === "host" ? env.hostAptMirrors : [m]));
      const planned: PlannedUrl[] = [];
      for (const spec of req.packages) {
        const deb = spec.arch === "all" ? "all" : ARCH_FACTS[packageArch(spec, req)].deb;
        for (const mirror of mirrors) {
          for (const suite of link.suites) {
            const base = `${mirror.replace(/\/$/, "")}/dists/${suite}`;
            planned.push({
              source: `apt:${suite}`,
              package: spec.name,
              url: `${base}/InRelease`,
              kind: "index",
            });
            for (const component of link.components) {
              const arch = deb === "all" ? ARCH_FACTS[req.identity.arch].deb : deb;
              planned.push({
                source: `apt:${suite}`,
                package: spec.name,
                url: `${base}/${component}/binary-${arch}/Packages.xz`,
                kind: "index",
              });
            }
          }
        }
      }
      return planned;
    },
    async resolve(link, req): Promise<LinkOutcome> {
      const outcome: LinkOutcome = { found: [], misses: [] };
      let pending = req.packages;
      for (const mirror of link.mirrors) {
        if (pending.length === 0) break;
        if (mirror === "host" && req.identity.distro !== "debian") {
          for (const spec of pending)
            outcome.misses.push({
              source: "apt:host",
              package: spec.name,
              reason: "not-applicable",
              detail: "the host's apt configuration serves Debian only",
            });
          continue;
        }
        const repository =
          mirror === "host"
            ? undefined
            : {
                uri: mirror,
                suites: link.suites,
                components: link.components,
                ...(link.keyring ? { keyring: link.keyring } : {}),
              };
        for (const spec of pending) {
          const apt = aptFor(req.identity.distroVersion, packageArch(spec, req), repository);
          const source = `apt:${apt.codename}`;
          try {
            const { pkg, url, suite } = await lookup(apt, spec.name);
            if (!pkg || !url) {
              outcome.misses.push({
                source,
                package: spec.name,
                reason: "not-found",
                detail: `${spec.name} is not in ${mirror === "host" ? `${apt.codename} (any pocket)` : `${mirror} ${link.suites.join(",")}`} for ${apt.debArch}`,
              });
              continue;
            }
            outcome.found.push({
              name: pkg.name,
              role: spec.role,
              version: pkg.version,
              packageArch: pkg.architecture,
              url,
              sha256: pkg.sha256,
              size: pkg.size,
              signedBy: `${repository?.keyring ?? "debian-archive-keyring"} (InRelease verified by apt)`,
              source: suite ? `apt:${suite}` : source,
            });
          } catch (err) {
            const code = err instanceof KmodforgeError ? err.code : undefined;
            const reason =
              code === "SIGNATURE_INVALID"
                ? "bad-signature"
                : code === "CHECKSUM_MISMATCH"
                  ? "checksum-mismatch"
                  : "unreachable";
            outcome.misses.push({
              source,
              package: spec.name,
              reason,
              detail: (err as Error).message.slice(0, 600),
            });
          }
        }
        pending = pending.filter((p) => !outcome.found.some((f) => f.name === p.name));
      }
      return outcome;
    },
  };
}
