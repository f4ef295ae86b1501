// Reader for ELF32 little-endian i386 executables (System V ABI, ELF spec 1.2 and the i386 supplement).
// Validates everything a loader relies on and reports each problem as its own one-line BootError.

import { BootError } from './boot-error.js';

export const PT_LOAD = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;

const ELF_HEADER_SIZE = 52;
const PROGRAM_HEADER_SIZE = 32;
const SECTION_HEADER_SIZE = 40;
const SYMBOL_SIZE = 16;
const ET_EXEC = 2;
const EM_386 = 3;
const PN_XNUM = 0xffff;

const ELF_TYPE_NAMES: Record<number, string> = { 0: 'ET_NONE', 1: 'ET_REL, an object file', 3: 'ET_DYN, a shared object or PIE', 4: 'ET_CORE' };
const MACHINE_NAMES: Record<number, string> = { 8: 'MIPS', 20: 'PowerPC', 40: 'ARM', 62: 'x86-64', 183: 'AArch64', 243: 'RISC-V' };

export interface Elf32Header {
  type: number;
  machine: number;
  version: number;
  entry: number;
  phoff: number;
  shoff: number;
  flags: number;
  ehsize: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface Elf32ProgramHeader {
  index: number;
  type: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  flags: number;
  align: number;
}

export interface Elf32Section {
  index: number;
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface Elf32Symbol {
  name: string;
  value: number;
  size: number;
}

export function hex(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}

/** True when the image starts with the ELF magic number (whatever its class or machine). */
export function hasElfMagic(image: Uint8Array): boolean {
  return image.length >= 4 && image[0] === 0x7f && image[1] === 0x45 && image[2] === 0x4c && image[3] === 0x46;
}

export class Elf32Image {
  readonly bytes: Uint8Array;
  readonly header: Elf32Header;
  readonly programHeaders: readonly Elf32ProgramHeader[];
  private readonly view: DataView;
  private sectionCache: Elf32Section[] | undefined;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkIdent(bytes);
    this.header = this.readHeader();
    checkHeader(this.header);
    this.programHeaders = this.readProgramHeaders();
  }

  /** Parses and validates `bytes`; throws BootError on the first problem found. */
  static parse(bytes: Uint8Array): Elf32Image {
    return new Elf32Image(bytes);
  }

  /** The PT_LOAD segments that occupy memory, in file order. */
  loadSegments(): Elf32ProgramHeader[] {
    return this.programHeaders.filter((ph) => ph.type === PT_LOAD && ph.memsz > 0);
  }

  /** The file bytes of a segment (filesz of them; the rest up to memsz is bss). */
  segmentData(ph: Elf32ProgramHeader): Uint8Array {
    return this.bytes.subarray(ph.offset, ph.offset + ph.filesz);
  }

  /** Section headers with their names; validated on first use, because booting does not need them. */
  sections(): Elf32Section[] {
    this.sectionCache ??= this.readSections();
    return this.sectionCache;
  }

  section(name: string): Elf32Section | undefined {
    return this.sections().find((s) => s.name === name);
  }

  /** Named symbols of every SHT_SYMTAB section (a stripped kernel has none). */
  symbols(): Elf32Symbol[] {
    const result: Elf32Symbol[] = [];
    for (const table of this.sections().filter((s) => s.type === SHT_SYMTAB)) result.push(...this.readSymbolTable(table));
    return result;
  }

  symbol(name: string): Elf32Symbol | undefined {
    return this.symbols().find((s) => s.name === name);
  }

  private u16(offset: number): number {
    return this.view.getUint16(offset, true);
  }

  private u32(offset: number): number {
    return this.view.getUint32(offset, true);
  }

  private readHeader(): Elf32Header {
    return {
      type: this.u16(16),
      machine: this.u16(18),
      version: this.u32(20),
      entry: this.u32(24),
      phoff: this.u32(28),
      shoff: this.u32(32),
      flags: this.u32(36),
      ehsize: this.u16(40),
      phentsize: this.u16(42),
      phnum: this.u16(44),
      shentsize: this.u16(46),
      shnum: this.u16(48),
      shstrndx: this.u16(50),
    };
  }

