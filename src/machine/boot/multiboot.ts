// Multiboot v1 loader (Multiboot Specification 0.6.96): finds the header, loads an ELF32 or a.out-kludge kernel
// by physical address and builds the boot information structure the way QEMU's -kernel loader lays it out.

import type { PhysicalMemory } from '../memory/physical-memory.js';
import { BootError } from './boot-error.js';
import { Elf32Image, hasElfMagic, hex } from './elf32.js';
import { utf8Bytes } from '../text/utf8.js';

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
export const MULTIBOOT_SEARCH_BYTES = 8192;

/** Header flag bits. Bits 0-15 are requirements: a loader must refuse a kernel that sets one it does not know. */
export const HEADER_PAGE_ALIGN = 1 << 0;
export const HEADER_MEMORY_INFO = 1 << 1;
export const HEADER_VIDEO_MODE = 1 << 2;
export const HEADER_AOUT_KLUDGE = 1 << 16;
const REQUIRED_FLAG_MASK = 0xffff;
const KNOWN_REQUIRED_FLAGS = HEADER_PAGE_ALIGN | HEADER_MEMORY_INFO | HEADER_VIDEO_MODE;

/** Info structure flag bits (the `flags` word at offset 0 of the structure EBX points to). */
export const INFO_MEMORY = 1 << 0;
export const INFO_CMDLINE = 1 << 2;
export const INFO_MODS = 1 << 3;
export const INFO_MMAP = 1 << 6;
export const INFO_BOOT_LOADER_NAME = 1 << 9;

/** Byte offsets inside the info structure. */
export const MBI = {
  flags: 0, memLower: 4, memUpper: 8, bootDevice: 12, cmdline: 16, modsCount: 20, modsAddr: 24,
  mmapLength: 44, mmapAddr: 48, bootLoaderName: 64,
} as const;
/** QEMU reserves 88 bytes (through the VBE fields); the unused ones stay zero. */
export const MBI_SIZE = 88;
export const MODULE_ENTRY_SIZE = 16;
export const MMAP_ENTRY_SIZE = 24;

/** Where QEMU's loader puts the memory map and the info structure, when the kernel leaves that page free. */
export const LOW_MMAP_ADDR = 0x9000;
export const LOW_MBI_ADDR = 0x9500;

export const MEMORY_AVAILABLE = 1;
export const MEMORY_RESERVED = 2;
const EBDA_START = 0x9fc00;
const VGA_BIOS_HOLE = { start: 0xa0000, end: 0x100000 } as const;
/** Video memory, where RAM is not. The BIOS part of the hole above it is RAM to the loader, as in QEMU: `ld -Ttext=0x100000`
 * puts a read-only segment holding the ELF headers just below 1 MiB (at 0xff000), and QEMU loads it there. */
const VGA_WINDOW = { start: 0xa0000, end: 0xc0000 } as const;
const BIOS_ROM_START = 0xf0000;
const ONE_MIB = 0x100000;
const PAGE = 4096;

export interface MultibootModule {
  data: Uint8Array;
  /** The module's string (usually its name and arguments), as QEMU's -initrd "file args" gives it. */
  string: string;
}

export interface MultibootOptions {
  cmdline?: string;
  modules?: MultibootModule[];
  bootLoaderName?: string;
}

/** CPU state at the kernel's entry point; the rest is the Multiboot machine state (flat 4 GiB segments, CR0.PE=1, PG=0, IF=0). */
export interface MultibootEntry {
  entry: number;
  eax: number;
  ebx: number;
}

export interface MemoryMapEntry {
  base: number;
  length: number;
  type: number;
}

interface MultibootHeader {
  offset: number;
  flags: number;
  headerAddr: number;
  loadAddr: number;
  loadEndAddr: number;
  bssEndAddr: number;
  entryAddr: number;
}

interface KernelSegment {
  paddr: number;
  data: Uint8Array;
  memsz: number;
}

