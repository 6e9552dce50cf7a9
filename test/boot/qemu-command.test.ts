import { describe, expect, it } from "vitest";
import { qemuCommand } from "../../src/core/boot/qemu-command.js";

describe("qemuCommand", () => {
  it("boots x86_64 under TCG on the first serial port", () => {
    const c = qemuCommand({ arch: "x86_64", kernelPath: "/k/vmlinuz", initrdPath: "/k/initrd.gz" });
    expect(c.binary).toBe("qemu-system-x86_64");
    expect(c.args.slice(0, 8)).toEqual(["-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", "512"]);
    expect(c.args).toContain("-no-reboot");
    expect(c.args.at(-1)).toBe("console=ttyS0 quiet loglevel=3 panic=-1");
  });

  it("boots aarch64 on the virt machine with the PL011 console", () => {
    const c = qemuCommand({
      arch: "aarch64",
      kernelPath: "/k/Image",
      initrdPath: "/k/i",
      memoryMiB: 1024,
      extraAppend: ["nokaslr"],
    });
    expect(c.binary).toBe("qemu-system-aarch64");
    expect(c.args.slice(0, 2)).toEqual(["-M", "virt"]);
    expect(c.args).toContain("1024");
    expect(c.args.at(-1)).toBe("console=ttyAMA0 quiet loglevel=3 panic=-1 nokaslr");
  });

  it("refuses kernel command-line words that could smuggle anything", () => {
    expect(() =>
      qemuCommand({ arch: "x86_64", kernelPath: "k", initrdPath: "i", extraAppend: ["a b"] }),
    ).toThrow(/not allowed/);
    expect(() =>
      qemuCommand({ arch: "x86_64", kernelPath: "k", initrdPath: "i", extraAppend: ["init=/bin/sh;x"] }),
    ).toThrow(/not allowed/);
    expect(() => qemuCommand({ arch: "x86_64", kernelPath: "k", initrdPath: "i", memoryMiB: 1 })).toThrow(
      /out of range/,
    );
  });
});