  private readProgramHeaders(): Elf32ProgramHeader[] {
    const { phoff, phnum } = this.header;
    const tableEnd = phoff + phnum * PROGRAM_HEADER_SIZE;
    if (tableEnd > this.bytes.length) {
      throw new BootError(`truncated ELF: program header table runs past the end of the file ` +
        `(offset ${hex(phoff)}, ${phnum} entries of ${PROGRAM_HEADER_SIZE} bytes, file is ${this.bytes.length} bytes)`);
    }
    const headers: Elf32ProgramHeader[] = [];
    for (let i = 0; i < phnum; i++) headers.push(this.readProgramHeader(i, phoff + i * PROGRAM_HEADER_SIZE));
    for (const ph of headers) if (ph.type === PT_LOAD) this.checkLoadSegment(ph);
    if (!headers.some((ph) => ph.type === PT_LOAD && ph.memsz > 0)) throw new BootError('ELF has no loadable (PT_LOAD) segment');
    return headers;
  }

  private readProgramHeader(index: number, at: number): Elf32ProgramHeader {
    return {
      index,
      type: this.u32(at),
      offset: this.u32(at + 4),
      vaddr: this.u32(at + 8),
      paddr: this.u32(at + 12),
      filesz: this.u32(at + 16),
      memsz: this.u32(at + 20),
      flags: this.u32(at + 24),
      align: this.u32(at + 28),
    };
  }

  private checkLoadSegment(ph: Elf32ProgramHeader): void {
    const i = ph.index;
    if (ph.filesz > ph.memsz) {
      throw new BootError(`ELF segment ${i}: file size ${hex(ph.filesz)} is larger than its memory size ${hex(ph.memsz)}`);
    }
    if (ph.offset + ph.filesz > this.bytes.length) {
      throw new BootError(`truncated ELF: segment ${i} data runs past the end of the file ` +
        `(offset ${hex(ph.offset)}, ${hex(ph.filesz)} bytes, file is ${this.bytes.length} bytes)`);
    }
    if (ph.paddr + ph.memsz > 0x1_0000_0000) {
      throw new BootError(`ELF segment ${i} wraps around the 4 GiB address space (physical ${hex(ph.paddr)} + ${hex(ph.memsz)} bytes)`);
    }
  }

  private readSections(): Elf32Section[] {
    const { shoff, shnum, shentsize, shstrndx } = this.header;
    if (shnum === 0) return [];
    if (shentsize !== SECTION_HEADER_SIZE) {
      throw new BootError(`ELF section header entry size is ${shentsize} bytes (need ${SECTION_HEADER_SIZE})`);
    }
    if (shoff + shnum * SECTION_HEADER_SIZE > this.bytes.length) {
      throw new BootError(`truncated ELF: section header table runs past the end of the file ` +
        `(offset ${hex(shoff)}, ${shnum} entries of ${SECTION_HEADER_SIZE} bytes, file is ${this.bytes.length} bytes)`);
    }
    if (shstrndx >= shnum) throw new BootError(`ELF section name table index ${shstrndx} is not below the section count ${shnum}`);
    const sections: Elf32Section[] = [];
    for (let i = 0; i < shnum; i++) sections.push(this.readSectionHeader(i, shoff + i * SECTION_HEADER_SIZE));
    const names = shstrndx === 0 ? undefined : sections[shstrndx]!;
    if (names) for (const s of sections) s.name = this.stringAt(names, this.u32(shoff + s.index * SECTION_HEADER_SIZE));
    return sections;
  }

  /** Everything but the name, which needs the name table (sh_name, at offset 0, is resolved by the caller). */
  private readSectionHeader(index: number, at: number): Elf32Section {
    return {
      index,
      name: '',
      type: this.u32(at + 4),
      flags: this.u32(at + 8),
      addr: this.u32(at + 12),
      offset: this.u32(at + 16),
      size: this.u32(at + 20),
      link: this.u32(at + 24),
      info: this.u32(at + 28),
      addralign: this.u32(at + 32),
      entsize: this.u32(at + 36),
    };
  }

