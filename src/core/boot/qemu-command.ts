import type { Arch } from "../arch.js";

/**
 * The QEMU invocation of a load test. Software emulation (TCG) on purpose: build machines and CI runners rarely
 * offer nested virtualisation, and a TCG boot of a distribution kernel with a tiny initramfs takes about 10 s.
 */

export interface QemuCommandInput {
  arch: Arch;
  kernelPath: string;
  initrdPath: string;
  /**
   * File the guest's serial console is written to. Never a pipe to the caller: QEMU writes the console to a
   * non-blocking stdout one byte at a time, so a caller that reads late (a busy machine) stalls the emulated UART,
   * and the guest's power-off then discards whatever was still queued in the guest, typically the report's end.
   * A regular file never stalls.
   */
  consolePath: string;
  memoryMiB?: number;
  /** Extra kernel command-line words (validated: no spaces, no quotes). */
  extraAppend?: readonly string[];
}

export interface QemuCommand {
  binary: string;
  args: string[];
}

const MACHINE: Record<Arch, { binary: string; machine: string[]; console: string; append: string[] }> = {
  // no_timer_check: under TCG on a loaded host the vCPU's calibrated delay loop and the emulated timer drift
  // apart, and the kernel's IO-APIC timer check panics ("IO-APIC + timer doesn't work!") before init; KVM guests
  // skip the check the same way.
  x86_64: { binary: "qemu-system-x86_64", machine: [], console: "ttyS0", append: ["no_timer_check"] },
  aarch64: { binary: "qemu-system-aarch64", machine: ["-M", "virt"], console: "ttyAMA0", append: [] },
};

/** QEMU option values are comma-separated: a comma inside a value is written twice. */
const optionValue = (text: string) => text.replaceAll(",", ",,");

const APPEND_WORD = /^[A-Za-z0-9_.,:=/+-]{1,128}$/;

/** Argument array for qemu-system-*; the caller spawns it without a shell. */
export function qemuCommand(input: QemuCommandInput): QemuCommand {
  const m = MACHINE[input.arch];
  const memory = input.memoryMiB ?? 512;
  if (!Number.isInteger(memory) || memory < 128 || memory > 16384)
    throw new RangeError(`memory ${memory} MiB out of range`);
  for (const word of input.extraAppend ?? []) {
    if (!APPEND_WORD.test(word))
      throw new RangeError(`kernel command-line word not allowed: ${JSON.stringify(word)}`);
  }
  // quiet + loglevel=3 keep the kernel's console chatter from interleaving with the init's report lines; the full
  // kernel log is still printed by dmesg at the end. panic=-1 with -no-reboot turns a panic into a QEMU exit.
  const append = [
    `console=${m.console}`,
    "quiet",
    "loglevel=3",
    "panic=-1",
    ...m.append,
    ...(input.extraAppend ?? []),
  ].join(" ");
  return {
    binary: m.binary,
    args: [
      ...m.machine,
      "-accel",
      "tcg",
      "-cpu",
      "max",
      "-smp",
      "1",
      "-m",
      String(memory),
      "-nographic",
      // The console goes to a file and the monitor nowhere, so nothing of the guest passes through stdio.
      "-chardev",
      `file,id=console,path=${optionValue(input.consolePath)}`,
      "-serial",
      "chardev:console",
      "-monitor",
      "none",
      "-no-reboot",
      "-nic",
      "none",
      "-kernel",
      input.kernelPath,
      "-initrd",
      input.initrdPath,
      "-append",
      append,
    ],
  };
}
