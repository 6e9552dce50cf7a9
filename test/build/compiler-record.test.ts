import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { script } from "../../src/executors/build-scripts.js";

/**
 * Which compiler a tree asks for, as compile-module.sh reads it: Kconfig's CONFIG_GCC_VERSION from 4.18 on; before
 * (CentOS 7's 3.10, Ubuntu 18.04's 4.15, UEK R5's 4.14) the LINUX_COMPILER line of include/generated/compile.h.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tree(autoConf: string, compileH?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "kmodforge-cc-"));
  dirs.push(dir);
  mkdirSync(join(dir, "include/config"), { recursive: true });
  mkdirSync(join(dir, "include/generated"), { recursive: true });
  writeFileSync(join(dir, "include/config/auto.conf"), autoConf);
  if (compileH !== undefined) writeFileSync(join(dir, "include/generated/compile.h"), compileH);
  return dir;
}

const probe = (dir: string) =>
  spawnSync("sh", [script("compile-module.sh"), "--probe", dir, "x86_64"], { encoding: "utf8" });
const hostMajor = execFileSync("gcc", ["-dumpversion"], { encoding: "utf8" }).trim().split(".")[0]!;

describe("the compiler a kernel tree names", () => {
  it("a pre-4.18 tree without CONFIG_GCC_VERSION: the major of compile.h's LINUX_COMPILER", () => {
    const same = tree(
      "CONFIG_MODULES=y\n",
      `#define LINUX_COMPILER "gcc version ${hostMajor}.2.0 (Debian)"\n`,
    );
    expect(probe(same).status).toBe(0);
    const other = tree(
      "CONFIG_MODULES=y\n",
      '#define LINUX_COMPILER "gcc version 4.8.5 20150623 (Red Hat 4.8.5-44) (GCC) "\n',
    );
    const r = probe(other);
    expect(r.status).toBe(6);
    expect(r.stderr).toContain("(major 4)");
  });

  it("a tree that names no compiler at all is refused as a bad tree", () => {
    const r = probe(tree("CONFIG_MODULES=y\n"));
    expect(r.status).toBe(3);
    expect(r.stderr).toContain("records no compiler");
  });

  it("Kconfig's CONFIG_GCC_VERSION wins when the tree has it", () => {
    const r = probe(
      tree(`CONFIG_GCC_VERSION=${hostMajor}0200\n`, '#define LINUX_COMPILER "gcc version 4.8.5"\n'),
    );
    expect(r.status).toBe(0);
  });
});
