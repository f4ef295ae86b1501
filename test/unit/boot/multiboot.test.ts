// Tests for the Multiboot v1 loader: kernel placement, every refusal, and the info structure read back from guest RAM.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PhysicalMemory } from '../../../src/machine/memory/physical-memory.js';
import { BootError } from '../../../src/machine/boot/boot-error.js';
import {
  loadMultiboot, multibootMemoryMap, MBI, LOW_MBI_ADDR, LOW_MMAP_ADDR, MULTIBOOT_BOOTLOADER_MAGIC,
  type MultibootOptions,
} from '../../../src/machine/boot/multiboot.js';
import { buildElf, concat, multibootHeader, pattern, simpleKernel, ascii } from './elf-builder.js';

const MiB = 1024 * 1024;

function ram(mib = 32): PhysicalMemory {
  const memory = new PhysicalMemory(mib * MiB);
  memory.u8.fill(0xaa); // so that bss zeroing and NUL terminators are checked, not inherited
  return memory;
}

const u32 = (m: PhysicalMemory, addr: number): number => m.read32(addr) >>> 0;

function cString(m: PhysicalMemory, addr: number): string {
  let text = '';
  for (let a = addr; m.read8(a) !== 0; a++) text += String.fromCharCode(m.read8(a));
  return text;
}

function bootFails(image: Uint8Array, message: RegExp, options: MultibootOptions = {}, memory = ram()): BootError {
  let caught: unknown;
  try {
    loadMultiboot(memory, image, options);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof BootError, `expected a BootError, got ${String(caught)}`);
  assert.match(caught.message, message);
  assert.ok(!caught.message.includes('\n'));
  return caught;
}

interface ModuleEntry { start: number; end: number; string: string }

function modules(m: PhysicalMemory, mbi: number): ModuleEntry[] {
  const list: ModuleEntry[] = [];
  for (let i = 0; i < u32(m, mbi + MBI.modsCount); i++) {
    const at = u32(m, mbi + MBI.modsAddr) + 16 * i;
    list.push({ start: u32(m, at), end: u32(m, at + 4), string: cString(m, u32(m, at + 8)) });
  }
  return list;
}

function memoryMap(m: PhysicalMemory, mbi: number): number[][] {
  const entries: number[][] = [];
  const start = u32(m, mbi + MBI.mmapAddr);
  for (let at = start; at < start + u32(m, mbi + MBI.mmapLength); at += u32(m, at) + 4) {
    entries.push([u32(m, at), u32(m, at + 4) + u32(m, at + 8) * 2 ** 32, u32(m, at + 12) + u32(m, at + 16) * 2 ** 32, u32(m, at + 20)]);
  }
  return entries;
}

