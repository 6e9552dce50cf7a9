import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseIdentity } from "../../src/core/identity.js";
import { DISTROS } from "../../src/distros/adapter.js";

/** Real kernel release strings from distribution archives and public reports, with what they must parse to. */
interface Row {
  kernelRelease: string;
  distro: string;
  distroVersion: string;
  arch: string;
  source: string;
  expect: {
    distroVersion: string;
    upstreamVersion: string;
    abi: string;
    flavour: string;
    distroTag: string;
    /** `name`, `name=version` (RPM packages pinned to the kernel's V-R) or `name=prefix.*` (SUSE). */
    headerPackages: string[];
  };
}

const rows: Row[] = JSON.parse(
  readFileSync(new URL("../fixtures/identity/real-releases.json", import.meta.url), "utf8"),
);

describe("real kernel releases", () => {
  it("the table is broad: 80+ distinct releases, every distro, both arches", () => {
    expect(new Set(rows.map((r) => r.kernelRelease)).size).toBeGreaterThanOrEqual(80);
    for (const distro of DISTROS) {
      const arches = new Set(
        rows
          .filter((r) => r.distro === distro)
          .map((r) => r.arch.replace("amd64", "x86_64").replace("arm64", "aarch64")),
      );
      expect([distro, [...arches].sort()]).toEqual([distro, ["aarch64", "x86_64"]]);
    }
  });

  it.each(rows.map((r) => [`${r.distro} ${r.distroVersion} ${r.arch} ${r.kernelRelease}`, r] as const))(
    "%s",
    (_name, row) => {
      const result = parseIdentity(row);
      if (!result.ok) throw new Error(`rejected: ${result.error.message} (source: ${row.source})`);
      const id = result.value;
      expect({
        distroVersion: id.distroVersion,
        upstreamVersion: id.upstreamVersion,
        abi: id.abi,
        flavour: id.flavour,
        distroTag: id.distroTag,
        headerPackages: id.headerPackages.map((p) =>
          p.version ? `${p.name}=${p.version}` : p.versionPrefix ? `${p.name}=${p.versionPrefix}.*` : p.name,
        ),
      }).toEqual(row.expect);
      expect(id.kernelRelease).toBe(row.kernelRelease);
      expect(["x86_64", "aarch64"]).toContain(id.arch);
    },
  );

  it("parsing a parsed identity again changes nothing (normalisation is idempotent)", () => {
    for (const row of rows) {
      const first = parseIdentity(row);
      if (!first.ok) throw first.error;
      const again = parseIdentity(first.value);
      expect(again).toEqual(first);
    }
  });
});
