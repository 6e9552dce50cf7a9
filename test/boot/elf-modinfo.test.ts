import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { modinfoTag, NotAModuleError, readModuleElf } from "../../src/core/elf-modinfo.js";

const fixtures = join(import.meta.dirname, "../fixtures/boot");

describe("readModuleElf", () => {
  it.each([
    ["kmfhello-6.1.0-56-amd64.ko", 62, "6.1.0-56-amd64 SMP preempt mod_unload modversions "],
    ["kmfhello-6.1.0-56-arm64.ko", 183, "6.1.0-56-arm64 SMP mod_unload modversions aarch64"],
  ])("reads name, vermagic and machine of %s", async (file, machine, vermagic) => {
    const info = readModuleElf(await readFile(join(fixtures, file)));
    expect(info.machine).toBe(machine);
    expect(info.elfClass).toBe(64);
    expect(modinfoTag(info, "name")).toBe("kmfhello");
    expect(modinfoTag(info, "vermagic")).toBe(vermagic);
    expect(modinfoTag(info, "version")).toBe("0.0.1");
    expect(modinfoTag(info, "missing")).toBeUndefined();
  });

  it("rejects what is not a module", async () => {
    expect(() =>
      readModuleElf(Buffer.from("not an elf file at all, not at all, really not, no no no no no no no no")),
    ).toThrow(NotAModuleError);
    const ko = await readFile(join(fixtures, "kmfhello-6.1.0-56-amd64.ko"));
    expect(() => readModuleElf(ko.subarray(0, 200))).toThrow(/truncated/);
    const exec = Buffer.from(ko);
    exec.writeUInt16LE(2, 16); // ET_EXEC
    expect(() => readModuleElf(exec)).toThrow(/not relocatable/);
  });
});
