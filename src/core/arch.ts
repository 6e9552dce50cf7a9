/** CPU architectures kmodforge builds for, and every spelling of them the outside world uses. */

export const ARCHES = ["x86_64", "aarch64"] as const;
export type Arch = (typeof ARCHES)[number];

const ALIASES: Record<string, Arch> = {
  x86_64: "x86_64",
  amd64: "x86_64",
  "x86-64": "x86_64",
  aarch64: "aarch64",
  arm64: "aarch64",
};

/** Normalises `amd64`/`arm64` and friends; returns undefined for anything else. */
export function normaliseArch(input: string): Arch | undefined {
  return ALIASES[input.toLowerCase()];
}

export interface ArchFacts {
  /** Debian/Ubuntu package architecture. */
  deb: "amd64" | "arm64";
  /** RPM architecture, also the suffix of RPM kernel releases. */
  rpm: Arch;
  /** Kbuild `ARCH=` value. */
  kbuild: "x86" | "arm64";
  /** GNU triplet prefix for `CROSS_COMPILE`. */
  crossPrefix: string;
  /** ELF e_machine value of objects built for it. */
  elfMachine: number;
  elfMachineName: "X86-64" | "AArch64";
  /** OCI/Dagger platform. */
  platform: "linux/amd64" | "linux/arm64";
  /** Architecture word the kernel appends to vermagic (MODULE_ARCH_VERMAGIC), empty when none. */
  vermagicArch: string;
}

export const ARCH_FACTS: Record<Arch, ArchFacts> = {
  x86_64: {
    deb: "amd64",
    rpm: "x86_64",
    kbuild: "x86",
    crossPrefix: "x86_64-linux-gnu-",
    elfMachine: 62,
    elfMachineName: "X86-64",
    platform: "linux/amd64",
    vermagicArch: "",
  },
  aarch64: {
    deb: "arm64",
    rpm: "aarch64",
    kbuild: "arm64",
    crossPrefix: "aarch64-linux-gnu-",
    elfMachine: 183,
    elfMachineName: "AArch64",
    platform: "linux/arm64",
    vermagicArch: "aarch64",
  },
};
