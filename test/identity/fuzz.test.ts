import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type IdentityInput, parseIdentity } from "../../src/core/identity.js";

/** Hostile fragments: shell metacharacters, path tricks, control characters, unicode look-alikes. */
const HOSTILE = [
  ";",
  "$",
  "$(id)",
  "`id`",
  " ",
  "/",
  "..",
  "../",
  "\0",
  "\n",
  "|",
  "&",
  ">",
  "<",
  "'",
  '"',
  "\\",
  "%2e%2e",
  "＄",
  "６",
  "é",
  "\u202e",
  "*",
  "?",
  "#",
  "{",
  "}",
];
const FIELDS = ["kernelRelease", "distro", "distroVersion", "arch", "driverVersion", "input"];
const SAFE = /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/;

const hostileString = fc
  .tuple(fc.string({ maxLength: 20 }), fc.constantFrom(...HOSTILE), fc.string({ maxLength: 20 }))
  .map(([a, h, b]) => `${a}${h}${b}`);
const anyValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  hostileString,
  fc.string({ minLength: 129, maxLength: 400 }),
  fc.integer(),
  fc.constant(undefined),
  fc.constant(null),
  fc.object({ maxDepth: 1 }),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.bigInt(),
);

function checkResult(input: IdentityInput): void {
  const r = parseIdentity(input);
  if (r.ok) {
    expect(r.value.kernelRelease).toMatch(SAFE);
    expect(r.value.kernelRelease).not.toContain("..");
    expect(parseIdentity(r.value)).toEqual(r);
    return;
  }
  expect(r.error.issues.length).toBeGreaterThan(0);
  for (const issue of r.error.issues) {
    expect(FIELDS).toContain(issue.field);
    expect(typeof issue.given).toBe("string");
    expect(issue.expected.length).toBeGreaterThan(0);
    expect(issue.message.startsWith(`${issue.field}:`)).toBe(true);
  }
}

describe("hostile and random input never throws", () => {
  it("any value in any field gives a parsed identity or field issues", () => {
    fc.assert(
      fc.property(
        anyValue,
        anyValue,
        anyValue,
        anyValue,
        anyValue,
        (kernelRelease, distro, distroVersion, arch, driverVersion) => {
          checkResult({ kernelRelease, distro, distroVersion, arch, driverVersion });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("a hostile character anywhere in the release is rejected against kernelRelease", () => {
    const distros = fc.constantFrom(
      ["ubuntu", "22.04", "5.15.0-1034-aws"],
      ["debian", "12", "6.12.117+deb12-amd64"],
      ["fedora", "40", "6.8.9-300.fc40.x86_64"],
      ["rocky", "9", "5.14.0-427.13.1.el9_4.x86_64"],
      ["amazonlinux", "2023", "6.1.79-99.167.amzn2023.x86_64"],
    );
    fc.assert(
      fc.property(distros, fc.constantFrom(...HOSTILE), fc.nat(), ([distro, version, release], bad, at) => {
        const pos = at % (release.length + 1);
        const kernelRelease = `${release.slice(0, pos)}${bad}${release.slice(pos)}`;
        const r = parseIdentity({ kernelRelease, distro, distroVersion: version, arch: "x86_64" });
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.issues.map((i) => i.field)).toContain("kernelRelease");
      }),
      { numRuns: 2000 },
    );
  });

  it("over-long releases and driver versions are rejected with the limit in the message", () => {
    const long = "6.1.0-18-amd64".padEnd(200, "x");
    const r = parseIdentity({
      kernelRelease: long,
      distro: "debian",
      distroVersion: "12",
      arch: "x86_64",
      driverVersion: "1".repeat(65),
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.issues.map((i) => i.field).sort()).toEqual(["driverVersion", "kernelRelease"]);
      expect(r.error.message).toContain("at most 128");
    }
  });

  it("input that is not an object is one clear issue", () => {
    for (const input of [null, undefined, 42, "6.1.0-18-amd64", []]) {
      const r = parseIdentity(input as unknown as IdentityInput);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.issues.length).toBeGreaterThan(0);
    }
  });

  it("an object with throwing getters is reported, not thrown", () => {
    const evil = {
      get kernelRelease(): string {
        throw new Error("boom");
      },
      distro: "debian",
      distroVersion: "12",
      arch: "x86_64",
    };
    const r = parseIdentity(evil);
    expect(r.ok).toBe(false);
  });
});

const n = (max: number) => fc.integer({ min: 0, max });
/** Well-formed releases per distribution, built from random numbers. */
const validIdentity: fc.Arbitrary<IdentityInput> = fc.oneof(
  fc
    .tuple(
      n(999),
      fc.constantFrom("generic", "lowlatency", "aws", "azure", "gcp", "oracle", "kvm"),
      fc.constantFrom("22.04", "24.04", "jammy", "noble"),
    )
    .map(([abi, fl, series]) => ({
      kernelRelease: `6.8.0-${abi}-${fl}`,
      distro: "ubuntu",
      distroVersion: series,
      arch: "x86_64",
    })),
  fc.tuple(n(99), n(200), fc.constantFrom("amd64", "cloud-amd64", "rt-amd64")).map(([abi, sub, fl]) => ({
    kernelRelease: sub % 2 ? `6.1.0-${abi}-${fl}` : `6.12.${sub}+deb12-${fl}`,
    distro: "debian",
    distroVersion: "12",
    arch: "amd64",
  })),
  fc
    .tuple(n(20), n(400), fc.integer({ min: 37, max: 45 }), fc.constantFrom("", "+debug"))
    .map(([sub, rel, f, v]) => ({
      kernelRelease: `6.${sub}.${rel % 30}-${rel}.fc${f}.x86_64${v}`,
      distro: "fedora",
      distroVersion: String(f),
      arch: "x86_64",
    })),
  fc
    .tuple(
      n(700),
      n(60),
      fc.integer({ min: 8, max: 10 }),
      fc.constantFrom("", "+rt-64k", "+debug"),
      fc.constantFrom("rocky", "almalinux", "centos"),
    )
    .map(([b, z, m, v, distro]) => ({
      kernelRelease: `5.14.0-${b}.${z}.1.el${m}_${z % 10}.aarch64${v}`,
      distro,
      distroVersion: `${m}.${z % 10}`,
      arch: "arm64",
    })),
  fc
    .tuple(n(300), n(999), fc.constantFrom(["2", "5.10"], ["2", "4.14"], ["2023", "6.1"], ["2023", "6.12"]))
    .map(([a, b, [v, line]]) => ({
      kernelRelease: `${line}.${a}-${a}.${b}.amzn${v}.x86_64`,
      distro: "amazonlinux",
      distroVersion: v,
      arch: "x86_64",
    })),
);

describe("well-formed identities", () => {
  it("parse, and parsing the result again is a fixed point", () => {
    fc.assert(
      fc.property(validIdentity, (input) => {
        const r = parseIdentity(input);
        if (!r.ok) throw new Error(`${JSON.stringify(input)}: ${r.error.message}`);
        expect(r.value.headerPackages.length).toBeGreaterThan(0);
        expect(parseIdentity(r.value)).toEqual(r);
      }),
      { numRuns: 3000 },
    );
  });
});
