import { describe, expect, it } from "vitest";
import { qemuCommand } from "../../src/core/boot/qemu-command.js";

const paths = { kernelPath: "/k/vmlinuz", initrdPath: "/k/initrd.gz", consolePath: "/w/console.log" };

describe("qemuCommand", () => {
  it("boots x86_64 under TCG on the first serial port", () => {
    const c = qemuCommand({ arch: "x86_64", ...paths });
    expect(c.binary).toBe("qemu-system-x86_64");
    expect(c.args.slice(0, 8)).toEqual(["-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", "512"]);
    expect(c.args).toContain("-no-reboot");
    // The timer check panics a loaded TCG guest before init ("IO-APIC + timer doesn't work!").
    expect(c.args.at(-1)).toBe("console=ttyS0 quiet loglevel=3 panic=-1 no_timer_check");
  });

  it("boots aarch64 on the virt machine with the PL011 console", () => {
    const c = qemuCommand({ arch: "aarch64", ...paths, memoryMiB: 1024, extraAppend: ["nokaslr"] });
    expect(c.binary).toBe("qemu-system-aarch64");
    expect(c.args.slice(0, 2)).toEqual(["-M", "virt"]);
    expect(c.args).toContain("1024");
    expect(c.args.at(-1)).toBe("console=ttyAMA0 quiet loglevel=3 panic=-1 nokaslr");
  });

  it("writes the console to a file and nothing of the guest to stdio", () => {
    // A late reader of a stdio console stalls the emulated UART, and the guest's power-off then drops the
    // report's tail (the flaky "guest stopped before the load test finished").
    for (const arch of ["x86_64", "aarch64"] as const) {
      const args = qemuCommand({ arch, ...paths }).args;
      const option = (name: string) => args[args.indexOf(name) + 1];
      expect(option("-chardev")).toBe("file,id=console,path=/w/console.log");
      expect(option("-serial")).toBe("chardev:console");
      expect(option("-monitor")).toBe("none");
      expect(args.join(" ")).not.toMatch(/stdio/);
    }
    const comma = qemuCommand({ arch: "x86_64", ...paths, consolePath: "/w/a,b/console.log" }).args;
    expect(comma).toContain("file,id=console,path=/w/a,,b/console.log");
  });

  it("refuses kernel command-line words that could smuggle anything", () => {
    expect(() => qemuCommand({ arch: "x86_64", ...paths, extraAppend: ["a b"] })).toThrow(/not allowed/);
    expect(() => qemuCommand({ arch: "x86_64", ...paths, extraAppend: ["init=/bin/sh;x"] })).toThrow(
      /not allowed/,
    );
    expect(() => qemuCommand({ arch: "x86_64", ...paths, memoryMiB: 1 })).toThrow(/out of range/);
  });
});
