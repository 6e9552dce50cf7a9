import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IdentityKey } from "../../src/core/identity.js";
import {
  artifactMetadata,
  artifactName,
  escapeField,
  MAX_NAME_LENGTH,
  parseArtifactName,
} from "../../src/core/naming.js";

const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

function nameOf(module: string, driverVersion: string, identity: IdentityKey): string {
  const r = artifactName({ module, driverVersion, identity });
  if (!r.ok) throw r.error;
  return r.value;
}

const debian: IdentityKey = {
  distro: "debian",
  distroVersion: "12",
  arch: "x86_64",
  kernelRelease: "6.12.117+deb12-amd64",
};

describe("artifact names", () => {
  it("are readable and escape + and _", () => {
    expect(nameOf("kmodtest", "1.2.3", debian)).toBe("kmodtest_1.2.3_debian-12_x86-64_6.12.117_-deb12-amd64");
    expect(nameOf("nvidia_drm", "8.0.0+driver", { ...debian, kernelRelease: "6.1.0-18-amd64" })).toBe(
      "nvidia__drm_8.0.0_-driver_debian-12_x86-64_6.1.0-18-amd64",
    );
    expect(escapeField("a~b")).toBe("a_.7eb");
  });

  it("round-trip through parseArtifactName", () => {
    const name = nameOf("nvidia_drm", "8.0.0+driver~rc1", debian);
    expect(parseArtifactName(name)).toEqual({
      truncated: false,
      module: "nvidia_drm",
      driverVersion: "8.0.0+driver~rc1",
      identity: debian,
    });
  });

  it("reject what no encoder writes", () => {
    for (const bad of [
      "a",
      "a_b",
      "a_b_c_d_e_f",
      "x+y_1_debian-12_x86-64_6.1.0-18-amd64",
      "m_1_debian-12_sparc_6.1.0-18-amd64",
      "m_1__debian-12_x86-64_k",
      "m_1_debian-12_x86-64_k_.zz",
    ]) {
      expect(parseArtifactName(bad)).toBeUndefined();
    }
  });

  it("invalid fields are reported, not thrown", () => {
    const r = artifactName({ module: "bad/module", driverVersion: "1 2", identity: debian });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.issues.map((i) => i.field)).toEqual(["module", "driverVersion"]);
  });

  it("long names are cut to 128 with a hash, and stay unique", () => {
    const kr = `6.1.0-18-amd64${"+x".repeat(40)}`.slice(0, 120);
    const a = nameOf("m".repeat(60), "1.0", { ...debian, kernelRelease: kr });
    const b = nameOf("m".repeat(60), "1.1", { ...debian, kernelRelease: kr });
    expect(a.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    expect(a).toMatch(OCI_TAG);
    expect(a).not.toBe(b);
    const parsed = parseArtifactName(a);
    expect(parsed?.truncated).toBe(true);
    if (parsed?.truncated) expect(a.startsWith(parsed.prefix)).toBe(true);
  });

  it("metadata carries the full identity", () => {
    const meta = artifactMetadata({ module: "kmodtest", driverVersion: "1.2.3", identity: debian }, "n");
    expect(meta.identity).toEqual({ ...debian, driverVersion: "1.2.3" });
  });
});

const moduleName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/);
const token = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+~-]{0,127}$/).filter((s) => !s.includes(".."));
const identityKey: fc.Arbitrary<IdentityKey> = fc.record({
  distro: fc.constantFrom("ubuntu", "debian", "fedora", "centos", "almalinux", "rocky", "amazonlinux"),
  distroVersion: fc.stringMatching(/^[0-9][0-9.]{0,6}$/),
  arch: fc.constantFrom("x86_64", "aarch64"),
  kernelRelease: token,
});
const input = fc.record({ module: moduleName, driverVersion: token, identity: identityKey });

describe("artifact name properties", () => {
  it("are safe OCI tags, round-trip when untruncated, and never collide", () => {
    const seen = new Map<string, string>();
    fc.assert(
      fc.property(input, (i) => {
        const name = nameOf(i.module, i.driverVersion, i.identity);
        expect(name).toMatch(OCI_TAG);
        const parsed = parseArtifactName(name);
        if (name.length < MAX_NAME_LENGTH || parsed?.truncated === false) {
          expect(parsed).toEqual({
            truncated: false,
            module: i.module,
            driverVersion: i.driverVersion,
            identity: i.identity,
          });
        } else {
          expect(name.length).toBe(MAX_NAME_LENGTH);
          expect(parsed?.truncated).toBe(true);
        }
        const key = JSON.stringify([i.module, i.driverVersion, i.identity]);
        const before = seen.get(name);
        if (before !== undefined) expect(before).toBe(key);
        seen.set(name, key);
      }),
      { numRuns: 5000 },
    );
  });

  it("two different inputs never share a name", () => {
    fc.assert(
      fc.property(input, input, (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        expect(nameOf(a.module, a.driverVersion, a.identity)).not.toBe(
          nameOf(b.module, b.driverVersion, b.identity),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it("separator-like characters inside fields cannot be confused with field boundaries", () => {
    const id = (kernelRelease: string): IdentityKey => ({ ...debian, kernelRelease });
    const names = [
      nameOf("a_b", "1", id("k")),
      nameOf("a", "b_1", id("k")),
      nameOf("a", "b-1", id("k")),
      nameOf("a", "b+1", id("k")),
      nameOf("a", "b~1", id("k")),
      nameOf("a", "1", id("b+k")),
      nameOf("a", "1", id("b-k")),
      nameOf("a__", "1", id("k")),
      nameOf("a_", "1", id("k")),
    ];
    expect(new Set(names).size).toBe(names.length);
  });
});