describe('loadMultiboot: loading an ELF kernel', () => {
  test('copies the segment to its physical address, zeroes the bss and returns the entry state', () => {
    const memory = ram();
    const image = simpleKernel({ bss: 0x100 });
    const entry = loadMultiboot(memory, image, {});
    assert.deepEqual(entry, { entry: 0x10000c, eax: MULTIBOOT_BOOTLOADER_MAGIC, ebx: LOW_MBI_ADDR });
    assert.equal(u32(memory, 0x100000), 0x1badb002);
    assert.deepEqual([...memory.u8.subarray(0x10000c, 0x10000c + 20)], [...pattern(20, 0x90)]);
    assert.ok(memory.u8.subarray(0x100020, 0x100120).every((b) => b === 0));
    assert.equal(memory.read8(0x100120), 0xaa);
  });

  test('loads by p_paddr and translates a higher-half entry point to its physical address', () => {
    const memory = ram();
    const data = concat(multibootHeader(0x2), pattern(32));
    const image = buildElf({ entry: 0xc0100010, segments: [{ paddr: 0x200000, vaddr: 0xc0100000, data }] });
    assert.equal(loadMultiboot(memory, image).entry, 0x200010);
    assert.equal(u32(memory, 0x200000), 0x1badb002);
  });

  test('loads several segments, each with its own bss', () => {
    const memory = ram();
    const image = buildElf({
      entry: 0x100000,
      segments: [
        { paddr: 0x100000, data: concat(multibootHeader(0), pattern(4)) },
        { paddr: 0x300000, data: pattern(8, 0x50), memsz: 16 },
      ],
    });
    loadMultiboot(memory, image);
    assert.deepEqual([...memory.u8.subarray(0x300000, 0x300010)], [...pattern(8, 0x50), 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('finds a header anywhere 4-byte aligned in the first 8 KiB, and accepts the video and optional flag bits', () => {
    const data = concat(new Uint8Array(8000), multibootHeader(0x0010_0007, [0, 0, 0, 0, 0, 1, 80, 25, 0]), pattern(4));
    const image = buildElf({ entry: 0x100000, segments: [{ paddr: 0x100000, data }] });
    assert.equal(loadMultiboot(ram(), image).eax, 0x2badb002);
  });
});

describe('loadMultiboot: what ld -Ttext=0x100000 makes', () => {
  test('loads the read-only segment of ELF headers at 0xff000, in the BIOS area, as QEMU does', () => {
    const memory = ram();
    const image = buildElf({
      entry: 0x100000,
      segments: [{ paddr: 0xff000, data: pattern(0x94) }, { paddr: 0x100000, data: concat(multibootHeader(3), pattern(16)), memsz: 0x2008 }],
    });
    const { ebx } = loadMultiboot(memory, image, { modules: [{ data: pattern(7), string: 'ma.bin one two' }] });
    assert.equal(memory.read8(0xff000), 1);
    // QEMU measures the kernel from its lowest segment: 0xff000 + page_align(0x102008 - 0xff000)
    assert.equal(u32(memory, ebx + MBI.modsAddr), 0x103000);
    assert.equal(modules(memory, ebx)[0]!.start, 0x104000);
  });
});

describe('loadMultiboot: the a.out kludge (header flag bit 16)', () => {
  // A flat binary: the header at file offset 0 says where it goes; 16 bytes of code follow it.
  function flatKernel(fields: { header?: number; load?: number; loadEnd?: number; bssEnd?: number; entry?: number } = {}): Uint8Array {
    const header = fields.header ?? 0x100000;
    const words = [header, fields.load ?? header, fields.loadEnd ?? 0, fields.bssEnd ?? 0, fields.entry ?? header + 32];
    return concat(multibootHeader(0x0001_0000, words), pattern(16, 0x30));
  }

  test('loads the whole file at load_addr when load_end_addr is 0, and zeroes up to bss_end_addr', () => {
    const memory = ram();
    const entry = loadMultiboot(memory, flatKernel({ bssEnd: 0x100100, entry: 0x100020 }));
    assert.equal(entry.entry, 0x100020);
    assert.equal(u32(memory, 0x100000), 0x1badb002);
    assert.deepEqual([...memory.u8.subarray(0x100020, 0x100030)], [...pattern(16, 0x30)]);
    assert.ok(memory.u8.subarray(0x100030, 0x100100).every((b) => b === 0));
    assert.equal(memory.read8(0x100100), 0xaa);
  });

  test('loads only up to load_end_addr', () => {
    const memory = ram();
    loadMultiboot(memory, flatKernel({ loadEnd: 0x100024 }));
    assert.equal(memory.read8(0x100023), 0x33);
    assert.equal(memory.read8(0x100024), 0xaa);
  });

  test('a non-ELF file is loaded by the kludge fields even though it has no ELF header', () => {
    const image = concat(ascii('MZ: not an ELF..'), flatKernel({ header: 0x100010, load: 0x100000 }));
    const memory = ram();
    loadMultiboot(memory, image);
    assert.equal(memory.read8(0x100000), 0x4d);
    assert.equal(u32(memory, 0x100010), 0x1badb002);
  });

  test('refuses load_addr above header_addr', () => { bootFails(flatKernel({ header: 0x100000, load: 0x100010 }), /^a\.out kludge: load_addr 0x100010 is above header_addr 0x100000$/); });
  test('refuses load_addr before the start of the file', () => { bootFails(flatKernel({ header: 0x100100, load: 0x100000 }), /lies before the start of the file$/); });
  test('refuses load_end_addr below load_addr', () => { bootFails(flatKernel({ loadEnd: 0xfffff }), /load_end_addr 0xfffff is below load_addr/); });
  test('refuses a load_end_addr past the end of the file', () => { bootFails(flatKernel({ loadEnd: 0x101000 }), /^truncated kernel: a\.out kludge loads 0x1000 bytes from file offset 0x0, but the file is 48 bytes$/); });
  test('refuses a bss_end_addr inside the loaded image', () => { bootFails(flatKernel({ bssEnd: 0x100010 }), /bss_end_addr 0x100010 is below the end of the loaded image/); });
});

describe('loadMultiboot: refusals', () => {
  test('no Multiboot header', () => {
    bootFails(buildElf({ entry: 0x100000, segments: [{ paddr: 0x100000, data: pattern(64) }] }), /^no Multiboot header in the first 8 KiB$/);
    bootFails(new Uint8Array(0), /^no Multiboot header in the first 8 KiB$/);
  });

  test('a header past the first 8 KiB does not count', () => {
    const data = concat(new Uint8Array(8192), multibootHeader(0));
    bootFails(buildElf({ entry: 0x100000, segments: [{ paddr: 0x100000, data }] }), /^no Multiboot header in the first 8 KiB$/);
  });

  test('a header that is not 4-byte aligned does not count', () => {
    const data = concat(new Uint8Array(2), multibootHeader(0));
    bootFails(buildElf({ entry: 0x100000, segments: [{ paddr: 0x100000, data }] }), /^no Multiboot header/);
  });

  test('bad checksum', () => {
    const header = multibootHeader(0x3);
    header[8]! ^= 1;
    const image = buildElf({ entry: 0x100000, segments: [{ paddr: 0x100000, data: concat(header, pattern(8)) }] });
    bootFails(image, /^Multiboot header at offset 0x60 has a bad checksum/);
  });

  test('an unsupported required flag bit', () => { bootFails(simpleKernel({ flags: 0x0000_0803 }), /^Multiboot header requires features this loader does not have \(flag bits 0x800\)$/); });

  test('not an ELF file and no a.out kludge', () => { bootFails(concat(multibootHeader(0x3), pattern(64)), /^not an ELF file, and the Multiboot header has no load addresses/); });

  test('ELF errors come through', () => {
    const image = simpleKernel();
    image[18] = 62;
    bootFails(image, /^ELF machine 62 \(x86-64\) is not i386/);
  });

  test('a kernel larger than RAM', () => {
    const image = buildElf({ entry: 0x100000, segments: [{ paddr: 0x100000, data: concat(multibootHeader(0), pattern(16)), memsz: 2 * MiB }] });
    bootFails(image, /^kernel segment 0x100000-0x300000 does not fit in 2 MiB of RAM$/, {}, ram(2));
  });

  test('a kernel segment in video memory', () => {
    bootFails(simpleKernel({ paddr: 0xb8000 }), /^kernel segment 0xb8000-0xb8020 overlaps video memory 0xa0000-0xc0000$/);
    bootFails(simpleKernel({ paddr: 0x9f000, bss: 0x2000 }), /overlaps video memory/);
  });

  test('a module too big for RAM names the module and writes nothing', () => {
    const memory = ram(4);
    const error = bootFails(simpleKernel(), /^module 2 \(3145728 bytes\) does not fit in 4 MiB of RAM \(\d+ bytes free above 0x[0-9a-f]+\)$/,
      { modules: [{ data: pattern(100), string: 'a' }, { data: new Uint8Array(3 * MiB), string: 'big' }] }, memory);
    assert.equal(error.moduleIndex, 1);
    assert.equal(memory.read8(0x100000), 0xaa);
    assert.equal(memory.read8(LOW_MBI_ADDR), 0xaa);
  });

  test('a command line too long for RAM', () => {
    bootFails(simpleKernel(), /^boot information \(\d+ bytes of module list and strings\) does not fit in RAM above the kernel$/,
      { cmdline: 'x'.repeat(2 * MiB) }, ram(2));
  });
});

describe('loadMultiboot: the boot information structure', () => {
  const options: MultibootOptions = {
    cmdline: 'work=1 mode=test',
    modules: [{ data: pattern(6), string: 'm1.bin arg1 arg2' }, { data: pattern(5000, 7), string: 'm2.bin' }],
  };

  function booted(mib = 32, opts = options): { memory: PhysicalMemory; mbi: number } {
    const memory = ram(mib);
    return { memory, mbi: loadMultiboot(memory, simpleKernel({ bss: 0x1000 }), opts).ebx };
  }

  test('sits at 0x9500 with flags for memory, cmdline, modules, memory map and boot loader name', () => {
    const { memory, mbi } = booted();
    assert.equal(mbi, 0x9500);
    assert.equal(u32(memory, mbi + MBI.flags), 0x24d);
    assert.equal(u32(memory, mbi + MBI.bootDevice), 0);
    assert.ok(memory.u8.subarray(mbi + 68, mbi + 88).every((b) => b === 0));
  });

  test('reports mem_lower = 639 KiB and mem_upper = RAM above 1 MiB less the top 128 KiB, as QEMU does', () => {
    for (const mib of [2, 32, 128]) {
      const { memory, mbi } = booted(mib);
      assert.equal(u32(memory, mbi + MBI.memLower), 639);
      assert.equal(u32(memory, mbi + MBI.memUpper), (mib - 1) * 1024 - 128);
    }
  });

  test('passes the command line and the boot loader name as C strings', () => {
    const { memory, mbi } = booted();
    assert.equal(cString(memory, u32(memory, mbi + MBI.cmdline)), 'work=1 mode=test');
    assert.equal(cString(memory, u32(memory, mbi + MBI.bootLoaderName)), 'kernelist');
    const named = booted(32, { bootLoaderName: 'other' });
    assert.equal(cString(named.memory, u32(named.memory, named.mbi + MBI.bootLoaderName)), 'other');
    assert.equal(cString(named.memory, u32(named.memory, named.mbi + MBI.cmdline)), '');
  });

  test('encodes the command line as UTF-8', () => {
    const { memory, mbi } = booted(32, { cmdline: 'é' });
    const at = u32(memory, mbi + MBI.cmdline);
    assert.deepEqual([memory.read8(at), memory.read8(at + 1), memory.read8(at + 2)], [0xc3, 0xa9, 0]);
  });

  test('lists the modules, page-aligned above the kernel, with end addresses one past the last byte', () => {
    const { memory, mbi } = booted();
    assert.deepEqual(modules(memory, mbi), [
      { start: 0x103000, end: 0x103006, string: 'm1.bin arg1 arg2' },
      { start: 0x104000, end: 0x105388, string: 'm2.bin' },
    ]);
    assert.deepEqual([...memory.u8.subarray(0x104000, 0x105388)], [...pattern(5000, 7)]);
    assert.equal(memory.read8(0x105388), 0xaa);
  });

  test('puts the module list and strings on the first page boundary above the kernel, as QEMU does', () => {
    const { memory, mbi } = booted();
    assert.equal(u32(memory, mbi + MBI.modsAddr), 0x102000);
    assert.equal(u32(memory, 0x102000 + 8), 0x102020);
    assert.equal(u32(memory, mbi + MBI.cmdline), 0x102038);
  });

  test('with no modules still reports mods_count 0 and a module list address', () => {
    const { memory, mbi } = booted(32, {});
    assert.equal(u32(memory, mbi + MBI.modsCount), 0);
    assert.equal(u32(memory, mbi + MBI.modsAddr), 0x102000);
    assert.equal(u32(memory, mbi + MBI.flags) & 0x8, 0x8);
  });

  test('gives the memory map QEMU gives for -kernel, with the top 128 KiB reserved', () => {
    const { memory, mbi } = booted(32);
    assert.equal(u32(memory, mbi + MBI.mmapAddr), LOW_MMAP_ADDR);
    assert.equal(u32(memory, mbi + MBI.mmapLength), 5 * 24);
    assert.deepEqual(memoryMap(memory, mbi), [
      [20, 0, 0x9fc00, 1],
      [20, 0x9fc00, 0x400, 2],
      [20, 0xf0000, 0x10000, 2],
      [20, 0x100000, 31 * MiB - 128 * 1024, 1],
      [20, 32 * MiB - 128 * 1024, 128 * 1024, 2],
    ]);
  });

  test('multibootMemoryMap covers tiny RAM sizes without negative lengths', () => {
    assert.deepEqual(multibootMemoryMap(512 * 1024), [
      { base: 0, length: 512 * 1024, type: 1 },
      { base: 0xf0000, length: 0x10000, type: 2 },
    ]);
  });

  test('moves the info structure above the kernel when the kernel occupies 0x9000', () => {
    const memory = ram();
    const entry = loadMultiboot(memory, simpleKernel({ paddr: 0x8000, bss: 0x2000 }), options);
    const mbi = entry.ebx;
    assert.ok(mbi >= 0xa020, `mbi at ${mbi.toString(16)}`);
    assert.equal(u32(memory, 0x8000), 0x1badb002);
    assert.equal(cString(memory, u32(memory, mbi + MBI.cmdline)), 'work=1 mode=test');
    assert.equal(memoryMap(memory, mbi).length, 5);
    assert.equal(modules(memory, mbi)[0]!.string, 'm1.bin arg1 arg2');
  });

  test('steps modules over the VGA/BIOS hole when the kernel lies below it', () => {
    const memory = ram();
    const { ebx } = loadMultiboot(memory, simpleKernel({ paddr: 0x10000 }), { modules: [{ data: pattern(0x90000), string: 'big' }] });
    const [module] = modules(memory, ebx);
    assert.equal(module!.start, 0x100000);
    assert.equal(module!.end, 0x190000);
  });
});
