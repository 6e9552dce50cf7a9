import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDeb822 } from "../../src/core/deb822.js";
import { compareDebVersions, discoverDebianKernels } from "../../src/core/sweep/debian-discovery.js";

// Offline: a recorded bookworm-security Packages index (test/fixtures/sweep), so the releases below are the
// fixture's, not the live archive's (the live sweep is test/sweep/debian.test.ts).
describe("Debian discovery from Packages indexes", () => {
  it("finds each kernel's headers, common and kbuild packages and skips line metapackages", async () => {
    const text = await readFile(
      join(import.meta.dirname, "../fixtures/sweep/bookworm-security-amd64-Packages"),
      "utf8",
    );
    const kernels = discoverDebianKernels(
      [
        {
          suite: "bookworm-security",
          arch: "x86_64",
          mirror: "http://mirror.test/debian-security/",
          stanzas: parseDeb822(text),
        },
      ],
      { distro: "debian", distroVersion: "12" },
    );
    expect(kernels.map((k) => k.input.kernelRelease)).toEqual([
      "6.1.0-56-amd64",
      "6.1.0-56-rt-amd64",
      "6.12.117+deb12-amd64",
    ]);
    const k = kernels[0]!;
    expect(k.headerFiles.map((f) => `${f.name}=${f.version}`)).toEqual([
      "linux-headers-6.1.0-56-amd64=6.1.192-2",
      "linux-headers-6.1.0-56-common=6.1.192-2",
      "linux-kbuild-6.1=6.1.192-2",
    ]);
    expect(k.headerFiles[0]).toMatchObject({
      url: "http://mirror.test/debian-security/pool/updates/main/l/linux/linux-headers-6.1.0-56-amd64_6.1.192-2_amd64.deb",
      sha256: "796a7b4584d7a57f97913e34e80a2fcce96b6c5016fa9d4fc2212a93e4868677",
    });
    expect(kernels[1]!.headerFiles.map((f) => f.name)).toContain("linux-headers-6.1.0-56-common-rt");
  });

  it("orders Debian versions like dpkg", () => {
    expect(compareDebVersions("6.12.95-1~bpo12+1", "6.12.95-1")).toBeLessThan(0);
    expect(compareDebVersions("6.1.192-2", "6.1.192-1")).toBeGreaterThan(0);
    expect(compareDebVersions("1:1.0", "2.0")).toBeGreaterThan(0);
    expect(compareDebVersions("6.1.76-1", "6.1.76-1")).toBe(0);
    expect(compareDebVersions("1.0a", "1.0")).toBeGreaterThan(0);
  });
});
