import { createHash } from "node:crypto";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectModuleFiles } from "../../src/adapters/module-files.js";
import { runProcess } from "../../src/adapters/run-process.js";
import { buildInitramfs, readLoadableModule } from "../../src/executors/initramfs.js";

const fixtures = join(import.meta.dirname, "../fixtures/boot");
const amd64Ko = join(fixtures, "kmfhello-6.1.0-56-amd64.ko");

describe("initramfs and module inputs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "initramfs-test-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("identifies a .ko and a .ko.xz the same way, keeping the compressed bytes for the guest", async () => {
    const ko = join(dir, "kmfhello.ko");
    await copyFile(amd64Ko, ko);
    expect((await runProcess("xz", ["--check=crc32", "-k", ko])).code).toBe(0);
    const plain = await readLoadableModule(ko, "x86_64");
    const packed = await readLoadableModule(`${ko}.xz`, "x86_64");
    expect(plain).toMatchObject({
      name: "kmfhello",
      compressed: false,
      elfMachine: 62,
      machineMatches: true,
    });
    expect(packed).toMatchObject({ name: "kmfhello", compressed: true, vermagic: plain.vermagic });
    expect(packed.bytes.subarray(0, 6).toString("latin1")).toBe("\xfd7zXZ\0");
    expect((await readLoadableModule(ko, "aarch64")).machineMatches).toBe(false);
    await writeFile(join(dir, "bad.ko.xz"), "not xz");
    await expect(readLoadableModule(join(dir, "bad.ko.xz"), "x86_64")).rejects.toThrow(/not a valid \.xz/);
    await expect(readLoadableModule(join(dir, "kmfhello.ko.gz"), "x86_64")).rejects.toThrow(
      /expected a \.ko or \.ko\.xz/,
    );
  });

  it("packs busybox, /init, the helpers, the exercise and the modules into a gzip newc archive", async () => {
    const mod = await readLoadableModule(amd64Ko, "x86_64");
    const image = buildInitramfs({
      busybox: Buffer.from("busybox-bytes"),
      modules: [mod],
      exerciseScript: "exit 0\n",
    });
    expect(image.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const listing = await runProcess("cpio", ["-t", "--quiet"], { input: gunzipSync(image) });
    expect(listing.stdout.trim().split("\n")).toEqual([
      "bin",
      "dev",
      "lib",
      "modules",
      "proc",
      "root",
      "sys",
      "tmp",
      "dev/console",
      "dev/null",
      "bin/busybox",
      "bin/sh",
      "lib/kmodforge.sh",
      "exercise.sh",
      "modules/0-kmfhello.ko",
      "init",
    ]);
    expect(() => buildInitramfs({ busybox: Buffer.alloc(1), modules: [mod, mod] })).toThrow(/given twice/);
  });

  it("takes the packaged module from an artifact directory and refuses one that no longer matches SHA256SUMS", async () => {
    const art = join(dir, "artifact");
    await runProcess("mkdir", ["-p", art]);
    await copyFile(amd64Ko, join(art, "kmfhello.ko"));
    await copyFile(amd64Ko, join(art, "kmfhello.ko.xz")); // content irrelevant here: only selection and sums
    const sum = createHash("sha256").update(Buffer.from("something else")).digest("hex");
    expect((await collectModuleFiles([art, amd64Ko])).files).toEqual([join(art, "kmfhello.ko.xz"), amd64Ko]);
    await writeFile(join(art, "SHA256SUMS"), `${sum}  kmfhello.ko.xz\n`);
    await expect(collectModuleFiles([art])).rejects.toThrow(/checksum mismatch .*kmfhello\.ko\.xz/);
    await expect(collectModuleFiles([join(dir, "missing")])).rejects.toThrow(/does not exist/);
  });
});
