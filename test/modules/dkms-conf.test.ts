import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  emptyPresets,
  mentionsBuildScripts,
  parseEvaluatedConf,
  readDkmsConf,
  readDkmsConfForBuild,
} from "../../src/core/modules/dkms-conf.js";
import { readAssignments } from "../../src/core/modules/shell-assignments.js";
import { evaluateInBash, fixture, PRESETS, plain } from "./support.js";

/**
 * The dkms.conf reader: what DKMS would read from a file of plain assignments (checked against real bash running
 * DKMS's read_conf steps), and "needs a shell" — never a guess, never an execution — for everything else.
 */

const read = (text: string) => readDkmsConfForBuild(text, PRESETS);

function values(text: string) {
  const r = read(text);
  if (r.kind !== "values") throw new Error(`expected plain values, got needs-shell: ${r.reason}`);
  return plain(r.values);
}

describe("real dkms.conf files from Debian 12", () => {
  it("acpi-call: MAKE with $kernel_source_dir, $dkms_tree, $PACKAGE_NAME, $PACKAGE_VERSION in braces", () => {
    const v = values(fixture("acpi-call-dkms"));
    expect(v.PACKAGE_NAME).toEqual({ 0: "acpi-call" });
    expect(v.PACKAGE_VERSION).toEqual({ 0: "1.2.2" });
    expect(v.MAKE).toEqual({
      0: "make -C /lib/modules/6.1.0-57-amd64/build M=/work/out/dkms-tree/acpi-call/1.2.2/build",
    });
    expect(v.BUILT_MODULE_NAME).toEqual({ 0: "acpi_call" });
    expect(v.BUILD_EXCLUSIVE_CONFIG).toEqual({ 0: "CONFIG_ACPI" });
    expect(v).toEqual(plain(ok(evaluateInBash(fixture("acpi-call-dkms")))));
  });

  it("jool: a make line continued with backslash-newline inside double quotes collapses to one line", () => {
    const v = values(fixture("jool-dkms"));
    const tree = "/work/out/dkms-tree/jool-dkms/4.1.9/build";
    expect(v.MAKE![0]).toBe(
      `make -C /lib/modules/6.1.0-57-amd64/build M=${tree}/src/mod/common modules && make -C /lib/modules/6.1.0-57-amd64/build M=${tree}/src/mod/nat64 modules && make -C /lib/modules/6.1.0-57-amd64/build M=${tree}/src/mod/siit modules`,
    );
    expect(v.BUILT_MODULE_NAME).toEqual({ 0: "jool_common", 1: "jool", 2: "jool_siit" });
    expect(v.BUILT_MODULE_LOCATION).toEqual({
      0: "src/mod/common/",
      1: "src/mod/nat64/",
      2: "src/mod/siit/",
    });
    expect(v).toEqual(plain(ok(evaluateInBash(fixture("jool-dkms")))));
  });

  it("openvpn-dco: MAKE= is MAKE[0]; $kernelver (in braces) and $PACKAGE_VERSION are substituted", () => {
    const v = values(fixture("openvpn-dco-dkms"));
    expect(v.MAKE).toEqual({
      0: "make VER=6.1.0-57-amd64 KERNEL_SRC=/lib/modules/6.1.0-57-amd64/build REVISION=0.0+git20231103",
    });
    expect(v.BUILT_MODULE_LOCATION).toEqual({ 0: "drivers/net/ovpn-dco" });
    expect(v).toEqual(plain(ok(evaluateInBash(fixture("openvpn-dco-dkms")))));
  });

  it("falcosecurity-scap: no MAKE (DKMS's default applies later)", () => {
    const v = values(fixture("falcosecurity-scap-dkms"));
    expect(v.MAKE).toBeUndefined();
    expect(v.BUILT_MODULE_NAME).toEqual({ 0: "scap" });
    expect(v).toEqual(plain(ok(evaluateInBash(fixture("falcosecurity-scap-dkms")))));
  });

  it("lttng-modules and v4l2loopback source the kernel's .config in conditionals: they need a shell", () => {
    const lttng = read(fixture("lttng-modules-dkms"));
    expect(lttng).toMatchObject({
      kind: "needs-shell",
      reason: 'line 8: a command ("if")',
      partial: { name: "lttng-modules", version: "2.13.9" },
    });
    const v4l2 = read(fixture("v4l2loopback-dkms"));
    expect(v4l2).toMatchObject({ kind: "needs-shell", partial: { name: "v4l2loopback", version: "0.12.7" } });
  });
});

