// Tests for the ELF32 reader: a good image reads back field by field, and each malformation has its own message.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Elf32Image, hasElfMagic } from '../../../src/machine/boot/elf32.js';
import { BootError } from '../../../src/machine/boot/boot-error.js';
import { buildElf, pattern, ELF_HEADER_SIZE } from './elf-builder.js';

function twoSegmentElf(): Uint8Array {
  return buildElf({
    entry: 0x100010,
    segments: [
      { paddr: 0x100000, data: pattern(64) },
      { paddr: 0x101000, data: pattern(16, 0x40), memsz: 0x2000 },
      { paddr: 0, data: new Uint8Array(0), type: 4 /* PT_NOTE */ },
    ],
    symbols: [{ name: '__text_end', value: 0x100040, size: 0 }, { name: 'kmain', value: 0x100020, size: 12 }],
  });
}

function patched(image: Uint8Array, edit: (v: DataView) => void): Uint8Array {
  const copy = image.slice();
  edit(new DataView(copy.buffer));
  return copy;
}

function rejects(image: Uint8Array, message: RegExp): void {
  assert.throws(() => Elf32Image.parse(image), (e: unknown) => e instanceof BootError && message.test(e.message) && !e.message.includes('\n'));
}

describe('Elf32Image: a valid executable', () => {
  test('reads the header fields', () => {
    const elf = Elf32Image.parse(twoSegmentElf());
    assert.equal(elf.header.type, 2);
    assert.equal(elf.header.machine, 3);
    assert.equal(elf.header.entry, 0x100010);
    assert.equal(elf.header.phnum, 3);
  });

  test('lists the PT_LOAD segments with their data and bss sizes', () => {
    const elf = Elf32Image.parse(twoSegmentElf());
    const loads = elf.loadSegments();
    assert.deepEqual(loads.map((s) => [s.paddr, s.filesz, s.memsz]), [[0x100000, 64, 64], [0x101000, 16, 0x2000]]);
    assert.deepEqual([...elf.segmentData(loads[1]!)], [...pattern(16, 0x40)]);
  });

  test('names the sections and reads the symbol table', () => {
    const elf = Elf32Image.parse(twoSegmentElf());
    assert.deepEqual(elf.sections().map((s) => s.name), ['', '.shstrtab', '.symtab', '.strtab']);
    assert.deepEqual(elf.symbols(), [{ name: '__text_end', value: 0x100040, size: 0 }, { name: 'kmain', value: 0x100020, size: 12 }]);
    assert.equal(elf.symbol('kmain')?.value, 0x100020);
    assert.equal(elf.symbol('missing'), undefined);
  });

  test('a stripped image has no sections and no symbols', () => {
    const elf = Elf32Image.parse(buildElf({ entry: 0x100000, segments: [{ paddr: 0x100000, data: pattern(8) }] }));
    assert.deepEqual(elf.sections(), []);
    assert.deepEqual(elf.symbols(), []);
  });

  test('hasElfMagic looks only at the four magic bytes', () => {
    assert.equal(hasElfMagic(Uint8Array.of(0x7f, 0x45, 0x4c, 0x46)), true);
    assert.equal(hasElfMagic(Uint8Array.of(0x7f, 0x45, 0x4c)), false);
    assert.equal(hasElfMagic(Uint8Array.of(0x4d, 0x5a, 0x90, 0)), false);
  });
});

describe('Elf32Image: malformed files', () => {
  const good = twoSegmentElf();

  test('bad magic', () => rejects(patched(good, (v) => v.setUint8(1, 0x46)), /^not an ELF file \(bad magic number\)$/));
  test('truncated header', () => rejects(good.slice(0, 40), /^truncated ELF: the file is 40 bytes, shorter than the 52-byte ELF header$/));
  test('64-bit class', () => rejects(patched(good, (v) => v.setUint8(4, 2)), /^64-bit ELF \(ELFCLASS64\) is not supported/));
  test('invalid class', () => rejects(patched(good, (v) => v.setUint8(4, 0)), /^invalid ELF class 0/));
  test('big-endian', () => rejects(patched(good, (v) => v.setUint8(5, 2)), /^big-endian ELF/));
  test('bad ident version', () => rejects(patched(good, (v) => v.setUint8(6, 0)), /e_ident \(need 1\)$/));
  test('shared object', () => rejects(patched(good, (v) => v.setUint16(16, 3, true)), /^ELF type 3 \(ET_DYN, a shared object or PIE\) is not an executable/));
  test('wrong machine', () => rejects(patched(good, (v) => v.setUint16(18, 62, true)), /^ELF machine 62 \(x86-64\) is not i386 \(need EM_386\)$/));
  test('bad e_version', () => rejects(patched(good, (v) => v.setUint32(20, 2, true)), /e_version \(need 1\)$/));
  test('small header size', () => rejects(patched(good, (v) => v.setUint16(40, 40, true)), /^ELF header size field is 40 bytes/));
  test('no program headers', () => rejects(patched(good, (v) => v.setUint16(44, 0, true)), /^ELF has no program headers$/));
  test('odd program header size', () => rejects(patched(good, (v) => v.setUint16(42, 56, true)), /^ELF program header entry size is 56 bytes \(need 32\)$/));

  test('program header table past the end of the file', () => {
    rejects(good.slice(0, ELF_HEADER_SIZE + 40),
      /^truncated ELF: program header table runs past the end of the file \(offset 0x34, 3 entries of 32 bytes, file is 92 bytes\)$/);
    rejects(patched(good, (v) => v.setUint32(28, 0xffffffe0, true)), /^truncated ELF: program header table runs past the end/);
  });

  test('segment file size larger than memory size', () => {
    rejects(patched(good, (v) => v.setUint32(ELF_HEADER_SIZE + 20, 8, true)), /^ELF segment 0: file size 0x40 is larger than its memory size 0x8$/);
  });

  test('segment data past the end of the file', () => {
    rejects(patched(good, (v) => v.setUint32(ELF_HEADER_SIZE + 32 + 4, good.length - 8, true)),
      /^truncated ELF: segment 1 data runs past the end of the file \(offset 0x[0-9a-f]+, 0x10 bytes, file is \d+ bytes\)$/);
    rejects(patched(good, (v) => v.setUint32(ELF_HEADER_SIZE + 4, 0xfffffff0, true)), /^truncated ELF: segment 0 data runs past/);
  });

  test('segment that wraps around 4 GiB', () => {
    rejects(patched(good, (v) => v.setUint32(ELF_HEADER_SIZE + 12, 0xfffffff0, true)), /^ELF segment 0 wraps around the 4 GiB address space/);
  });

  test('no loadable segment', () => {
    rejects(buildElf({ entry: 0, segments: [{ paddr: 0, data: pattern(4), type: 4 }] }), /^ELF has no loadable \(PT_LOAD\) segment$/);
  });

  test('a broken section table does not stop parsing, only sections()', () => {
    const elf = Elf32Image.parse(patched(good, (v) => v.setUint32(32, good.length - 20, true)));
    assert.throws(() => elf.sections(), /^BootError: truncated ELF: section header table runs past the end of the file/);
    assert.throws(() => elf.symbols(), BootError);
  });

  test('a section name index past the table', () => {
    const elf = Elf32Image.parse(patched(good, (v) => v.setUint16(50, 9, true)));
    assert.throws(() => elf.sections(), /section name table index 9 is not below the section count 4/);
  });
});
