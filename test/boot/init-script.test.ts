import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runProcess } from "../../src/adapters/run-process.js";
import { EXERCISE_IN_SOURCE, HELPERS_SCRIPT, renderInitScript } from "../../src/core/boot/init-script.js";

async function busyboxSyntaxCheck(script: string): Promise<{ code: number | null; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), "init-test-"));
  try {
    await writeFile(join(dir, "s.sh"), script);
    return await runProcess("busybox", ["sh", "-n", join(dir, "s.sh")]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("renderInitScript", () => {
  const modules = [
    { name: "dep_mod", path: "/modules/0-dep_mod.ko" },
    { name: "kmfhello", path: "/modules/1-kmfhello.ko.xz" },
  ];

  it("loads in order, unloads in reverse and reports each step", () => {
    const init = renderInitScript(modules, { exerciseTimeoutSec: 20, exercisePath: "/exercise.sh" });
    expect(init.indexOf("insmod /modules/0-dep_mod.ko ")).toBeLessThan(
      init.indexOf("insmod /modules/1-kmfhello.ko.xz "),
    );
    expect(init).toContain('loaded="kmfhello $loaded"'); // prepended: rmmod walks the list newest first
    expect(init).toContain("timeout 20 sh -c");
    expect(init).toMatch(/poweroff -f\n$/);
    // Power-off waits until the console has sent the whole report (stty applies settings with TCSADRAIN).
    expect(init).toMatch(
      /mark end\nsync\n(#.*\n)*stty -F \/dev\/console "\$\(stty -F \/dev\/console -g\)"\npoweroff -f\n$/,
    );
  });

  it("without an exercise script, loads, checks and unloads only", () => {
    const init = renderInitScript(modules);
    expect(init).not.toContain("exercise");
    expect(init).toContain("insmod /modules/1-kmfhello.ko.xz");
    expect(init).toContain('rmmod "$m"');
  });

  it("is valid busybox shell, as are the helpers and the sample module's exercise", async () => {
    const sample = await readFile(
      join(import.meta.dirname, "../../kernel-module", EXERCISE_IN_SOURCE),
      "utf8",
    );
    for (const script of [
      renderInitScript(modules),
      renderInitScript(modules, { exerciseTimeoutSec: 5, exercisePath: "/e.sh" }),
      renderInitScript(modules, { viaLoader: true }),
      HELPERS_SCRIPT,
      sample,
    ]) {
      const r = await busyboxSyntaxCheck(script);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
  });

  it("through the node loader: one loader run, then each module reported from /proc/modules", () => {
    const init = renderInitScript(modules, { viaLoader: true });
    expect(init).toContain('lout="$(sh /bin/kmodforge-loader --from-dir /artifact 2>&1)"; lrc=$?');
    expect(init).not.toContain("insmod /modules/");
    expect(init.indexOf('grep -q "^dep_mod " /proc/modules')).toBeLessThan(
      init.indexOf('grep -q "^kmfhello " /proc/modules'),
    );
    // A loader that exits 0 without loading a module still reports that module as not loaded.
    expect(init).toContain('[ "$mrc" = 0 ] && mrc=1');
  });

  it("refuses names and paths that would change the script", () => {
    expect(() => renderInitScript([{ name: "a;reboot", path: "/m/a.ko" }])).toThrow(/unsafe module name/);
    expect(() => renderInitScript([{ name: "a", path: "/m/a.ko $(reboot)" }])).toThrow(/unsafe module path/);
    expect(() => renderInitScript([{ name: "a", path: "/m/../a.ko" }])).toThrow(/unsafe module path/);
    expect(() => renderInitScript([])).toThrow(/at least one module/);
  });
});
