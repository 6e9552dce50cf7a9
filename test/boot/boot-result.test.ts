import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBootOutput, type RunFacts } from "../../src/core/boot/boot-result.js";

const fixtures = join(import.meta.dirname, "../fixtures/boot");
const clean: RunFacts = { exercise: true, timedOut: false, timeoutMs: 180_000, exitCode: 0, signal: null };
const log = (name: string) => readFile(join(fixtures, name), "utf8");

// Fixtures are slices of real serial consoles of Debian kernels booted under QEMU by the load test.
describe("parseBootOutput on real consoles", () => {
  it("reads a clean load, exercise and unload of a .ko.xz in 6.1.0-56-amd64", async () => {
    const r = parseBootOutput(await log("6.1.0-56-amd64-loaded-xz.log"), ["kmfhello"], clean);
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.guestRelease).toBe("6.1.0-56-amd64");
    expect(r.modules[0]).toMatchObject({ loaded: true, unloaded: true, insmodRc: 0, rmmodRc: 0 });
    expect(r.modules[0]!.procModulesLine).toMatch(/^kmfhello 16384 0 - Live 0x[0-9a-f]+ \(OE\)$/);
    expect(r.exercise.devices).toEqual(["kmfhello"]);
    expect(r.exercise.ops.map((o) => `${o.label}:${o.rc}`)).toEqual([
      "read-param:0",
      "write-param:0",
      "write-dev:0",
      "read-dev:0",
    ]);
    expect(r.taint).toMatchObject({ before: 0, after: 12288, added: ["O", "E"], problems: [] });
    // The .xz is first offered to the kernel as is; that refusal is not a rejection once the module loaded.
    expect(r.rejections).toEqual([]);
    expect(r.kernelLines).toContain("kmfhello: loaded");
    expect(r.kernelLines).toContain("kmfhello: unloaded");
  });

  it("reads the arm64 console (ttyAMA0)", async () => {
    const r = parseBootOutput(await log("6.1.0-56-arm64-loaded.log"), ["kmfhello"], clean);
    expect(r.ok).toBe(true);
    expect(r.guestMachine).toBe("aarch64");
  });

  it("reports a module built for another ABI as rejected, naming the symbol", async () => {
    const r = parseBootOutput(await log("6.1.0-56-amd64-abi-mismatch.log"), ["kmfhello"], clean);
    expect(r.ok).toBe(false);
    expect(r.modules[0]).toMatchObject({ loaded: false, insmodRc: 8 });
    expect(r.exercise.ran).toBe(false);
    expect(r.rejections.map((x) => [x.kind, x.subject])).toEqual([
      ["symbol-version-mismatch", "module_layout"],
      ["invalid-module-format", undefined],
    ]);
    expect(r.failures.join("\n")).toContain("disagrees about version of symbol module_layout");
    expect(r.taint.added).toEqual([]);
  });
  it("reports a module from another kernel line by the kernel's struct module check (signed 6.12 trixie image)", async () => {
    const r = parseBootOutput(await log("6.12.100+deb13-amd64-other-line.log"), ["kmfhello"], clean);
    expect(r.ok).toBe(false);
    expect(r.guestRelease).toBe("6.12.100+deb13-amd64");
    expect(r.rejections.map((x) => x.kind)).toEqual(["module-struct-mismatch", "invalid-module-format"]);
  });
});

