import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bashMatches } from "../../src/core/modules/bash-regex.js";
import type { DkmsValues } from "../../src/core/modules/dkms-conf.js";
import { readDkmsConfForBuild } from "../../src/core/modules/dkms-conf.js";
import { dkmsVersionKey } from "../../src/core/modules/dkms-exclusion.js";
import { planDkmsBuild } from "../../src/core/modules/dkms-plan.js";
import { evaluateInBash, fixture, PRESETS } from "./support.js";

/** Planning a DKMS build as DKMS's read_conf and do_build decide it: commands, modules, patches, exclusions. */

const KERNEL = {
  release: "6.1.0-57-amd64",
  arch: "x86_64",
  configText: "CONFIG_ACPI=y\nCONFIG_NET=y\nCONFIG_KVM=m\n",
};
const presetsFor = (name: string, version: string) => ({ ...PRESETS, module: name, module_version: version });

function valuesOf(text: string): DkmsValues {
  const r = readDkmsConfForBuild(text, PRESETS);
  if (r.kind === "values") return r.values;
  const evaluated = evaluateInBash(text);
  if (!evaluated.ok) throw new Error(evaluated.message);
  return evaluated.values;
}

function plan(text: string, kernel = KERNEL) {
  const values = valuesOf(text);
  const name = values.get("PACKAGE_NAME")?.get(0) ?? "";
  const version = values.get("PACKAGE_VERSION")?.get(0) ?? "";
  return planDkmsBuild(values, presetsFor(name, version), kernel);
}

function built(text: string, kernel = KERNEL) {
  const r = plan(text, kernel);
  if (r.kind !== "build") throw new Error(`expected a build, got ${JSON.stringify(r)}`);
  return r.plan;
}

const BASE = `PACKAGE_NAME=pkg\nPACKAGE_VERSION=1.0\n`;
const ONE = `${BASE}BUILT_MODULE_NAME[0]=pkg\nDEST_MODULE_LOCATION[0]=/extra\n`;

describe("real packages", () => {
  it("jool: three modules in subdirectories, its own && make line, DKMS's -j/KERNELRELEASE prefix", () => {
    const p = built(fixture("jool-dkms"));
    expect(p.package).toEqual({ name: "jool-dkms", version: "4.1.9" });
    expect(p.buildDir).toBe("/work/out/dkms-tree/jool-dkms/4.1.9/build");
    expect(p.modules.map((m) => `${m.location}${m.builtName}`)).toEqual([
      "src/mod/common/jool_common",
      "src/mod/nat64/jool",
      "src/mod/siit/jool_siit",
    ]);
    expect(p.make.prefixed).toBe(true);
    expect(p.make.command.split(" && ")).toHaveLength(3);
    expect(p.notes.join("\n")).toMatch(/CLEAN is not run/);
  });

  it("falcosecurity-scap: DKMS's default make line and the package name as the module", () => {
    const p = built(fixture("falcosecurity-scap-dkms"));
    expect(p.make).toEqual({
      command: `make -C ${PRESETS.kernel_source_dir} M=${PRESETS.dkms_tree}/scap/0.1.1dev+git20220316.e5c53d64/build`,
      prefixed: true,
    });
    expect(p.modules).toEqual([{ index: 0, builtName: "scap", location: "", destName: "scap" }]);
  });

  it("openvpn-dco: a module under drivers/net/ovpn-dco, location gets its slash", () => {
    const p = built(fixture("openvpn-dco-dkms"));
    expect(p.modules[0]).toMatchObject({ builtName: "ovpn-dco-v2", location: "drivers/net/ovpn-dco/" });
  });

  it("acpi-call: BUILD_EXCLUSIVE_CONFIG excludes a kernel without CONFIG_ACPI, with the rule", () => {
    expect(plan(fixture("acpi-call-dkms")).kind).toBe("build");
    const r = plan(fixture("acpi-call-dkms"), { ...KERNEL, configText: "CONFIG_NET=y\n" });
    expect(r).toEqual({
      kind: "excluded",
      rule: 'BUILD_EXCLUSIVE_CONFIG="CONFIG_ACPI": CONFIG_ACPI is not set in this kernel',
      package: { name: "acpi-call", version: "1.2.2" },
    });
  });
});

