import type { Distro, DistroAdapter } from "./adapter.js";
import { amazonLinuxAdapter } from "./amazonlinux.js";
import { debianAdapter } from "./debian.js";
import { enterpriseLinuxAdapter } from "./enterprise-linux.js";
import { fedoraAdapter } from "./fedora.js";
import { ubuntuAdapter } from "./ubuntu.js";

/** Every distribution adapter. The CLI, the targets validator and the Dagger module all read this one list. */
export const ADAPTERS: readonly DistroAdapter[] = [
  ubuntuAdapter,
  debianAdapter,
  fedoraAdapter,
  enterpriseLinuxAdapter,
  amazonLinuxAdapter,
];

const BY_DISTRO = new Map<Distro, DistroAdapter>(
  ADAPTERS.flatMap((a) => a.distros.map((d) => [d, a] as const)),
);

const DISTRO_ALIASES: Record<string, Distro> = {
  ubuntu: "ubuntu",
  debian: "debian",
  fedora: "fedora",
  centos: "centos",
  "centos-stream": "centos",
  centosstream: "centos",
  almalinux: "almalinux",
  alma: "almalinux",
  rocky: "rocky",
  rockylinux: "rocky",
  amazonlinux: "amazonlinux",
  amzn: "amazonlinux",
  al: "amazonlinux",
};

export function normaliseDistro(input: string): Distro | undefined {
  return DISTRO_ALIASES[input.toLowerCase()];
}

export function adapterFor(distro: Distro): DistroAdapter {
  const adapter = BY_DISTRO.get(distro);
  if (!adapter) throw new Error(`no adapter registered for ${distro}`);
  return adapter;
}
