// The guest test programs and how each one is run: command line, modules, disk and serial input.
// tools/goldens.ts runs them on QEMU (and Bochs) with these settings, guest.test.ts on our Machine.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface GuestModule {
  /** File name QEMU is given (-initrd "file args"); QEMU passes "file args" to the guest as the module string. */
  file: string;
  args?: string;
  data: Uint8Array;
}

export interface GuestProgram {
  /** Directory under test/guest/, build/<name>.elf and golden/<name>.txt. */
  name: string;
  /** QEMU's -append. The guest sees "<name>.elf <append>" (multibootCmdline). */
  append: string;
  modules: GuestModule[];
  /** Raw image for the ATA primary master. The guest may write to it: each run gets a fresh copy. */
  disk?: () => Uint8Array;
  /** Bytes the host sends on COM1 (QEMU: stdin of -serial stdio; our machine: sendSerial) before the guest starts. */
  serialInput?: string;
  /** Instruction budget for our machine: generous, the runs are not timed. */
  maxInstructions: number;
  /** Lines Bochs cannot reproduce, by design (tools/goldens.ts --bochs leaves them out of its comparison). */
  bochsIgnore?: RegExp[];
}

/** 2 cylinders x 16 heads x 63 sectors, so that every loader and disk model derives the same CHS geometry. */
export const TEST_DISK_SECTORS = 2 * 16 * 63;

/** The ATA test disk: byte i of sector s is (s * 7 + i) & 0xff. */
export function makeTestDisk(): Uint8Array {
  const disk = new Uint8Array(TEST_DISK_SECTORS * 512);
  for (let s = 0; s < TEST_DISK_SECTORS; s++) {
    for (let i = 0; i < 512; i++) disk[s * 512 + i] = (s * 7 + i) & 0xff;
  }
  return disk;
}

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A module that is not text, with every byte value in it. */
function binaryModule(): Uint8Array {
  const data = new Uint8Array(5000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13 + 5) & 0xff;
  return data;
}

const DEFAULT_BUDGET = 400_000_000;

export const programs: GuestProgram[] = [
  {
    name: 'hello',
    append: 'hello world',
    modules: [
      { file: 'greeting.txt', args: 'lang=en first', data: ascii('Hello, module!\nSecond line\n') },
      { file: 'blob.bin', data: binaryModule() },
    ],
    maxInstructions: DEFAULT_BUDGET,
    // GRUB passes its own paths and memory sizes
    bochsIgnore: [/^mem_lower=/, /^cmdline=/, /^module \d+: /],
  },
  { name: 'alu', append: '', modules: [], maxInstructions: DEFAULT_BUDGET },
  { name: 'muldiv', append: '', modules: [], maxInstructions: DEFAULT_BUDGET },
  { name: 'shift', append: '', modules: [], maxInstructions: DEFAULT_BUDGET },
  { name: 'bits', append: '', modules: [], maxInstructions: DEFAULT_BUDGET },
  { name: 'string', append: '', modules: [], maxInstructions: DEFAULT_BUDGET },
  { name: 'control', append: '', modules: [], maxInstructions: DEFAULT_BUDGET },
  { name: 'exceptions', append: '', modules: [], maxInstructions: DEFAULT_BUDGET },
  { name: 'paging', append: '', modules: [], maxInstructions: DEFAULT_BUDGET },
  { name: 'segments', append: '', modules: [], maxInstructions: DEFAULT_BUDGET },
  {
    name: 'interrupts',
    append: '',
    modules: [],
    serialInput: 'Kernelist rx!\n',
    maxInstructions: 2_000_000_000,
    // Bochs' COM1 here is an output file: nothing to receive
    bochsIgnore: [/^uart rx/],
  },
  { name: 'ata', append: '', modules: [], disk: makeTestDisk, maxInstructions: DEFAULT_BUDGET },
  { name: 'rings', append: '', modules: [], maxInstructions: DEFAULT_BUDGET },
  { name: 'pae', append: '', modules: [], maxInstructions: DEFAULT_BUDGET },
  { name: 'iopriv', append: '', modules: [], maxInstructions: DEFAULT_BUDGET },
  { name: 'debug', append: '', modules: [], maxInstructions: DEFAULT_BUDGET },
  { name: 'segpriv', append: '', modules: [], maxInstructions: DEFAULT_BUDGET },
  { name: 'tasks', append: '', modules: [], maxInstructions: DEFAULT_BUDGET },
];

/** The Multiboot command line the guest sees: QEMU passes "<kernel file> <-append>", and we run it on "<name>.elf". */
export function multibootCmdline(program: GuestProgram): string {
  return `${program.name}.elf ${program.append}`;
}

/** The Multiboot module string of a module: QEMU passes the whole "-initrd" entry. */
export function moduleString(module: GuestModule): string {
  return module.args ? `${module.file} ${module.args}` : module.file;
}

function findGuestDir(): string {
  // compiled to dist/test/guest/, sources in test/guest/: walk up to the repository root
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'test', 'guest', 'Makefile'))) return join(dir, 'test', 'guest');
    if (dirname(dir) === dir) throw new Error('cannot find test/guest/Makefile above ' + import.meta.url);
  }
}

export const guestDir = findGuestDir();
export const elfPath = (name: string): string => join(guestDir, 'build', `${name}.elf`);
export const goldenPath = (name: string): string => join(guestDir, 'golden', `${name}.txt`);
export const sdmPath = (name: string): string => join(guestDir, 'golden', `${name}.sdm`);
