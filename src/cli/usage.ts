// Help texts for `kernelist --help` and `kernelist run --help`; docs/cli.md says the same at length.

import { DEFAULT_MEMORY_MIB, MAX_MEMORY_MIB, MIN_MEMORY_MIB } from './args.js';

export const MAIN_HELP = `Usage: kernelist <command> [options]

An IA-32 PC emulator for Multiboot kernels.

Commands:
  run      boot a Multiboot kernel (kernelist run --help)
  demo     run a Kernelist demo in the machine: heartbleed, rogue-driver (kernelist demo --help)
  nk-scan  check a kernel ELF for CR0/CR3/CR4, MSR and descriptor-register writes outside the
           Nested Kernel's .nk.* sections, at every byte offset (exit 0 clean, 1 violations, 2 bad file)

Options:
  -h, --help     show this help
  -V, --version  show the version
`;

export const DEMO_HELP = `Usage: kernelist demo NAME [options]

Boots the Kernelist kernel (kernel/build/kernelist.elf, with kernel/build/rootfs.img as its root
filesystem) with the command line demo=NAME, prints its console and exits with the kernel's status.

Demos:
  heartbleed     a Heartbleed-style over-read against a key in the heap and against one in LOTRx86 PrivUser
  rogue-driver   a driver with an arbitrary-write bug attacks the kernel, without and with the Nested Kernel

Options: those of kernelist run except --kernel, --append and --initrd (--mem, --serial, --timeout,
--clock, --screen, --verbose). The timeout defaults to 300 s.
`;

export const RUN_HELP = `Usage: kernelist run --kernel FILE [options]
       kernelist run FILE [--cmdline STR] [options]

Boots FILE (a Multiboot v1 kernel: ELF32, or a.out kludge) the way qemu-system-i386 -kernel does.

Options:
  --kernel FILE          the kernel (or give it as the first plain argument)
  --append STR           kernel command line (alias: --cmdline); as with QEMU,
                         the kernel receives "FILE STR"
  --initrd "F [ARGS],…"  Multiboot modules, comma-separated; each module's string is
                         its whole text, file name and arguments (",," is a comma)
  --mem MiB, -m MiB      RAM size, ${MIN_MEMORY_MIB}-${MAX_MEMORY_MIB} MiB (default ${DEFAULT_MEMORY_MIB}; suffix M or G allowed)
  --disk IMG             raw disk image as the ATA primary master
  --disk-write-back      write the guest's disk changes back to IMG at exit
  --serial stdio|file:PATH|none
                         where COM1 goes (default stdio: stdin is COM1's input)
  --timeout SECONDS      stop after this much host time (exit status 6)
  --clock wall|instructions
                         guest time from the host clock (default) or from the
                         instruction count (reproducible runs)
  --screen               print the VGA text screen at exit
  -v, --verbose          print the machine's notices on stderr
  -h, --help             show this help

Keys with --serial stdio on a terminal: Ctrl-A X quits, Ctrl-A H lists the keys,
Ctrl-A Ctrl-A sends a Ctrl-A.

Exit status: the guest's debug-exit status ((value << 1) | 1, port 0xf4); 0 for a halt
with interrupts off, power-off, reset or Ctrl-A X; 2 bad input; 4 triple fault;
6 timeout; 8 internal error.
`;
