import { existsSync } from "node:fs";
import { join } from "node:path";
import { PrivateApt } from "../../../src/adapters/private-apt.js";
import { ARCH_FACTS, type Arch } from "../../../src/core/arch.js";
import { listedReleases } from "../../support/mirror-releases.js";
import { BOOT_CACHE } from "./build-module.js";

/** The Debian 12 kernel releases the load tests use, discovered from the mirror at test time (ABIs come and go). */

export interface LineReleases {
  newest: string;
  oldest: string;
}

/** Oldest and newest ABI of the 6.1 line for an arch, across bookworm, -updates and -security. */
export async function bookworm61Releases(arch: Arch): Promise<LineReleases> {
  const deb = ARCH_FACTS[arch].deb;
  const apt = new PrivateApt(join(BOOT_CACHE, "apt"), "12", arch);
  const releases = await listedReleases(apt, new RegExp(`^linux-headers-6\\.1\\.0-[0-9]+-${deb}$`));
  // A name can be listed without a downloadable package behind it; keep ABIs whose headers really resolve, and
  // for the newest (the one booted) also a kernel image.
  const has = async (name: string) => (await apt.show(name)) !== undefined;
  let oldest: string | undefined;
  for (const r of releases) if (!oldest && (await has(`linux-headers-${r}`))) oldest = r;
  let newest: string | undefined;
  for (const r of [...releases].reverse()) {
    if (newest) break;
    if (
      (await has(`linux-headers-${r}`)) &&
      ((await has(`linux-image-${r}-unsigned`)) || (await has(`linux-image-${r}`)))
    )
      newest = r;
  }
  if (!oldest || !newest || oldest === newest) {
    throw new Error(
      `need two downloadable 6.1 ABIs for ${deb} on the mirror; listed: ${releases.join(", ")}`,
    );
  }
  return { oldest, newest };
}

/** The module source the load tests build: the project's sample module, or a minimal probe while it is absent. */
export function sampleModuleDir(): string {
  const root = join(import.meta.dirname, "../../..");
  const sample = join(root, "kernel-module");
  if (existsSync(join(sample, "Kbuild")) || existsSync(join(sample, "Makefile"))) return sample;
  return join(root, "test/fixtures/boot/probe-module");
}