  private sectionData(s: Elf32Section): Uint8Array {
    if (s.type === SHT_NOBITS) return new Uint8Array(0);
    if (s.offset + s.size > this.bytes.length) {
      throw new BootError(`truncated ELF: section ${s.index} runs past the end of the file ` +
        `(offset ${hex(s.offset)}, ${hex(s.size)} bytes, file is ${this.bytes.length} bytes)`);
    }
    return this.bytes.subarray(s.offset, s.offset + s.size);
  }

  private stringAt(table: Elf32Section, offset: number): string {
    const data = this.sectionData(table);
    if (offset >= data.length) {
      if (offset === 0) return '';
      throw new BootError(`ELF string offset ${hex(offset)} lies outside string table section ${table.index}`);
    }
    let name = '';
    for (let i = offset; i < data.length && data[i] !== 0; i++) name += String.fromCharCode(data[i]!);
    return name;
  }

  private readSymbolTable(table: Elf32Section): Elf32Symbol[] {
    const data = this.sectionData(table);
    const strings = this.sections()[table.link];
    if (!strings || strings.type !== SHT_STRTAB) {
      throw new BootError(`ELF symbol table section ${table.index} links to ${table.link}, which is not a string table`);
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const symbols: Elf32Symbol[] = [];
    for (let at = SYMBOL_SIZE; at + SYMBOL_SIZE <= data.length; at += SYMBOL_SIZE) {
      const nameOffset = view.getUint32(at, true);
      if (nameOffset === 0) continue;
      symbols.push({ name: this.stringAt(strings, nameOffset), value: view.getUint32(at + 4, true), size: view.getUint32(at + 8, true) });
    }
    return symbols;
  }
}

function checkIdent(bytes: Uint8Array): void {
  if (!hasElfMagic(bytes)) throw new BootError('not an ELF file (bad magic number)');
  if (bytes.length < ELF_HEADER_SIZE) {
    throw new BootError(`truncated ELF: the file is ${bytes.length} bytes, shorter than the ${ELF_HEADER_SIZE}-byte ELF header`);
  }
  const elfClass = bytes[4]!;
  if (elfClass === 2) throw new BootError('64-bit ELF (ELFCLASS64) is not supported: need a 32-bit i386 kernel');
  if (elfClass !== 1) throw new BootError(`invalid ELF class ${elfClass} (need ELFCLASS32)`);
  const encoding = bytes[5]!;
  if (encoding === 2) throw new BootError('big-endian ELF (ELFDATA2MSB) is not supported: need little-endian');
  if (encoding !== 1) throw new BootError(`invalid ELF data encoding ${encoding} (need ELFDATA2LSB)`);
  if (bytes[6] !== 1) throw new BootError(`unsupported ELF version ${bytes[6]} in e_ident (need 1)`);
}

function checkHeader(h: Elf32Header): void {
  if (h.type !== ET_EXEC) {
    const name = ELF_TYPE_NAMES[h.type] ?? 'unknown';
    throw new BootError(`ELF type ${h.type} (${name}) is not an executable (need ET_EXEC)`);
  }
  if (h.machine !== EM_386) {
    const name = MACHINE_NAMES[h.machine] ?? 'unknown';
    throw new BootError(`ELF machine ${h.machine} (${name}) is not i386 (need EM_386)`);
  }
  if (h.version !== 1) throw new BootError(`unsupported ELF version ${h.version} in e_version (need 1)`);
  if (h.ehsize < ELF_HEADER_SIZE) throw new BootError(`ELF header size field is ${h.ehsize} bytes, smaller than ${ELF_HEADER_SIZE}`);
  if (h.phnum === 0) throw new BootError('ELF has no program headers');
  if (h.phnum === PN_XNUM) throw new BootError('ELF extended program header numbering (PN_XNUM) is not supported');
  if (h.phentsize !== PROGRAM_HEADER_SIZE) {
    throw new BootError(`ELF program header entry size is ${h.phentsize} bytes (need ${PROGRAM_HEADER_SIZE})`);
  }
}