interface KernelPlan {
  segments: KernelSegment[];
  entry: number;
}

interface Range {
  start: number;
  end: number;
}

/** Loads `image` into `memory` and returns the entry state; nothing is written unless the whole boot fits. */
export function loadMultiboot(memory: PhysicalMemory, image: Uint8Array, options: MultibootOptions = {}): MultibootEntry {
  const header = findMultibootHeader(image);
  const kernel = header.flags & HEADER_AOUT_KLUDGE ? planAoutKludge(image, header) : planElf(image);
  const segments = kernel.segments.filter((s) => s.memsz > 0);
  for (const s of segments) checkSegmentPlacement(s, memory.size);
  const info = new BootInfoLayout(memory.size, segments, options);
  for (const s of segments) {
    memory.writeBytes(s.paddr, s.data);
    memory.u8.fill(0, s.paddr + s.data.length, s.paddr + s.memsz);
  }
  info.write(memory);
  return { entry: kernel.entry >>> 0, eax: MULTIBOOT_BOOTLOADER_MAGIC, ebx: info.mbiAddr };
}

/**
 * QEMU's firmware keeps the top 128 KiB of RAM for itself and its -kernel loader reports mem_upper and the
 * memory map without it. We report the same, so a guest reads identical Multiboot information on both.
 */
export const FIRMWARE_RESERVED_TOP = 128 * 1024;

/** RAM a guest may use above 1 MiB ends here. */
export function usableRamTop(ramBytes: number): number {
  return ramBytes > ONE_MIB + FIRMWARE_RESERVED_TOP ? ramBytes - FIRMWARE_RESERVED_TOP : ramBytes;
}

/** The memory map the loader reports for `ramBytes` of RAM (like QEMU's, without its ACPI and flash reservations). */
export function multibootMemoryMap(ramBytes: number): MemoryMapEntry[] {
  const lowTop = Math.min(EBDA_START, ramBytes);
  const map: MemoryMapEntry[] = [{ base: 0, length: lowTop, type: MEMORY_AVAILABLE }];
  if (ramBytes > EBDA_START) map.push({ base: EBDA_START, length: VGA_BIOS_HOLE.start - EBDA_START, type: MEMORY_RESERVED });
  map.push({ base: BIOS_ROM_START, length: VGA_BIOS_HOLE.end - BIOS_ROM_START, type: MEMORY_RESERVED });
  const top = usableRamTop(ramBytes);
  if (ramBytes > ONE_MIB) map.push({ base: ONE_MIB, length: top - ONE_MIB, type: MEMORY_AVAILABLE });
  if (top < ramBytes) map.push({ base: top, length: ramBytes - top, type: MEMORY_RESERVED });
  return map;
}

