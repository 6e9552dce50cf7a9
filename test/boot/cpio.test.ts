import { mkdir, mkdtemp, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProcess } from "../../src/adapters/run-process.js";
import { writeCpioNewc } from "../../src/core/cpio.js";

// The archive is checked with the real cpio tool, which reads newc exactly as the kernel's initramfs unpacker does.
describe("writeCpioNewc", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cpio-test-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const archive = () =>
    writeCpioNewc([
      { type: "dir", path: "bin" },
      { type: "dir", path: "dev" },
      { type: "file", path: "bin/tool", data: Buffer.from("#!/bin/sh\necho odd-length\n"), mode: 0o755 },
      { type: "file", path: "empty", data: new Uint8Array(0) },
      { type: "symlink", path: "bin/sh", target: "tool" },
      { type: "chardev", path: "dev/console", major: 5, minor: 1 },
    ]);

  it("lists every entry with its type, mode and device numbers", async () => {
    const r = await runProcess("cpio", ["-t", "-v", "--quiet"], { input: archive() });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(6);
    expect(lines[2]).toMatch(/^-rwxr-xr-x .* bin\/tool$/);
    expect(lines[4]).toMatch(/^lrwxrwxrwx .* bin\/sh -> tool$/);
    expect(lines[5]).toMatch(/^crw------- .* 5,\s+1 .* dev\/console$/);
  });

  it("extracts files and symlinks byte for byte", async () => {
    const out = join(dir, "x");
    await mkdir(out);
    const r = await runProcess("cpio", ["-i", "-d", "--quiet", "--no-absolute-filenames"], {
      cwd: out,
      input: writeCpioNewc([
        { type: "dir", path: "bin" },
        { type: "file", path: "bin/tool", data: Buffer.from("abc") },
        { type: "symlink", path: "bin/sh", target: "tool" },
      ]),
    });
    expect(r.code).toBe(0);
    expect(await readFile(join(out, "bin/tool"), "utf8")).toBe("abc");
    expect(await readlink(join(out, "bin/sh"))).toBe("tool");
  });

  it("is deterministic and 4-byte aligned", async () => {
    const a = archive();
    expect(a.equals(archive())).toBe(true);
    expect(a.length % 4).toBe(0);
    await writeFile(join(dir, "a.cpio"), a);
  });

  it("refuses paths that escape the archive root", () => {
    expect(() => writeCpioNewc([{ type: "file", path: "../etc/passwd", data: new Uint8Array(0) }])).toThrow(
      /relative and plain/,
    );
    expect(() => writeCpioNewc([{ type: "dir", path: "a//b" }])).toThrow(/relative and plain/);
  });
});
