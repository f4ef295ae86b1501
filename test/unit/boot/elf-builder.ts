// Test helper: writes ELF32 i386 executables and Multiboot headers byte by byte, so each test states its own image.

export interface SegmentSpec {
  paddr: number;
  vaddr?: number;
  data: Uint8Array;
  memsz?: number;
  type?: number;
}

export interface SymbolSpec {
  name: string;
  value: number;
  size: number;
}

export interface ElfSpec {
  entry: number;
  segments: SegmentSpec[];
  symbols?: SymbolSpec[];
}

export const ELF_HEADER_SIZE = 52;
export const PROGRAM_HEADER_SIZE = 32;
const SECTION_HEADER_SIZE = 40;

/** Layout: ELF header, program headers, segment data (16-byte aligned), then string/symbol tables and section headers. */
export function buildElf(spec: ElfSpec): Uint8Array {
  const phoff = ELF_HEADER_SIZE;
  let cursor = align(phoff + spec.segments.length * PROGRAM_HEADER_SIZE, 16);
  const dataOffsets = spec.segments.map((s) => {
    const at = cursor;
    cursor = align(cursor + s.data.length, 16);
    return at;
  });
  const tables = spec.symbols ? symbolTables(spec.symbols) : undefined;
  const tablesAt = cursor;
  if (tables) cursor = align(cursor + tables.shstrtab.length + tables.strtab.length + tables.symtab.length, 4);
  const shoff = tables ? cursor : 0;
  const size = tables ? shoff + 4 * SECTION_HEADER_SIZE : cursor;

  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 3, true); // EM_386
  v.setUint32(20, 1, true);
  v.setUint32(24, spec.entry, true);
  v.setUint32(28, phoff, true);
  v.setUint32(32, shoff, true);
  v.setUint16(40, ELF_HEADER_SIZE, true);
  v.setUint16(42, PROGRAM_HEADER_SIZE, true);
  v.setUint16(44, spec.segments.length, true);
  v.setUint16(46, SECTION_HEADER_SIZE, true);
  v.setUint16(48, tables ? 4 : 0, true);
  v.setUint16(50, tables ? 1 : 0, true);
  spec.segments.forEach((s, i) => {
    const at = phoff + i * PROGRAM_HEADER_SIZE;
    v.setUint32(at, s.type ?? 1, true);
    v.setUint32(at + 4, dataOffsets[i]!, true);
    v.setUint32(at + 8, s.vaddr ?? s.paddr, true);
    v.setUint32(at + 12, s.paddr, true);
    v.setUint32(at + 16, s.data.length, true);
    v.setUint32(at + 20, s.memsz ?? s.data.length, true);
    v.setUint32(at + 24, 7, true);
    v.setUint32(at + 28, 4096, true);
    out.set(s.data, dataOffsets[i]!);
  });
  if (tables) writeSections(out, v, tables, tablesAt, shoff);
  return out;
}

interface SymbolTables {
  shstrtab: Uint8Array;
  strtab: Uint8Array;
  symtab: Uint8Array;
  names: { shstrtab: number; symtab: number; strtab: number };
}

function symbolTables(symbols: SymbolSpec[]): SymbolTables {
  const shstrtab = ascii('\0.shstrtab\0.symtab\0.strtab\0');
  let strings = '\0';
  const symtab = new Uint8Array(16 * (symbols.length + 1));
  const v = new DataView(symtab.buffer);
  symbols.forEach((s, i) => {
    v.setUint32(16 * (i + 1), strings.length, true);
    v.setUint32(16 * (i + 1) + 4, s.value, true);
    v.setUint32(16 * (i + 1) + 8, s.size, true);
    v.setUint8(16 * (i + 1) + 12, 0x10); // STB_GLOBAL, STT_NOTYPE
    v.setUint16(16 * (i + 1) + 14, 0xfff1, true); // SHN_ABS
    strings += `${s.name}\0`;
  });
  return { shstrtab, strtab: ascii(strings), symtab, names: { shstrtab: 1, symtab: 11, strtab: 19 } };
}

function writeSections(out: Uint8Array, v: DataView, t: SymbolTables, at: number, shoff: number): void {
  const shstrtabAt = at;
  const strtabAt = shstrtabAt + t.shstrtab.length;
  const symtabAt = strtabAt + t.strtab.length;
  out.set(t.shstrtab, shstrtabAt);
  out.set(t.strtab, strtabAt);
  out.set(t.symtab, symtabAt);
  const section = (index: number, name: number, type: number, offset: number, size: number, link: number, entsize: number): void => {
    const h = shoff + index * SECTION_HEADER_SIZE;
    v.setUint32(h, name, true);
    v.setUint32(h + 4, type, true);
    v.setUint32(h + 16, offset, true);
    v.setUint32(h + 20, size, true);
    v.setUint32(h + 24, link, true);
    v.setUint32(h + 36, entsize, true);
  };
  section(1, t.names.shstrtab, 3, shstrtabAt, t.shstrtab.length, 0, 0);
  section(2, t.names.symtab, 2, symtabAt, t.symtab.length, 3, 16);
  section(3, t.names.strtab, 3, strtabAt, t.strtab.length, 0, 0);
}

/** A Multiboot v1 header with a correct checksum, followed by `fields` (the a.out kludge and video words). */
export function multibootHeader(flags: number, fields: number[] = []): Uint8Array {
  const words = [0x1badb002, flags >>> 0, (-(0x1badb002 + flags)) >>> 0, ...fields];
  const out = new Uint8Array(words.length * 4);
  const v = new DataView(out.buffer);
  words.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return out;
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Bytes counting up from `start`, so misplaced copies show. */
export function pattern(length: number, start = 1): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
}

/** A minimal bootable kernel: one segment at `paddr` holding a Multiboot header and code bytes, plus `bss` zeroed bytes. */
export function simpleKernel(options: { paddr?: number; flags?: number; code?: Uint8Array; bss?: number } = {}): Uint8Array {
  const paddr = options.paddr ?? 0x100000;
  const data = concat(multibootHeader(options.flags ?? 0x3), options.code ?? pattern(20, 0x90));
  return buildElf({ entry: paddr + 12, segments: [{ paddr, data, memsz: data.length + (options.bss ?? 0) }] });
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}