function findMultibootHeader(image: Uint8Array): MultibootHeader {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const limit = Math.min(MULTIBOOT_SEARCH_BYTES, image.length) - 12;
  let badChecksumAt = -1;
  for (let at = 0; at <= limit; at += 4) {
    if (view.getUint32(at, true) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = view.getUint32(at + 4, true);
    if (((MULTIBOOT_HEADER_MAGIC + flags + view.getUint32(at + 8, true)) >>> 0) === 0) return readHeader(view, at, flags);
    if (badChecksumAt < 0) badChecksumAt = at;
  }
  if (badChecksumAt >= 0) {
    throw new BootError(`Multiboot header at offset ${hex(badChecksumAt)} has a bad checksum (magic + flags + checksum must be 0)`);
  }
  throw new BootError('no Multiboot header in the first 8 KiB');
}

function readHeader(view: DataView, at: number, flags: number): MultibootHeader {
  const unsupported = flags & REQUIRED_FLAG_MASK & ~KNOWN_REQUIRED_FLAGS;
  if (unsupported) throw new BootError(`Multiboot header requires features this loader does not have (flag bits ${hex(unsupported)})`);
  const length = flags & HEADER_VIDEO_MODE ? 48 : flags & HEADER_AOUT_KLUDGE ? 32 : 12;
  if (at + length > view.byteLength) throw new BootError(`truncated Multiboot header at offset ${hex(at)}: ${length} bytes do not fit in the file`);
  if (at + length > MULTIBOOT_SEARCH_BYTES) throw new BootError(`Multiboot header at offset ${hex(at)} extends past the first 8 KiB`);
  const field = (n: number): number => (flags & HEADER_AOUT_KLUDGE ? view.getUint32(at + n, true) : 0);
  return {
    offset: at, flags,
    headerAddr: field(12), loadAddr: field(16), loadEndAddr: field(20), bssEndAddr: field(24), entryAddr: field(28),
  };
}

function planElf(image: Uint8Array): KernelPlan {
  if (!hasElfMagic(image)) throw new BootError('not an ELF file, and the Multiboot header has no load addresses (a.out kludge, flag bit 16)');
  const elf = Elf32Image.parse(image);
  const loads = elf.loadSegments();
  const segments = loads.map((ph) => ({ paddr: ph.paddr, data: elf.segmentData(ph), memsz: ph.memsz }));
  // Paging is off at entry, so a higher-half e_entry is translated through the segment that holds it (as GRUB does).
  const entry = elf.header.entry;
  const holder = loads.find((ph) => entry >= ph.vaddr && entry - ph.vaddr < ph.memsz);
  return { segments, entry: holder ? holder.paddr + (entry - holder.vaddr) : entry };
}

function planAoutKludge(image: Uint8Array, h: MultibootHeader): KernelPlan {
  if (h.loadAddr > h.headerAddr) {
    throw new BootError(`a.out kludge: load_addr ${hex(h.loadAddr)} is above header_addr ${hex(h.headerAddr)}`);
  }
  const fileStart = h.offset - (h.headerAddr - h.loadAddr);
  if (fileStart < 0) throw new BootError(`a.out kludge: load_addr ${hex(h.loadAddr)} lies before the start of the file`);
  if (h.loadEndAddr !== 0 && h.loadEndAddr < h.loadAddr) {
    throw new BootError(`a.out kludge: load_end_addr ${hex(h.loadEndAddr)} is below load_addr ${hex(h.loadAddr)}`);
  }
  const loadSize = h.loadEndAddr === 0 ? image.length - fileStart : h.loadEndAddr - h.loadAddr;
  if (fileStart + loadSize > image.length) {
    throw new BootError(`truncated kernel: a.out kludge loads ${hex(loadSize)} bytes from file offset ${hex(fileStart)}, ` +
      `but the file is ${image.length} bytes`);
  }
  if (h.bssEndAddr !== 0 && h.bssEndAddr < h.loadAddr + loadSize) {
    throw new BootError(`a.out kludge: bss_end_addr ${hex(h.bssEndAddr)} is below the end of the loaded image ${hex(h.loadAddr + loadSize)}`);
  }
  const memsz = h.bssEndAddr === 0 ? loadSize : h.bssEndAddr - h.loadAddr;
  if (memsz === 0) throw new BootError('a.out kludge: the kernel image is empty (load_end_addr equals load_addr)');
  if (h.loadAddr + memsz > 0x1_0000_0000) throw new BootError(`a.out kludge: kernel at ${hex(h.loadAddr)} wraps around the 4 GiB address space`);
  return { segments: [{ paddr: h.loadAddr, data: image.subarray(fileStart, fileStart + loadSize), memsz }], entry: h.entryAddr };
}

function checkSegmentPlacement(s: KernelSegment, ramBytes: number): void {
  const end = s.paddr + s.memsz;
  const where = `kernel segment ${hex(s.paddr)}-${hex(end)}`;
  if (end > ramBytes) throw new BootError(`${where} does not fit in ${formatSize(ramBytes)} of RAM`);
  if (overlaps({ start: s.paddr, end }, VGA_WINDOW)) {
    throw new BootError(`${where} overlaps video memory ${hex(VGA_WINDOW.start)}-${hex(VGA_WINDOW.end)}`);
  }
}

/**
 * Where every piece of boot information goes. Like QEMU: the module list, then the module strings, the kernel
 * command line and the boot loader name start at the first page boundary (relative to the kernel's lowest address)
 * above the kernel; each module follows on its own page (always page-aligned, which satisfies header flag bit 0);
 * the memory map and the info structure sit at 0x9000 and 0x9500 unless the kernel occupies them.
 */
class BootInfoLayout {
  readonly mbiAddr: number;
  private readonly ramBytes: number;
  private readonly moduleListAddr: number;
  private readonly strings: { addr: number; bytes: Uint8Array }[] = [];
  private readonly cmdlineAddr: number;
  private readonly bootLoaderNameAddr: number;
  private readonly modules: { addr: number; data: Uint8Array; stringAddr: number }[] = [];
  private readonly mmap: MemoryMapEntry[];
  private readonly mmapAddr: number;

  constructor(ramBytes: number, kernel: KernelSegment[], options: MultibootOptions) {
    this.ramBytes = ramBytes;
    this.mmap = multibootMemoryMap(ramBytes);
    const low = Math.min(...kernel.map((s) => s.paddr));
    const high = Math.max(...kernel.map((s) => s.paddr + s.memsz));
    const taken: Range[] = [VGA_BIOS_HOLE, ...kernel.map((s) => ({ start: s.paddr, end: s.paddr + s.memsz }))];
    const lowInfo = { start: LOW_MMAP_ADDR, end: LOW_MBI_ADDR + MBI_SIZE };
    const lowInfoFree = lowInfo.end <= ramBytes && !taken.some((r) => overlaps(r, lowInfo));
    if (lowInfoFree) taken.push(lowInfo);
    const space = new PhysicalSpace(low + alignUp(high - low, PAGE), ramBytes, taken);

    const modules = options.modules ?? [];
    const moduleStrings = modules.map((m) => cString(m.string));
    const cmdline = cString(options.cmdline ?? '');
    const name = cString(options.bootLoaderName ?? 'kernelist');
    const stringBytes = [...moduleStrings, cmdline, name].reduce((n, b) => n + b.length, 0);
    const headBytes = modules.length * MODULE_ENTRY_SIZE + stringBytes;
    const head = space.take(headBytes, 4);
    if (head === undefined) throw new BootError(`boot information (${headBytes} bytes of module list and strings) does not fit in RAM above the kernel`);
    this.moduleListAddr = head;
    let cursor = head + modules.length * MODULE_ENTRY_SIZE;
    const stringAddrs = [...moduleStrings, cmdline, name].map((bytes) => {
      this.strings.push({ addr: cursor, bytes });
      cursor += bytes.length;
      return cursor - bytes.length;
    });
    this.cmdlineAddr = stringAddrs[modules.length]!;
    this.bootLoaderNameAddr = stringAddrs[modules.length + 1]!;

    if (lowInfoFree) {
      this.mmapAddr = LOW_MMAP_ADDR;
      this.mbiAddr = LOW_MBI_ADDR;
    } else {
      const tables = space.take(this.mmap.length * MMAP_ENTRY_SIZE + MBI_SIZE, 4);
      if (tables === undefined) throw new BootError('the boot information structure does not fit in RAM above the kernel');
      this.mmapAddr = tables;
      this.mbiAddr = tables + this.mmap.length * MMAP_ENTRY_SIZE;
    }

    modules.forEach((m, i) => {
      const addr = space.take(m.data.length, PAGE);
      if (addr === undefined) {
        throw new BootError(`module ${i + 1} (${m.data.length} bytes) does not fit in ${formatSize(ramBytes)} of RAM ` +
          `(${space.freeBytes(PAGE)} bytes free above ${hex(space.cursor)})`, i);
      }
      this.modules.push({ addr, data: m.data, stringAddr: stringAddrs[i]! });
    });
  }

  write(memory: PhysicalMemory): void {
    for (const s of this.strings) memory.writeBytes(s.addr, s.bytes);
    this.modules.forEach((m, i) => {
      memory.writeBytes(m.addr, m.data);
      const entry = this.moduleListAddr + i * MODULE_ENTRY_SIZE;
      memory.write32(entry, m.addr);
      memory.write32(entry + 4, m.addr + m.data.length);
      memory.write32(entry + 8, m.stringAddr);
      memory.write32(entry + 12, 0);
    });
    this.mmap.forEach((e, i) => writeMemoryMapEntry(memory, this.mmapAddr + i * MMAP_ENTRY_SIZE, e));
    this.writeInfoStructure(memory);
  }

  private writeInfoStructure(memory: PhysicalMemory): void {
    const a = this.mbiAddr;
    memory.u8.fill(0, a, a + MBI_SIZE);
    memory.write32(a + MBI.flags, INFO_MEMORY | INFO_CMDLINE | INFO_MODS | INFO_MMAP | INFO_BOOT_LOADER_NAME);
    memory.write32(a + MBI.memLower, Math.floor(Math.min(EBDA_START, this.ramBytes) / 1024));
    memory.write32(a + MBI.memUpper, Math.floor(Math.max(0, usableRamTop(this.ramBytes) - ONE_MIB) / 1024));
    memory.write32(a + MBI.cmdline, this.cmdlineAddr);
    memory.write32(a + MBI.modsCount, this.modules.length);
    memory.write32(a + MBI.modsAddr, this.moduleListAddr);
    memory.write32(a + MBI.mmapLength, this.mmap.length * MMAP_ENTRY_SIZE);
    memory.write32(a + MBI.mmapAddr, this.mmapAddr);
    memory.write32(a + MBI.bootLoaderName, this.bootLoaderNameAddr);
  }
}

function writeMemoryMapEntry(memory: PhysicalMemory, at: number, e: MemoryMapEntry): void {
  memory.write32(at, MMAP_ENTRY_SIZE - 4); // `size` counts the bytes after itself
  memory.write32(at + 4, e.base);
  memory.write32(at + 8, 0);
  memory.write32(at + 12, e.length);
  memory.write32(at + 16, 0);
  memory.write32(at + 20, e.type);
}

/** A bump allocator over guest RAM that steps over ranges already taken (the kernel, the VGA/BIOS hole). */
class PhysicalSpace {
  cursor: number;
  private readonly limit: number;
  private readonly taken: Range[];

  constructor(start: number, limit: number, taken: Range[]) {
    this.cursor = start;
    this.limit = limit;
    this.taken = taken;
  }

  take(size: number, align: number): number | undefined {
    const start = this.fit(size, align);
    if (start === undefined) return undefined;
    this.cursor = start + size;
    return start;
  }

  freeBytes(align: number): number {
    const start = this.fit(0, align);
    return start === undefined ? 0 : this.limit - start;
  }

  private fit(size: number, align: number): number | undefined {
    let start = alignUp(this.cursor, align);
    for (;;) {
      const wanted = { start, end: start + Math.max(size, 1) };
      const blocker = this.taken.find((r) => overlaps(r, wanted));
      if (!blocker) break;
      start = alignUp(blocker.end, align);
    }
    return start + size <= this.limit ? start : undefined;
  }
}

/** UTF-8 with a terminating NUL. */
function cString(text: string): Uint8Array {
  return Uint8Array.from([...utf8Bytes(text), 0]);
}

function overlaps(a: Range, b: Range): boolean {
  return a.start < b.end && b.start < a.end;
}

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

function formatSize(bytes: number): string {
  return bytes % ONE_MIB === 0 ? `${bytes / ONE_MIB} MiB` : `${bytes / 1024} KiB`;
}
