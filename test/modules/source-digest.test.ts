import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { digestSourceDir } from "../../src/adapters/source-digest.js";

/** The cache key digests the whole source tree of a DKMS package: dkms.conf and its patches change the key. */
describe("a DKMS tree's source digest", () => {
  it("changes with dkms.conf and with anything under patches/, not with build outputs", async () => {
    const tree = mkdtempSync(join(tmpdir(), "kmodforge-digest-"));
    writeFileSync(join(tree, "Kbuild"), "obj-m := a.o\n");
    writeFileSync(join(tree, "dkms.conf"), "PACKAGE_NAME=a\nPACKAGE_VERSION=1\n");
    mkdirSync(join(tree, "patches"));
    writeFileSync(join(tree, "patches", "fix.patch"), "--- a\n+++ b\n");
    const base = await digestSourceDir(tree);
    writeFileSync(join(tree, "dkms.conf"), "PACKAGE_NAME=a\nPACKAGE_VERSION=2\n");
    const conf = await digestSourceDir(tree);
    expect(conf).not.toBe(base);
    writeFileSync(join(tree, "patches", "fix.patch"), "--- a\n+++ c\n");
    const patch = await digestSourceDir(tree);
    expect(patch).not.toBe(conf);
    writeFileSync(join(tree, "patches", "more.patch"), "x\n");
    expect(await digestSourceDir(tree)).not.toBe(patch);
    const withPatches = await digestSourceDir(tree);
    writeFileSync(join(tree, "a.ko"), "built");
    expect(await digestSourceDir(tree)).toBe(withPatches);
  });
});