describe("parseBootOutput on broken runs", () => {
  it("names a timeout and a guest that never reached init", () => {
    const r = parseBootOutput("SeaBIOS\nBooting from ROM...\n", ["m"], {
      ...clean,
      timedOut: true,
      exitCode: null,
      signal: "SIGKILL",
    });
    expect(r.ok).toBe(false);
    expect(r.booted).toBe(false);
    expect(r.failures[0]).toMatch(/did not finish within 180 s/);
    expect(r.failures[1]).toMatch(/never reached the load-test init/);
  });

  it("fails on a kernel warning even when every step succeeded", async () => {
    const text = (await log("6.1.0-56-amd64-loaded-xz.log"))
      .replace("@@kmodforge taint-after value=12288", "@@kmodforge taint-after value=12800")
      .replace(
        "kmfhello: unloaded",
        "kmfhello: unloaded\n[    2.1] WARNING: CPU: 0 PID: 1 at kernel/module/main.c:1 free_module+0x1/0x2",
      );
    const r = parseBootOutput(text, ["kmfhello"], clean);
    expect(r.ok).toBe(false);
    expect(r.taint.problems).toEqual(["W"]);
    expect(r.kernelProblems).toEqual([
      "WARNING: CPU: 0 PID: 1 at kernel/module/main.c:1 free_module+0x1/0x2",
    ]);
  });

  it("fails when the exercise fails, quoting the failed operation", async () => {
    const text = (await log("6.1.0-56-amd64-loaded-xz.log"))
      .replace(
        "op label=read-dev rc=0 target=/dev/kmfhello out=hi",
        "op label=read-dev rc=1 target=/dev/kmfhello out=head: /dev/kmfhello: Invalid argument",
      )
      .replace("exercise-end rc=0", "exercise-end rc=1");
    const r = parseBootOutput(text, ["kmfhello"], clean);
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual([
      "the exercise script failed (rc 1): read-dev /dev/kmfhello rc 1: head: /dev/kmfhello: Invalid argument",
    ]);
  });

  it("without an exercise script, a clean load and unload passes; with one, a missing exercise fails", async () => {
    const text = (await log("6.1.0-56-amd64-loaded-xz.log"))
      .split("\n")
      .filter((l) => !/@@kmodforge (exercise-|op )/.test(l))
      .join("\n");
    const plainLoad = parseBootOutput(text, ["kmfhello"], { ...clean, exercise: false });
    expect(plainLoad.failures).toEqual([]);
    expect(plainLoad.exercise.ran).toBe(false);
    expect(parseBootOutput(text, ["kmfhello"], clean).failures).toEqual(["the exercise script did not run"]);
  });

  it("fails when a module stays loaded, and when the guest stops early", async () => {
    const full = await log("6.1.0-56-amd64-loaded-xz.log");
    const stuck = parseBootOutput(
      full.replace("rmmod module=kmfhello rc=0 gone=1", "rmmod module=kmfhello rc=1 gone=0"),
      ["kmfhello"],
      clean,
    );
    expect(stuck.failures).toEqual(["module kmfhello did not unload (rmmod rc 1)"]);
    const cut = parseBootOutput(full.slice(0, full.indexOf("@@kmodforge exercise-end")), ["kmfhello"], clean);
    expect(cut.ok).toBe(false);
    expect(cut.failures).toContain(
      'the guest stopped before the load test finished: its report ends after "op" and QEMU exited normally (the guest powered off or reset)',
    );
    const killed = parseBootOutput(full.slice(0, full.indexOf("@@kmodforge end")), ["kmfhello"], {
      ...clean,
      exitCode: null,
      signal: "SIGKILL",
    });
    expect(killed.failures).toEqual([
      'the guest stopped before the load test finished: its report ends after "dmesg-end" and QEMU was killed by SIGKILL',
    ]);
  });
});

describe("parseBootOutput on consoles recorded from failed runs", () => {
  it("names where a report was cut off at power-off (the flaky CI run), though every step had passed", async () => {
    // QEMU wrote the console to a pipe the host read late; the guest powered off with the rest still queued. The
    // middle of the kernel log is elided here; the end is the console exactly as it was cut.
    const r = parseBootOutput(
      await log("6.1.0-57-amd64-console-cut-at-poweroff.log"),
      ["kmodforge_sample"],
      clean,
    );
    expect(r).toMatchObject({ ok: false, booted: true, completed: false });
    expect(r.modules[0]).toMatchObject({ loaded: true, unloaded: true });
    expect(r.exercise.rc).toBe(0);
    expect(r.failures).toEqual([
      'the guest stopped before the load test finished: its report ends after "dmesg-begin" and QEMU exited normally (the guest powered off or reset)',
    ]);
  });

  it("fails a kernel that panics before init at once, with the kernel's own words", async () => {
    // A TCG guest on a loaded host, before the command line carried no_timer_check.
    const r = parseBootOutput(await log("6.1.0-57-amd64-timer-check-panic.log"), ["kmodforge_sample"], clean);
    expect(r).toMatchObject({ ok: false, booted: false });
    expect(r.failures[0]).toMatch(/never reached the load-test init/);
    expect(r.failures.join("\n")).toMatch(
      /kernel problem: .*Kernel panic - not syncing: IO-APIC \+ timer doesn't work!/,
    );
  });
});