function ok<T>(r: { ok: true; values: T } | { ok: false; message: string }): T {
  if (!r.ok) throw new Error(r.message);
  return r.values;
}

describe("quoting, arrays, continuations, comments", () => {
  const cases: Array<[string, string, Record<string, Record<number, string>>]> = [
    [
      "single quotes keep $ for the second expansion",
      `PACKAGE_NAME='$kernelver'`,
      { PACKAGE_NAME: { 0: "6.1.0-57-amd64" } },
    ],
    [
      "escaped \\$ in double quotes is expanded on the re-read",
      `PACKAGE_NAME="\\$arch"`,
      { PACKAGE_NAME: { 0: "x86_64" } },
    ],
    ["whitespace collapses", `MAKE="make   -C\tx\n  all"`, { MAKE: { 0: "make -C x all" } }],
    ["unquoted words with escapes", `PACKAGE_NAME=a\\ b`, { PACKAGE_NAME: { 0: "a b" } }],
    [
      "arrays, sparse indices",
      `BUILT_MODULE_NAME=(a "b c")\nBUILT_MODULE_NAME[5]=z`,
      { BUILT_MODULE_NAME: { 0: "a", 1: "b c", 5: "z" } },
    ],
    [
      "a scalar assignment sets element 0 of an array",
      `STRIP=(no no)\nSTRIP=yes`,
      { STRIP: { 0: "yes", 1: "no" } },
    ],
    [
      "comments and several assignments per line",
      `# c\nPACKAGE_NAME=x PACKAGE_VERSION=1 # trailing\n`,
      { PACKAGE_NAME: { 0: "x" }, PACKAGE_VERSION: { 0: "1" } },
    ],
    ["a # inside a word is not a comment", `PACKAGE_NAME=a#b`, { PACKAGE_NAME: { 0: "a#b" } }],
    ["line continuation outside quotes", `PACKAGE_NAME=ab\\\ncd`, { PACKAGE_NAME: { 0: "abcd" } }],
    ["helpers are used, then dropped", `N=foo\nPACKAGE_NAME=$N-dkms`, { PACKAGE_NAME: { 0: "foo-dkms" } }],
    ["a variable set later is empty before", `PACKAGE_NAME=x$N\nN=1`, { PACKAGE_NAME: { 0: "x" } }],
    [
      "$module is the package's own name on a build",
      `PACKAGE_NAME=foo\nMAKE="make M=$module"`,
      { PACKAGE_NAME: { 0: "foo" }, MAKE: { 0: "make M=foo" } },
    ],
    [
      "semicolons separate assignments",
      `PACKAGE_NAME=a; PACKAGE_VERSION=2;`,
      { PACKAGE_NAME: { 0: "a" }, PACKAGE_VERSION: { 0: "2" } },
    ],
    ["a lone $ is literal", `BUILD_EXCLUSIVE_KERNEL="^6\\.1$"`, { BUILD_EXCLUSIVE_KERNEL: { 0: "^6\\.1$" } }],
  ];
  for (const [what, text, expected] of cases)
    it(what, () => {
      expect(values(text)).toEqual(expected);
      expect(plain(ok(evaluateInBash(text)))).toEqual(expected);
    });

  it("reports the line of the first construct it leaves to a shell", () => {
    const r = readAssignments("A=1\n\nif true; then B=2; fi\n");
    expect(r).toMatchObject({ ok: false, line: 3, reason: 'a command ("if")' });
  });
});

describe("hostile values never run here", () => {
  const dir = mkdtempSync(join(tmpdir(), "kmodforge-hostile-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const canary = join(dir, "ran");
  const HOSTILE = [
    `MAKE[0]="make $(touch ${canary})"`,
    `MAKE[0]="make \`touch ${canary}\`"`,
    // Single quotes only delay it: DKMS's re-read expands the value again.
    `MAKE[0]='make $(touch ${canary})'`,
    `MAKE[0]="make \\$(touch ${canary})"`,
    `MAKE[0]="make \${X:-$(touch ${canary})}"`,
    `MAKE[0]="make $((1+$(touch ${canary})))"`,
    `PACKAGE_NAME=x; touch ${canary}`,
    `. ${canary}`,
    `MAKE=(make $(touch ${canary}))`,
    `MAKE[$(touch ${canary})]=make`,
    `PACKAGE_NAME=x >${canary}`,
  ];
  for (const text of HOSTILE)
    it(`needs a shell, and nothing ran: ${text}`, () => {
      const r = readDkmsConf(text, { ...PRESETS, module: "", module_version: "" });
      expect(r.kind).toBe("needs-shell");
      expect(existsSync(canary)).toBe(false);
    });

  it("arbitrary text is read or left to a shell, never thrown on, never run", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const r = readDkmsConf(text, emptyPresets());
        expect(["values", "needs-shell"]).toContain(r.kind);
      }),
      { numRuns: 2000 },
    );
    expect(existsSync(canary)).toBe(false);
  });
});

