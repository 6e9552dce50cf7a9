import type { Distro } from "../../distros/adapter.js";
import { adapterFor } from "../../distros/registry.js";
import type { Arch } from "../arch.js";
import { parseRelations } from "../deb822.js";
import type { DiscoveredKernel } from "./matrix.js";
import type { HeaderFile } from "./types.js";

/**
 * Enumerates the kernels of an apt family from its Packages indexes: every package the family calls an arch
 * headers package (Debian: `linux-headers-<release>`) is a kernel whose uname -r is `<release>`; its Depends name
 * the companions the family's rules give a role (Debian: the `-common` headers and the `linux-kbuild-*` tools),
 * which may live in another suite (so all suites are searched together). Pure: callers pass parsed stanzas.
 */
export interface PackagesIndex {
  /** Suite the index belongs to, e.g. `bookworm-security`. */
  suite: string;
  arch: Arch;
  /** Mirror base URL the index's `Filename` paths are relative to. */
  mirror: string;
  stanzas: ReadonlyArray<Record<string, string>>;
}

interface Pkg {
  name: string;
  version: string;
  file: HeaderFile;
  depends: string;
  suite: string;
}

/** Debian version comparison (epoch, upstream, revision; `~` sorts before everything). */
export function compareDebVersions(a: string, b: string): number {
  const split = (v: string): [number, string, string] => {
    const colon = v.indexOf(":");
    const epoch = colon > 0 ? Number(v.slice(0, colon)) : 0;
    const rest = colon > 0 ? v.slice(colon + 1) : v;
    const dash = rest.lastIndexOf("-");
    return dash > 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ""];
  };
  const order = (c: string): number =>
    c === "~" ? -1 : /[A-Za-z]/.test(c) ? c.charCodeAt(0) : c ? c.charCodeAt(0) + 256 : 0;
  const part = (x: string, y: string): number => {
    let i = 0;
    let j = 0;
    while (i < x.length || j < y.length) {
      while ((i < x.length && !/\d/.test(x[i]!)) || (j < y.length && !/\d/.test(y[j]!))) {
        const cx = i < x.length && !/\d/.test(x[i]!) ? x[i]! : "";
        const cy = j < y.length && !/\d/.test(y[j]!) ? y[j]! : "";
        const d = order(cx) - order(cy);
        if (d !== 0) return d;
        if (cx) i++;
        if (cy) j++;
      }
      let nx = "";
      let ny = "";
      while (i < x.length && /\d/.test(x[i]!)) nx += x[i++];
      while (j < y.length && /\d/.test(y[j]!)) ny += y[j++];
      const d = Number(nx || "0") - Number(ny || "0");
      if (d !== 0) return d;
    }
    return 0;
  };
  const [ea, ua, ra] = split(a);
  const [eb, ub, rb] = split(b);
  return ea - eb || part(ua, ub) || part(ra, rb);
}

function indexPackages(indexes: readonly PackagesIndex[]): Map<string, Pkg[]> {
  const byName = new Map<string, Pkg[]>();
  for (const idx of indexes) {
    for (const s of idx.stanzas) {
      const name = s.Package;
      const version = s.Version;
      if (!name?.startsWith("linux-") || !version || !s.Filename) continue;
      const sha256 = /^[0-9a-f]{64}$/.test(s.SHA256 ?? "") ? s.SHA256 : undefined;
      const size = /^\d+$/.test(s.Size ?? "") ? Number(s.Size) : undefined;
      const file: HeaderFile = {
        name,
        version,
        url: `${idx.mirror.replace(/\/+$/, "")}/${s.Filename}`,
        ...(sha256 ? { sha256 } : {}),
        ...(size !== undefined ? { size } : {}),
      };
      const list = byName.get(name) ?? [];
      list.push({ name, version, file, depends: s.Depends ?? "", suite: idx.suite });
      byName.set(name, list);
    }
  }
  return byName;
}

/** The newest package of a name that satisfies an optional `(= v)` / `(>= v)` constraint. */
function pick(cands: Pkg[] | undefined, op?: string, version?: string): Pkg | undefined {
  const ok = (cands ?? []).filter(
    (p) =>
      !op ||
      !version ||
      (op === "=" ? p.version === version : op === ">=" ? compareDebVersions(p.version, version) >= 0 : true),
  );
  return ok.sort((x, y) => compareDebVersions(y.version, x.version))[0];
}

/**
 * Kernels of one apt family version from its indexes. `hostArch` indexes, when given, supply the kbuild package a
 * cross build runs on the build host.
 */
export function discoverDebianKernels(
  indexes: readonly PackagesIndex[],
  of: { distro: Distro; distroVersion: string },
  hostArch: Arch = "x86_64",
): DiscoveredKernel[] {
  const adapter = adapterFor(of.distro);
  const apt = adapter.apt;
  if (!apt) return [];
  const out: DiscoveredKernel[] = [];
  const byArch = new Map<Arch, Map<string, Pkg[]>>();
  for (const arch of new Set(indexes.map((i) => i.arch)))
    byArch.set(arch, indexPackages(indexes.filter((i) => i.arch === arch)));
  for (const [arch, pkgs] of byArch) {
    for (const name of [...pkgs.keys()].sort()) {
      const release = apt.headersRelease(name, arch);
      if (!release) continue;
      const headers = pick(pkgs.get(name))!;
      const files: HeaderFile[] = [headers.file];
      for (const [d] of parseRelations(headers.depends)) {
        const role = d && adapter.dependencyRole?.(d.name);
        if (!d || !role) continue;
        const from = role === "kbuild" ? (byArch.get(hostArch) ?? pkgs) : pkgs;
        const found = pick(from.get(d.name), d.op, d.version) ?? pick(pkgs.get(d.name), d.op, d.version);
        if (found) files.push(found.file);
      }
      out.push({
        input: { kernelRelease: release, distro: of.distro, distroVersion: of.distroVersion, arch },
        headerFiles: files,
        source: `apt:${headers.suite}`,
      });
    }
  }
  return out;
}

/** Reads the suite from an apt lists file name (`…_dists_bookworm-security_main_binary-amd64_Packages`). */
export function suiteFromListName(file: string): string | undefined {
  return /_dists_([a-z0-9-]+)_/.exec(file)?.[1];
}
