import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type DebRelation, parseRelations } from "../../src/core/deb822.js";

/** The relationship-field reader the resolver and Debian discovery take header companions from. */

const name = fc.stringMatching(/^[a-z0-9][a-z0-9+.-]{1,30}$/);
const version = fc.stringMatching(/^[0-9][A-Za-z0-9.+~:-]{0,20}$/);
const relation: fc.Arbitrary<DebRelation> = fc
  .record(
    {
      name,
      archQualifier: fc.constantFrom("any", "native", "amd64"),
      op: fc.constantFrom("<<", "<=", "=", ">=", ">>" as const),
      version,
    },
    { requiredKeys: ["name"] },
  )
  .map((r) => {
    // A version only comes with an operator.
    const { op, version: v, ...rest } = r;
    return op && v ? { ...rest, op, version: v } : rest;
  });

const format = (r: DebRelation, spaced: boolean) =>
  `${r.name}${r.archQualifier ? `:${r.archQualifier}` : ""}${r.op ? `${spaced ? " " : ""}(${r.op}${spaced ? " " : ""}${r.version})` : ""}`;

describe("relationship fields", () => {
  it("reads real Depends of kernel headers packages", () => {
    const bpoRt =
      "gcc-14-for-host, linux-base (>= 4.12~), linux-base-7.3.4+deb13-rt-amd64 (= 7.3.4-1~bpo13+1), linux-headers-7.3.4+deb13-common (= 7.3.4-1~bpo13+1), linux-kbuild-7.3.4+deb13";
    expect(parseRelations(bpoRt)[3]).toEqual([
      { name: "linux-headers-7.3.4+deb13-common", op: "=", version: "7.3.4-1~bpo13+1" },
    ]);
    const trixie =
      "linux-base (>= 4.12~), linux-headers-6.12.118+deb13-common-rt (= 6.12.118-1), linux-image-6.12.118+deb13-rt-amd64 (= 6.12.118-1) | linux-image-6.12.118+deb13-rt-amd64-unsigned (= 6.12.118-1), linux-kbuild-6.12.118+deb13, gcc-14";
    const groups = parseRelations(trixie);
    expect(groups).toHaveLength(5);
    expect(groups[2]!.map((r) => r.name)).toEqual([
      "linux-image-6.12.118+deb13-rt-amd64",
      "linux-image-6.12.118+deb13-rt-amd64-unsigned",
    ]);
    expect(parseRelations("libc6 (>= 2.34) [amd64], python3:any\n  <!nocheck>, , ")).toEqual([
      [{ name: "libc6", op: ">=", version: "2.34" }],
      [{ name: "python3", archQualifier: "any" }],
    ]);
  });

  it("reads back any well-formed field, spaced or not", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(relation, { minLength: 1, maxLength: 3 }), { maxLength: 6 }),
        fc.boolean(),
        (groups, spaced) => {
          const text = groups
            .map((g) => g.map((r) => format(r, spaced)).join(spaced ? " | " : "|"))
            .join(spaced ? ", " : ",");
          expect(parseRelations(text)).toEqual(groups);
        },
      ),
    );
  });

  it("never throws and never invents a name that is not in the text", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        for (const r of parseRelations(text).flat()) expect(text).toContain(r.name);
      }),
    );
  });
});
