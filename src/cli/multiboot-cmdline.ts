// The command line kernelist gives a Multiboot kernel, built as QEMU's -kernel/-append builds it.

import type { RunOptions } from './args.js';

/** "<kernel file> <append>": QEMU (and GRUB) put the kernel's file name first, and kernels expect it. */
export function multibootCmdline(options: Pick<RunOptions, 'kernel' | 'append'>): string {
  return `${options.kernel} ${options.append ?? ''}`;
}
