// The CLI's exit statuses. The guest's own debug-exit statuses are odd ((v << 1) | 1, as QEMU's isa-debug-exit),
// so every status kernelist chooses itself is even and the two never collide. Documented in docs/cli.md.

export const EXIT_OK = 0;
export const EXIT_USAGE = 2;
export const EXIT_TRIPLE_FAULT = 4;
export const EXIT_TIMEOUT = 6;
export const EXIT_INTERNAL = 8;

/** The process status for the machine's debug-exit status (already (v << 1) | 1), truncated to 8 bits as POSIX does. */
export function debugExitStatus(status: number): number {
  return status & 0xff;
}