describe("the reader agrees with bash on generated plain files", () => {
  const KEYS = [
    "PACKAGE_NAME",
    "PACKAGE_VERSION",
    "MAKE",
    "BUILT_MODULE_NAME",
    "BUILT_MODULE_LOCATION",
    "CLEAN",
  ];
  const HELPERS = ["N", "V", "loc"];
  const text = fc.stringMatching(/^[A-Za-z0-9 ._\-/=+,:@%^\t]{0,12}$/);
  const ref = fc.constantFrom(
    ...HELPERS,
    ...KEYS,
    "kernelver",
    "arch",
    "kernel_source_dir",
    "dkms_tree",
    "module",
  );
  // A word: runs of plain text, quoted text, escapes and references, as dkms.conf files write them.
  const piece = fc.oneof(
    text.map((t) => t.replace(/[ \t=]/g, "_")),
    text.map((t) => `'${t}'`),
    text.map((t) => `"${t}"`),
    ref.map((r) => `$${r}`),
    ref.map((r) => `"\${${r}}"`),
    fc.constantFrom(...KEYS, "kernelver", "arch", "module").map((r) => `'$${r}'`),
    text.map((t) => `"${t}\\\n${t}"`),
  );
  const word = fc.array(piece, { minLength: 1, maxLength: 4 }).map((ps) => ps.join(""));
  const statement = fc.oneof(
    fc.tuple(fc.constantFrom(...KEYS, ...HELPERS), word).map(([k, w]) => `${k}=${w}`),
    fc
      .tuple(fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 3 }), word)
      .map(([k, i, w]) => `${k}[${i}]=${w}`),
    fc
      .tuple(
        fc.constantFrom(...KEYS),
        fc.array(fc.constantFrom("a", "'b c'", '"d"', "e\\ f"), { maxLength: 3 }),
      )
      .map(([k, ws]) => `${k}=(${ws.join(" ")})`),
    fc.constant("# a comment"),
  );
  // Helpers are set first (a reference to a variable the file never sets could come from DKMS's environment).
  const conf = fc
    .array(statement, { minLength: 1, maxLength: 8 })
    .map((ss) => `N=n1\nV="2.0 x"\nloc=src/\n${ss.join("\n")}\n`);

  it("every file the reader reads gives bash's values", () => {
    let compared = 0;
    fc.assert(
      fc.property(conf, (text) => {
        const r = read(text);
        if (r.kind !== "values") return;
        compared++;
        expect(plain(r.values)).toEqual(plain(ok(evaluateInBash(text))));
      }),
      { numRuns: 200 },
    );
    // The generator is meant to exercise the reader, not the fallback.
    expect(compared).toBeGreaterThan(150);
  }, 120_000);
});

describe("the evaluated output of the build environment", () => {
  it("is read back as the same values", () => {
    expect(plain(ok(parseEvaluatedConf("MAKE\u00000\u0000make all\u0000MAKE\u00002\u0000x\u0000")))).toEqual({
      MAKE: { 0: "make all", 2: "x" },
    });
  });
  it("refuses keys DKMS does not accept, bad indices and truncation", () => {
    expect(parseEvaluatedConf("PATH\u00000\u0000x\u0000").ok).toBe(false);
    expect(parseEvaluatedConf("MAKE\u0000-1\u0000x\u0000").ok).toBe(false);
    expect(parseEvaluatedConf("MAKE\u00000\u0000x").ok).toBe(false);
    expect(parseEvaluatedConf("MAKE\u00000\u0000").ok).toBe(false);
  });
});

it("finds build scripts before evaluation", () => {
  expect(mentionsBuildScripts('PRE_BUILD="configure"')).toBe(true);
  expect(mentionsBuildScripts("  POST_BUILD[0]=x")).toBe(true);
  expect(mentionsBuildScripts(fixture("lttng-modules-dkms"))).toBe(false);
});