describe("make command", () => {
  it("MAKE_MATCH picks the last matching MAKE[i]; MAKE[0] is not used once MAKE_MATCH[0] is set", () => {
    const text = `${ONE}MAKE[0]="make zero"\nMAKE[1]="make one"\nMAKE_MATCH[1]="^6\\.1"\nMAKE[2]="make two"\nMAKE_MATCH[2]="^5\\."\n`;
    expect(built(text).make.command).toBe("make one");
    expect(built(`${text}MAKE_MATCH[0]="^4"\n`).make.command).toBe("make one");
    expect(built(`${ONE}MAKE[0]="make zero"\nMAKE_MATCH[0]="^4"\n`).make.command).toMatch(/^make -C /);
  });

  it("a command that is not make is run as given", () => {
    expect(built(`${ONE}MAKE="./build.sh $kernelver"`).make).toEqual({
      command: "./build.sh 6.1.0-57-amd64",
      prefixed: false,
    });
  });
});

describe("modules", () => {
  it("the module count is the highest index + 1 over the name and location arrays", () => {
    const p = built(
      `${BASE}BUILT_MODULE_NAME[0]=a\nBUILT_MODULE_NAME[2]=c\nBUILT_MODULE_NAME[1]=b\nDEST_MODULE_LOCATION=(/extra /extra /extra)\nDEST_MODULE_NAME[2]=renamed\n`,
    );
    expect(p.modules.map((m) => [m.builtName, m.destName])).toEqual([
      ["a", "a"],
      ["b", "b"],
      ["c", "renamed"],
    ]);
  });

  it("refuses what DKMS refuses, with DKMS's words", () => {
    const errors = (text: string) => {
      const r = plan(text);
      return r.kind === "invalid" ? r.errors.join("\n") : "";
    };
    expect(errors(`PACKAGE_VERSION=1\nBUILT_MODULE_NAME=a\nDEST_MODULE_LOCATION=/extra`)).toMatch(
      /No 'PACKAGE_NAME' directive/,
    );
    expect(errors(`${BASE}BUILT_MODULE_NAME=a.ko\nDEST_MODULE_LOCATION=/extra`)).toMatch(
      /ends in '.o' or '.ko'/,
    );
    expect(errors(`${BASE}BUILT_MODULE_NAME=a`)).toMatch(/No 'DEST_MODULE_LOCATION'/);
    expect(errors(`${BASE}BUILT_MODULE_NAME=a\nDEST_MODULE_LOCATION=/opt`)).toMatch(/does not begin with/);
    expect(errors(`${BASE}BUILT_MODULE_NAME[1]=b\nDEST_MODULE_LOCATION=(/extra /extra)`)).toMatch(
      /No 'BUILT_MODULE_NAME' directive specified for record #0/,
    );
    expect(
      errors(`${BASE}BUILT_MODULE_NAME=a\nBUILT_MODULE_LOCATION=../x\nDEST_MODULE_LOCATION=/extra`),
    ).toMatch(/not a relative directory/);
    expect(errors(BASE)).toMatch(/declares no module/);
  });
});

describe("patches", () => {
  it("applies PATCH[i] when PATCH_MATCH[i] is empty or matches, in order", () => {
    const p = built(
      `${ONE}PATCH[0]=a.patch\nPATCH[1]=b.patch\nPATCH_MATCH[1]="^5\\."\nPATCH[2]=c.patch\nPATCH_MATCH[2]="amd64$"\n`,
    );
    expect(p.patches).toEqual(["a.patch", "c.patch"]);
    expect(plan(`${ONE}PATCH[0]=../../etc/x`).kind).toBe("invalid");
  });
});

