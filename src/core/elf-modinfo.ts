/**
 * Reads what a kernel module says about itself (the `.modinfo` section: name, vermagic, version …), its ELF
 * machine and its section table, straight from the bytes of an uncompressed `.ko`. Pure: the caller reads or
 * decompresses the file.
 */

export interface ModuleElfInfo {
  /** ELF e_machine (62 = x86-64, 183 = AArch64). */
  machine: number;
  elfClass: 32 | 64;
  /** `.modinfo` tags in file order; a tag may repeat (alias, depends). */
  tags: Array<[string, string]>;
}

export interface ElfSection {
  name: string;
  offset: number;
  size: number;
}

export interface ElfLayout {
  machine: number;
  elfClass: 32 | 64;
  littleEndian: boolean;
  sections: ElfSection[];
  bytes: Buffer;
}

export class NotAModuleError extends Error {
  constructor(why: string) {
    super(`not a kernel module: ${why}`);
    this.name = "NotAModuleError";
  }
}

/** Parses the ELF header and section table of a relocatable object. Throws NotAModuleError when it is not one. */
export function readElfLayout(bytes: Uint8Array): ElfLayout {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) throw new NotAModuleError("no ELF magic");
  const elfClass = buf[4] === 2 ? 64 : buf[4] === 1 ? 32 : 0;
  if (elfClass === 0) throw new NotAModuleError(`unknown ELF class ${buf[4]}`);
  const le = buf[5] === 1;
  const u16 = (off: number) => (le ? buf.readUInt16LE(off) : buf.readUInt16BE(off));
  const u32 = (off: number) => (le ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const word = (off: number) =>
    elfClass === 64 ? Number(le ? buf.readBigUInt64LE(off) : buf.readBigUInt64BE(off)) : u32(off);
  const type = u16(16);
  if (type !== 1) throw new NotAModuleError(`ELF type ${type} is not relocatable`);
  const machine = u16(18);
  const shoff = word(elfClass === 64 ? 0x28 : 0x20);
  const shentsize = u16(elfClass === 64 ? 0x3a : 0x2e);
  const shnum = u16(elfClass === 64 ? 0x3c : 0x30);
  const shstrndx = u16(elfClass === 64 ? 0x3e : 0x32);
  if (shoff + shnum * shentsize > buf.length || shstrndx >= shnum)
    throw new NotAModuleError("truncated section table");

  const raw = (i: number) => {
    const base = shoff + i * shentsize;
    return {
      name: u32(base),
      offset: word(base + (elfClass === 64 ? 0x18 : 0x10)),
      size: word(base + (elfClass === 64 ? 0x20 : 0x14)),
    };
  };
  const names = raw(shstrndx);
  const sections: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const s = raw(i);
    const nameStart = names.offset + s.name;
    const nameEnd = buf.indexOf(0, nameStart);
    sections.push({ name: buf.toString("latin1", nameStart, nameEnd), offset: s.offset, size: s.size });
  }
  return { machine, elfClass, littleEndian: le, sections, bytes: buf };
}

/** The bytes of a named section, or undefined when the object has none. */
export function sectionBytes(layout: ElfLayout, name: string): Buffer | undefined {
  const s = layout.sections.find((x) => x.name === name);
  if (!s) return undefined;
  if (s.offset + s.size > layout.bytes.length) throw new NotAModuleError(`truncated ${name}`);
  return layout.bytes.subarray(s.offset, s.offset + s.size);
}

/** Parses an uncompressed `.ko`. Throws NotAModuleError for anything that is not an ELF relocatable with `.modinfo`. */
export function readModuleElf(bytes: Uint8Array): ModuleElfInfo {
  const layout = readElfLayout(bytes);
  const modinfo = sectionBytes(layout, ".modinfo");
  if (!modinfo) throw new NotAModuleError("no .modinfo section");
  const tags: Array<[string, string]> = [];
  for (const entry of modinfo.toString("utf8").split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) tags.push([entry.slice(0, eq), entry.slice(eq + 1)]);
  }
  return { machine: layout.machine, elfClass: layout.elfClass, tags };
}

/** First value of a `.modinfo` tag, or undefined. */
export function modinfoTag(info: ModuleElfInfo, tag: string): string | undefined {
  return info.tags.find(([key]) => key === tag)?.[1];
}
