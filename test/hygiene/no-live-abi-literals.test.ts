import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkTestTree, LIVE_MODULES, scanSource } from "./live-archive-scan.js";

/**
 * THE RULE: a test that talks to the live Debian archive derives every expectation from what it picked there
 * (test/support/mirror-releases.ts), never from a kernel release or package version written into it. The archive
 * moves on every few weeks; a test that asserts yesterday's `6.1.0-56` turns CI red for everyone the day `-57`
 * lands.
 *
 * Which files talk to the live archive is decided from the code, not declared, so a live test cannot opt out:
 * - it imports a module that reaches the archive the host's apt configuration names (LIVE_MODULES in
 *   live-archive-scan.ts: the host mirror's apt metadata, the private apt, the boot-asset fetcher, the build,
 *   header preparation, static verify and boot-test executors), or resolves headers through `loadTargets()` (the
 *   repository's targets/, `mirrors: [host]`);
 * - it runs `bin/kmodforge.js` (itself or through a runner in test/support) with an argument that goes to the
 *   archive: `--debian`, `--boot`, or `build` / `resolve` without `--targets` (the repository's targets/);
 *   or it runs apt-get, apt-cache or debootstrap;
 * - it imports a test-local module (test/support, test/build/support.ts …) that does any of this;
 * - every shell script under test/ counts as live.
 *
 * In such a file no string, template, `+` chain of literals or regular expression (escapes removed) may contain a
 * Debian ABI or package version (`\d+.\d+.\d+-\d+` or `…+debNN`): `6.1.0-57-amd64`, `6.1.192-2`, `6.12.117+deb12`.
 * Comments are free. Offline tests (parsers, fixture servers, recorded Packages files) use real releases as data and
 * are not affected; a live file that must hold such a string for an offline check marks that line with a comment
 * `abi-literal-ok: <why it is not the archive's state>` on it or the line above. test/fixtures is not scanned.
 */

const ROOT = join(import.meta.dirname, "../..");
const scan = (text: string) => scanSource(ROOT, "test/example/live.test.ts", text);
const flagged = (text: string) => {
  const s = scan(text);
  return s.literals.filter((l) => !s.allowed.has(l.line)).map((l) => l.text);
};

describe("no live-archive ABI literals in tests", () => {
  it("no test that talks to the live archive asserts a release or version the archive served on some day", () => {
    const { violations } = checkTestTree(ROOT);
    expect(violations.map((v) => `${v.file}:${v.line}: ${v.text}`)).toEqual([]);
  });

  it("knows the modules that reach the live archive by the names they have today", () => {
    // A module renamed or split away must be renamed here too, or the guard would quietly see fewer live tests.
    for (const module of LIVE_MODULES) expect(existsSync(join(ROOT, `${module}.ts`)), module).toBe(true);
  });

  it("recognises the tests that talk to the live archive, directly or through their support modules", () => {
    const { live } = checkTestTree(ROOT);
    for (const file of [
      "test/headers/real-archive.test.ts",
      "test/build/real-builds.test.ts",
      "test/build/verify-gate.test.ts",
      "test/build/rpm-tree.test.ts",
      "test/dagger/runners-agree.test.ts",
      "test/boot/load-in-real-kernel.test.ts",
      "test/sweep/debian.test.ts",
      // Through the shared CLI runner (test/support/cli.ts).
      "test/report/real-sweep.test.ts",
      "test/env/steps/40-boot.sh",
    ])
      expect(live.has(file), file).toBe(true);
    // Offline tests that use real releases as data, including ones that drive apt against a fixture server.
    for (const file of [
      "test/sweep/debian-discovery.test.ts",
      "test/identity/consistency.test.ts",
      "test/identity/cli.test.ts",
      "test/identity/targets.test.ts",
      "test/headers/apt-faults.test.ts",
      "test/headers/resolve-cli.test.ts",
      "test/sweep/cli.test.ts",
      "test/sources/targets-chains.test.ts",
      "test/dagger/pipeline-capture.test.ts",
    ])
      expect(live.has(file), file).toBe(false);
  });

  it("finds releases however they are written", () => {
    expect(flagged(`expect(x).toBe("6.1.0-56-amd64");`)).toEqual(["6.1.0-56-amd64"]);
    expect(flagged(`expect(x).toMatch(/does not start with 6\\.1\\.0-56-arm64/);`)).toHaveLength(1);
    expect(flagged(`new RegExp("^6\\\\.12\\\\.117\\\\+deb12-amd64$");`)).toHaveLength(1);
    expect(flagged(`const k = "6.1.0-" + 56 + "-amd64";`)).toEqual(["6.1.0-56-amd64"]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal under scan
    expect(flagged("const k = `6.1.0-${56}-amd64`;")).toEqual(["6.1.0-56-amd64"]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal under scan
    expect(flagged("const k = `6.1.0-56-${flavour}`;")).toHaveLength(1);
    expect(flagged(`const v = { version: "6.1.192-2" };`)).toEqual(["6.1.192-2"]);
  });

  it("leaves patterns, derived values and comments alone", () => {
    expect(flagged(`const p = /^linux-headers-6\\.1\\.0-[0-9]+-amd64$/;`)).toEqual([]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal under scan
    expect(flagged("const k = `6.1.0-${abi}-amd64`;")).toEqual([]);
    expect(flagged(`// today the mirror serves 6.1.0-57-amd64\nconst k = picked;`)).toEqual([]);
    expect(flagged(`expect(gcc).toMatch(/^gcc-12 \\(Debian 12\\.2\\.0/);`)).toEqual([]);
  });

  it("accepts a marker only with a reason, only next to a literal", () => {
    expect(
      flagged(`// abi-literal-ok: parsed from the recorded Packages fixture\nconst k = "6.1.0-56-amd64";`),
    ).toEqual([]);
    expect(flagged(`const k = "6.1.0-56-amd64"; // abi-literal-ok: recorded fixture input`)).toEqual([]);
    expect(flagged(`const k = "6.1.0-56-amd64"; // abi-literal-ok: ok`)).toHaveLength(1);
    expect(scan(`const k = "6.1.0-56-amd64"; // abi-literal-ok: ok`).badMarkers[0]?.text).toMatch(/reason/);
    expect(scan(`// abi-literal-ok: nothing is next to this marker\nconst k = 1;`).badMarkers).toHaveLength(
      1,
    );
  });

  it("classifies by what a file does, not by what it says about itself", () => {
    expect(scan(`import { PrivateApt } from "../../src/adapters/private-apt.js";`).doors).toHaveLength(1);
    expect(scan(`import type { DebPackage } from "../../src/adapters/private-apt.js";`).doors).toEqual([]);
    expect(scan(`run(node, ["bin/kmodforge.js", "sweep", "--debian"]);`)).toMatchObject({
      runsCli: true,
      cliWords: ["--debian"],
    });
    expect(scan(`run(node, ["bin/kmodforge.js", "identity", "--kernel", k]);`).cliWords).toEqual([]);
    expect(scan(`run(node, ["bin/kmodforge.js", "resolve", "--kernel", k]);`).cliWords).toEqual(["resolve"]);
    expect(scan(`run(node, [BIN, "resolve", "--targets", fixtureTargets]);`).cliWords).toEqual([]);
    expect(
      scan(`import { resolveHeaders } from "../../src/adapters/resolver.js";\nconst t = await loadTargets();`)
        .doors,
    ).toHaveLength(1);
    expect(scan(`const t = await loadTargets();`).doors).toEqual([]);
    expect(scan(`execFile("apt-get", ["download", name]);`).doors).toHaveLength(1);
  });
});
