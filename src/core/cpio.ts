/**
 * A writer for the cpio "newc" format, the only archive format the kernel unpacks as an initramfs. Written here
 * rather than with the cpio tool so that device nodes (the initramfs needs /dev/console before devtmpfs is mounted)
 * can be added without root privileges or mknod on the host.
 */

export type CpioEntry =
  | { type: "dir"; path: string; mode?: number }
  | { type: "file"; path: string; data: Uint8Array; mode?: number }
  | { type: "symlink"; path: string; target: string }
  | { type: "chardev"; path: string; major: number; minor: number; mode?: number };

const TYPE_BITS = { dir: 0o040000, file: 0o100000, symlink: 0o120000, chardev: 0o020000 } as const;
const DEFAULT_PERMS = { dir: 0o755, file: 0o644, symlink: 0o777, chardev: 0o600 } as const;
const TRAILER = "TRAILER!!!";

function hex8(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
    throw new RangeError(`cpio field out of range: ${value}`);
  return value.toString(16).padStart(8, "0");
}

function pad4(length: number): number {
  return (4 - (length % 4)) % 4;
}

function normalisePath(path: string): string {
  const trimmed = path.replace(/^\/+/, "");
  if (trimmed === "" || trimmed.split("/").some((part) => part === ".." || part === "")) {
    throw new RangeError(`cpio path must be relative and plain: ${JSON.stringify(path)}`);
  }
  return trimmed;
}

function record(
  ino: number,
  mode: number,
  name: string,
  data: Uint8Array,
  rdev: [number, number],
  mtime: number,
): Buffer[] {
  const nameBytes = Buffer.from(`${name}\0`, "utf8");
  const header =
    "070701" +
    [
      ino,
      mode,
      0,
      0,
      mode & 0o040000 ? 2 : 1,
      mtime,
      data.length,
      0,
      0,
      rdev[0],
      rdev[1],
      nameBytes.length,
      0,
    ]
      .map(hex8)
      .join("");
  return [
    Buffer.from(header, "ascii"),
    nameBytes,
    Buffer.alloc(pad4(header.length + nameBytes.length)),
    Buffer.from(data),
    Buffer.alloc(pad4(data.length)),
  ];
}

/**
 * Serialises entries, in the given order, into one newc archive (uncompressed). Parents must precede children,
 * as the kernel creates entries in archive order. Owner is root; `mtime` is fixed so equal input gives equal bytes.
 */
export function writeCpioNewc(entries: readonly CpioEntry[], mtime = 0): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const entry of entries) {
    const name = normalisePath(entry.path);
    const perms = (entry.type === "symlink" ? undefined : entry.mode) ?? DEFAULT_PERMS[entry.type];
    const mode = TYPE_BITS[entry.type] | (perms & 0o7777);
    const data =
      entry.type === "file"
        ? entry.data
        : entry.type === "symlink"
          ? Buffer.from(entry.target, "utf8")
          : new Uint8Array(0);
    const rdev: [number, number] = entry.type === "chardev" ? [entry.major, entry.minor] : [0, 0];
    parts.push(...record(ino++, mode, name, data, rdev, mtime));
  }
  parts.push(...record(0, 0, TRAILER, new Uint8Array(0), [0, 0], 0));
  return Buffer.concat(parts);
}
