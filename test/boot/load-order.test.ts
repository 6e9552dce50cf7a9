import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  kernelModulePaths,
  LoadOrderError,
  loadOrder,
  parseDepends,
} from "../../src/core/boot/load-order.js";

describe("load order from depends=", () => {
  it("puts jool_common before jool and jool_siit, and names the kernel's modules they need", () => {
    const modules = [
      { name: "jool", depends: ["jool_common", "x_tables"] },
      { name: "jool_siit", depends: parseDepends("jool_common,x_tables") },
      { name: "jool_common", depends: parseDepends("nf_defrag_ipv6,nf_defrag_ipv4") },
    ];
    const { order, missing } = loadOrder(modules);
    expect(order.map((i) => modules[i]!.name)).toEqual(["jool_common", "jool", "jool_siit"]);
    expect(missing).toEqual(["nf_defrag_ipv4", "nf_defrag_ipv6", "x_tables"]);
  });

  it("treats - and _ alike and keeps independent modules in the given order", () => {
    const modules = [
      { name: "b", depends: [] },
      { name: "a-x", depends: [] },
      { name: "c", depends: ["a_x"] },
    ];
    expect(loadOrder(modules)).toEqual({ order: [0, 1, 2], missing: [] });
    expect(parseDepends("")).toEqual([]);
    expect(parseDepends("nf-nat, ,x")).toEqual(["nf_nat", "x"]);
  });

  it("refuses a cycle, naming it", () => {
    expect(() =>
      loadOrder([
        { name: "a", depends: ["b"] },
        { name: "b", depends: ["a"] },
      ]),
    ).toThrow(LoadOrderError);
  });

  it("every module comes after every module it depends on (property)", () => {
    // Random DAGs: module i may depend only on modules with a larger index, so there is never a cycle.
    const dag = fc.integer({ min: 1, max: 12 }).chain((n) =>
      fc.array(fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: 4 }), {
        minLength: n,
        maxLength: n,
      }),
    );
    fc.assert(
      fc.property(dag, (deps) => {
        const modules = deps.map((ds, i) => ({
          name: `m${i}`,
          depends: ds.filter((d) => d > i).map((d) => `m${d}`),
        }));
        const { order, missing } = loadOrder(modules);
        expect(missing).toEqual([]);
        expect([...order].sort((a, b) => a - b)).toEqual(modules.map((_, i) => i));
        const at = new Map(order.map((m, pos) => [m, pos]));
        modules.forEach((m, i) => {
          for (const d of m.depends) expect(at.get(Number(d.slice(1)))!).toBeLessThan(at.get(i)!);
        });
      }),
    );
  });
});

describe("the kernel's own modules, from its image package's file list", () => {
  it("finds every module by the name the kernel gives it", () => {
    const listing = [
      "./",
      "./boot/vmlinuz-6.1.0-57-amd64",
      "./lib/modules/6.1.0-57-amd64/kernel/net/ipv6/netfilter/nf_defrag_ipv6.ko",
      "./lib/modules/6.1.0-57-amd64/kernel/net/netfilter/x_tables.ko",
      "./lib/modules/6.1.0-57-amd64/kernel/drivers/net/dummy-x.ko.xz",
      "./lib/modules/6.1.0-57-amd64/modules.builtin",
      "./lib/modules/6.1.0-56-amd64/kernel/other.ko",
    ].join("\n");
    expect(Object.fromEntries(kernelModulePaths(listing, "6.1.0-57-amd64"))).toEqual({
      nf_defrag_ipv6: "kernel/net/ipv6/netfilter/nf_defrag_ipv6.ko",
      x_tables: "kernel/net/netfilter/x_tables.ko",
      dummy_x: "kernel/drivers/net/dummy-x.ko.xz",
    });
  });
});
