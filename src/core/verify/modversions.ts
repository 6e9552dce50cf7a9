import { type ElfLayout, sectionBytes } from "../elf-modinfo.js";

/** Symbol CRCs a module imports (its `__versions` data) and the CRCs a kernel exports (`Module.symvers`). */

export type CrcTable = Map<string, number>;

/**
 * Imported symbol CRCs. Classic layout: `__versions` holds fixed 64-byte records (an unsigned long CRC, then a
 * NUL-padded name). Kernels with extended modversions (6.14+) add `__version_ext_crcs` (u32 each) and
 * `__version_ext_names` (NUL-separated) instead.
 */
export function importedCrcs(layout: ElfLayout): CrcTable {
  const table: CrcTable = new Map();
  const le = layout.littleEndian;
  const classic = sectionBytes(layout, "__versions");
  if (classic) {
    const crcSize = layout.elfClass === 64 ? 8 : 4;
    for (let off = 0; off + 64 <= classic.length; off += 64) {
      const crc =
        crcSize === 8
          ? Number((le ? classic.readBigUInt64LE(off) : classic.readBigUInt64BE(off)) & 0xffffffffn)
          : le
            ? classic.readUInt32LE(off)
            : classic.readUInt32BE(off);
      const nameEnd = classic.indexOf(0, off + crcSize);
      const name = classic.toString("latin1", off + crcSize, Math.min(nameEnd, off + 64));
      if (name) table.set(name, crc);
    }
  }
  const extCrcs = sectionBytes(layout, "__version_ext_crcs");
  const extNames = sectionBytes(layout, "__version_ext_names");
  if (extCrcs && extNames) {
    const names = extNames.toString("latin1").split("\0").filter(Boolean);
    names.forEach((name, i) => {
      if (i * 4 + 4 <= extCrcs.length)
        table.set(name, le ? extCrcs.readUInt32LE(i * 4) : extCrcs.readUInt32BE(i * 4));
    });
  }
  return table;
}

/** Parses `Module.symvers` (`0xCRC<TAB>symbol<TAB>module<TAB>export type[<TAB>namespace]`). */
export function parseSymvers(text: string): CrcTable {
  const table: CrcTable = new Map();
  for (const line of text.split("\n")) {
    const [crc, symbol] = line.split("\t");
    if (!crc || !symbol || !/^0x[0-9a-fA-F]+$/.test(crc)) continue;
    table.set(symbol, Number.parseInt(crc, 16));
  }
  return table;
}

export const hexCrc = (crc: number): string => `0x${crc.toString(16).padStart(8, "0")}`;

/**
 * The symbols a module exports (the names in its `__ksymtab_strings`). A package of several modules imports some
 * of them from its own modules rather than from the kernel.
 */
export function exportedSymbols(layout: ElfLayout): Set<string> {
  const strings = sectionBytes(layout, "__ksymtab_strings");
  return new Set(strings ? strings.toString("latin1").split("\0").filter(Boolean) : []);
}
