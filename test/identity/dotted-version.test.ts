import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareDottedVersions } from "../../src/core/dotted-version.js";

/** Kernel versions, kernel lines and Ubuntu series order numerically (semver's coercion of the first three numbers). */

/** A number as versions spell it, sometimes zero-padded (`04`). */
const part = fc
  .tuple(fc.integer({ min: 0, max: 99_999 }), fc.boolean())
  .map(([n, pad]) => (pad ? String(n).padStart(2, "0") : String(n)));
const dotted = fc.array(part, { minLength: 1, maxLength: 3 }).map((ps) => ps.join("."));
const sign = (n: number) => Math.sign(n);

/** What the order means: the first three numbers, missing ones as 0, compared left to right. */
function reference(a: string, b: string): number {
  const nums = (v: string) => [0, 1, 2].map((i) => Number(v.split(".")[i] ?? 0));
  const [x, y] = [nums(a), nums(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return 0;
}

describe("compareDottedVersions", () => {
  it.each([
    ["6.1", "6.1.5", -1],
    ["6.1.5", "6.12", -1],
    ["6.12.0", "6.12", 0],
    ["5.15", "5.4", 1],
    ["22.04", "20.04", 1],
    ["24.04", "24.10", -1],
    ["7.0.1", "6.19.8", 1],
    ["", "0.0", 0],
  ] as const)("%s vs %s → %d", (a, b, want) => {
    expect(sign(compareDottedVersions(a, b))).toBe(want);
  });

  it("agrees with numeric order of the parts", () => {
    fc.assert(fc.property(dotted, dotted, (a, b) => sign(compareDottedVersions(a, b)) === reference(a, b)));
  });

  it("is antisymmetric and transitive", () => {
    fc.assert(
      fc.property(dotted, dotted, dotted, (a, b, c) => {
        // Summed, not negated: -0 and 0 differ under Object.is, and equal versions compare 0 both ways.
        expect(sign(compareDottedVersions(a, b)) + sign(compareDottedVersions(b, a))).toBe(0);
        if (compareDottedVersions(a, b) <= 0 && compareDottedVersions(b, c) <= 0)
          expect(compareDottedVersions(a, c)).toBeLessThanOrEqual(0);
      }),
    );
  });

  it("never throws, whatever the string", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => [-1, 0, 1].includes(compareDottedVersions(a, b))),
    );
  });
});
