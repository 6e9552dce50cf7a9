import { ARCH_FACTS, type Arch } from "../../core/arch.js";
import { KmodforgeError } from "../../core/errors.js";
import type {
  LinkOutcome,
  MissReason,
  PackageCandidate,
  PlannedUrl,
  ResolveRequest,
  SourceLink,
} from "../../core/headers/types.js";
import type { HeaderSource } from "../../core/targets.js";
import type { HeaderPackageSpec } from "../../distros/adapter.js";
import { adapterFor } from "../../distros/registry.js";
import { cacheSubdir } from "../cache-dir.js";
import { type AptRepository, PrivateApt } from "../private-apt.js";
import { lookupPackage } from "./apt-lookup.js";
import type { PackageMiss } from "./link-io.js";

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

function packageArch(spec: HeaderPackageSpec, req: ResolveRequest): Arch {
  return spec.arch === "host" ? req.hostArch : req.identity.arch;
}

export function createAptLink(options: AptLinkOptions = {}): SourceLink<AptSource> {
  const stateRoot = options.stateRoot ?? cacheSubdir("apt");
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
        if (mirror === "host" && !adapterFor(req.identity.distro).apt?.servedByHost) {
          for (const spec of pending)
            outcome.misses.push({
              source: "apt:host",
              package: spec.name,
              reason: "not-applicable",
              detail: `the host's apt configuration does not serve ${req.identity.distro}`,
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
          const r = await resolveOne(apt, spec, mirror, link, repository);
          if ("found" in r) outcome.found.push(r.found);
          else outcome.misses.push(r.miss);
        }
        pending = pending.filter((p) => !outcome.found.some((f) => f.name === p.name));
      }
      return outcome;
    },
  };
}

/** One package from one mirror's private apt state: its signed record, or a typed miss. */
async function resolveOne(
  apt: PrivateApt,
  spec: HeaderPackageSpec,
  mirror: string,
  link: AptSource,
  repository: AptRepository | undefined,
): Promise<{ found: PackageCandidate } | { miss: PackageMiss }> {
  const miss = (reason: MissReason, detail: string) => ({
    // A named mirror is a URL tried; the host's is apt's configuration.
    miss: {
      source: `apt:${apt.codename}`,
      package: spec.name,
      reason,
      detail,
      ...(repository ? { url: mirror } : {}),
    },
  });
  try {
    const { found, listedVersions } = await lookupPackage(apt, spec.name, spec.version);
    if (!found) {
      const where = repository ? `${mirror} ${link.suites.join(",")}` : `${apt.codename} (any pocket)`;
      const listed = listedVersions.length ? ` (listed: ${listedVersions.join(", ")})` : "";
      const wanted = `${spec.name}${spec.version ? ` ${spec.version}` : ""}`;
      return miss("not-found", `${wanted} is not in ${where} for ${apt.debArch}${listed}`);
    }
    const { pkg, url, suite } = found;
    return {
      found: {
        name: pkg.name,
        role: spec.role,
        version: pkg.version,
        packageArch: pkg.architecture,
        url,
        sha256: pkg.sha256,
        size: pkg.size,
        signedBy: `${repository?.keyring ?? "debian-archive-keyring"} (InRelease verified by apt)`,
        source: `apt:${suite ?? apt.codename}`,
        ...(pkg.depends ? { depends: pkg.depends } : {}),
      },
    };
  } catch (err) {
    const code = err instanceof KmodforgeError ? err.code : undefined;
    const reason =
      code === "SIGNATURE_INVALID"
        ? "bad-signature"
        : code === "CHECKSUM_MISMATCH"
          ? "checksum-mismatch"
          : "unreachable";
    return miss(reason, (err as Error).message.slice(0, 600));
  }
}
