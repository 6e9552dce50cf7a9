import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { distributionNames, scanSource } from "../support/distro-scan.js";

/**
 * The registry is the only place that knows distributions: no file under src/ outside src/distros decides anything
 * by a distribution's name, alias, crawler key or codename, or reads a distribution's tags with a regex.
 */

const ROOT = join(import.meta.dirname, "../..");
const SRC = join(ROOT, "src");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return path === join(SRC, "distros") ? [] : sources(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

describe("distribution knowledge lives in src/distros", () => {
  it("knows the names it looks for (every distribution, aliases, crawler keys, codenames)", () => {
    const names = distributionNames();
    for (const n of [
      "debian",
      "ubuntu",
      "oraclelinux",
      "ol",
      "opensuse",
      "opensuse-leap",
      "sles",
      "amazonlinux2023",
    ])
      expect(names).toContain(n);
    for (const codename of ["bookworm", "trixie", "jammy", "noble"]) expect(names).toContain(codename);
  });

  it("no source file outside src/distros branches on a distribution", () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(100);
    const names = distributionNames();
    const findings = files.flatMap((f) => scanSource(relative(ROOT, f), readFileSync(f, "utf8"), names));
    expect(findings.map((f) => `${f.file}:${f.line}: ${f.what}: ${f.text}`)).toEqual([]);
  });

  it("finds each kind of branch it is meant to find, and passes comments and messages", () => {
    const bad = [
      'if (id.distro === "debian") x();',
      'switch (d) { case "fedora": break; }',
      'const isDeb = ["debian", "ubuntu"].includes(d);',
      "const RULES = { ubuntu: 1, debian: 2 };",
      'const image = { "rocky": "rockylinux:9" };',
      'const t = table["ol"];',
      "const tag = /\\.el(\\d+)/;",
      "const al = /\\.amzn(2023)/;",
      'const s = suite === "bookworm" ? 1 : 2;',
      "const v = /\\+deb(\\d+)-/.exec(r);",
      `const dir = join(root, \`usr/src/kernels/\${release}\`);`,
    ];
    for (const line of bad) expect(scanSource("t.ts", line), line).not.toEqual([]);
    const fine = [
      '// the debian archive keeps every upload; `if (distro === "debian")` in a comment is prose',
      'throw new Error("fetching kernel images is implemented for debian only");',
      "const opts = { debian: true, force: false };",
      "const deb = /^([a-z0-9][a-z0-9+.-]*)_([^_]+)_[a-z0-9]+\\.deb$/;",
      "/** Distribution: ubuntu, debian, fedora */ const x = 1;",
    ];
    for (const line of fine) expect(scanSource("t.ts", line), line).toEqual([]);
  });
});