describe("BUILD_EXCLUSIVE rules", () => {
  const rule = (extra: string, kernel = KERNEL) => {
    const r = plan(`${ONE}${extra}\n`, kernel);
    return r.kind === "excluded" ? r.rule : r.kind;
  };
  it("KERNEL regex, MIN/MAX by DKMS's padded versions, ARCH, CONFIG and !CONFIG", () => {
    expect(rule('BUILD_EXCLUSIVE_KERNEL="^6\\.1\\."')).toBe("build");
    expect(rule('BUILD_EXCLUSIVE_KERNEL="^5\\."')).toBe(
      'BUILD_EXCLUSIVE_KERNEL="^5\\." does not match kernel 6.1.0-57-amd64',
    );
    expect(rule('BUILD_EXCLUSIVE_KERNEL_MIN="6.2"')).toBe(
      'BUILD_EXCLUSIVE_KERNEL_MIN="6.2": kernel 6.1.0-57-amd64 is older',
    );
    expect(rule('BUILD_EXCLUSIVE_KERNEL_MIN="6.1"')).toBe("build");
    // MAX=6.1 excludes 6.1.x, as DKMS's string comparison does.
    expect(rule('BUILD_EXCLUSIVE_KERNEL_MAX="6.1"')).toMatch(/is newer/);
    expect(rule('BUILD_EXCLUSIVE_ARCH="aarch64"')).toBe(
      'BUILD_EXCLUSIVE_ARCH="aarch64" does not match arch x86_64',
    );
    expect(rule('BUILD_EXCLUSIVE_ARCH="x86_64|aarch64"')).toBe("build");
    expect(rule('BUILD_EXCLUSIVE_CONFIG="CONFIG_NET !CONFIG_KVM"')).toBe(
      'BUILD_EXCLUSIVE_CONFIG="CONFIG_NET !CONFIG_KVM": CONFIG_KVM is set in this kernel',
    );
    expect(rule('BUILD_EXCLUSIVE_CONFIG="CONFIG_KVM !CONFIG_FOO"')).toBe("build");
    expect(rule('OBSOLETE_BY="6.0"')).toMatch(
      /BUILD_EXCLUSIVE_KERNEL_MAX="6.0": kernel 6.1.0-57-amd64 is newer/,
    );
  });

  it("v4l2loopback's conditional rule, evaluated by bash against the kernel's .config", () => {
    // The evaluation sources $kernel_source_dir/.config; without one here, no rule is set and it builds.
    expect(plan(fixture("v4l2loopback-dkms")).kind).toBe("build");
  });

  it("per-module rules leave modules out; all of them out excludes the package", () => {
    const two = `${BASE}BUILT_MODULE_NAME=(a b)\nDEST_MODULE_LOCATION=(/extra /extra)\n`;
    const p = built(`${two}BUILD_EXCLUSIVE_ARCH[1]="aarch64"\n`);
    expect(p.modules.map((m) => m.builtName)).toEqual(["a"]);
    expect(p.excludedModules).toEqual([
      {
        module: { index: 1, builtName: "b", location: "", destName: "b" },
        rule: 'BUILD_EXCLUSIVE_ARCH[1]="aarch64" does not match arch x86_64',
      },
    ]);
    const r = plan(`${two}BUILD_EXCLUSIVE_CONFIG[1]="CONFIG_FOO"\nBUILD_EXCLUSIVE_ARCH="arm"\n`);
    expect(r).toMatchObject({
      kind: "excluded",
      rule: 'BUILD_EXCLUSIVE_ARCH="arm" does not match arch x86_64',
    });
  });

  it("an invalid regex is a dkms.conf error, not a silent pass", () => {
    expect(plan(`${ONE}BUILD_EXCLUSIVE_KERNEL="(6"\n`)).toMatchObject({ kind: "invalid" });
  });
});

describe("bash's regex and DKMS's version order, against bash itself", () => {
  const bash = (script: string, ...args: string[]) =>
    execFileSync("bash", ["-c", script, "bash", ...args], { encoding: "utf8" }).trim();

  it("[[ text =~ regex ]] matches as bash matches (POSIX classes, brackets, anchors, GNU escapes)", () => {
    const regexes = [
      "^6\\.1\\.",
      "^(5\\.[6-9]|6\\.)",
      "[[:digit:]]+-amd64$",
      "^[^5]",
      "[]a]",
      "x86_64|aarch64",
      "\\<amd64\\>",
      "[[:alpha:]]{3}",
      "^6\\.1\\.0-[0-9]{2}-(amd|arm)64$",
      "[\\]",
    ];
    const texts = ["6.1.0-57-amd64", "5.10.0-32-arm64", "6.12.38+deb13-amd64", "]", "a\\b", "x86_64"];
    for (const re of regexes)
      for (const text of texts) {
        const want = bash("[[ $1 =~ $2 ]] && echo yes || echo no", text, re) === "yes";
        expect(bashMatches(text, re), `${text} =~ ${re}`).toBe(want);
      }
  });

  it("DKMS's VER() keys order versions as DKMS orders them (property)", () => {
    const version = fc.stringMatching(/^[0-9]{1,4}(\.[0-9]{1,3}){0,3}(-[0-9]{1,3}(-[a-z0-9]{1,6})?)?$/);
    const ver = (v: string) =>
      bash(
        `echo "$1" | sed -e 's:\\([^0-9]\\)\\([0-9]\\):\\1 \\2:g' -e 's:\\([0-9]\\)\\([^0-9]\\):\\1 \\2:g' -e 's:\\(.*\\): \\1 :' -e 's: \\([0-9]\\) : 00\\1 :g' -e 's: \\([0-9][0-9]\\) : 0\\1 :g' -e 's: ::g'`,
        v,
      );
    fc.assert(
      fc.property(version, (v) => {
        expect(dkmsVersionKey(v)).toBe(ver(v));
      }),
      { numRuns: 60 },
    );
  });
});
