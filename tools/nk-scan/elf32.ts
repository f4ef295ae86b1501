// A minimal reader of little-endian ELF32 i386 files for the nested-kernel scanner: section headers (with
// names) and the function/object symbols of .symtab. Anything malformed is an ElfError (one line).

export class ElfError extends Error {}

export interface ElfSection {
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  /** The section's bytes in the file (empty for SHT_NOBITS). */
  readonly bytes: Uint8Array;
}

export interface ElfSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** STT_FUNC = 2, STT_OBJECT = 1, STT_NOTYPE = 0... */
  readonly type: number;
}

export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
const SHT_SYMTAB = 2;
const SHT_NOBITS = 8;

export interface Elf32 {
  readonly sections: readonly ElfSection[];
  readonly symbols: readonly ElfSymbol[];
}

function cString(bytes: Uint8Array, start: number): string {
  let end = start;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(start, end));
}

/** Parses file (the whole ELF image). */
export function parseElf32(file: Uint8Array): Elf32 {
  if (file.length < 52 || file[0] !== 0x7f || file[1] !== 0x45 || file[2] !== 0x4c || file[3] !== 0x46)
    throw new ElfError('not an ELF file');
  if (file[4] !== 1 || file[5] !== 1) throw new ElfError('not a little-endian ELF32 file');
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint16(18, true) !== 3) throw new ElfError('not an i386 ELF file (e_machine is not EM_386)');
  const shoff = view.getUint32(32, true);
  const shentsize = view.getUint16(46, true);
  const shnum = view.getUint16(48, true);
  const shstrndx = view.getUint16(50, true);
  if (shnum === 0 || shentsize < 40 || shoff + shnum * shentsize > file.length)
    throw new ElfError('the section header table is missing or truncated');
  if (shstrndx >= shnum) throw new ElfError('bad section-name string table index');
  const raw = Array.from({ length: shnum }, (_, i) => {
    const h = shoff + i * shentsize;
    return {
      nameOff: view.getUint32(h, true), type: view.getUint32(h + 4, true), flags: view.getUint32(h + 8, true),
      addr: view.getUint32(h + 12, true), offset: view.getUint32(h + 16, true), size: view.getUint32(h + 20, true),
      link: view.getUint32(h + 24, true), entsize: view.getUint32(h + 36, true),
    };
  });
  const bytesOf = (r: (typeof raw)[number]): Uint8Array => {
    if (r.type === SHT_NOBITS) return new Uint8Array(0);
    if (r.offset + r.size > file.length) throw new ElfError(`a section runs past the end of the file (offset 0x${r.offset.toString(16)})`);
    return file.subarray(r.offset, r.offset + r.size);
  };
  const names = bytesOf(raw[shstrndx]!);
  const sections = raw.map((r) => ({
    name: cString(names, r.nameOff), type: r.type, flags: r.flags, addr: r.addr, offset: r.offset, size: r.size,
    bytes: bytesOf(r),
  }));
  const symbols: ElfSymbol[] = [];
  const symtab = raw.find((r) => r.type === SHT_SYMTAB);
  if (symtab) {
    if (symtab.link >= shnum) throw new ElfError('bad .symtab string table link');
    const strs = bytesOf(raw[symtab.link]!);
    const data = bytesOf(symtab);
    const sv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const entsize = symtab.entsize || 16;
    for (let o = 0; o + 16 <= data.length; o += entsize) {
      const name = cString(strs, sv.getUint32(o, true));
      if (name) symbols.push({ name, value: sv.getUint32(o + 4, true), size: sv.getUint32(o + 8, true), type: data[o + 12]! & 0xf });
    }
  }
  return { sections, symbols };
}
