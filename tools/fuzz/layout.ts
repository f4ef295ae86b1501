// Where the fuzz harness guest keeps a test case's data, stack and code, and the byte layout of the case module
// it reads. Mirrored in tools/fuzz/harness/layout.inc; the harness checks the module header against its own layout.

/**
 * The scratch area: DATA_SIZE bytes of data, then STACK_SIZE bytes of test stack; memory operands point anywhere
 * in it. It lies below 64 KiB so that 16-bit addressing reaches it, in conventional memory that neither QEMU's
 * Multiboot loader nor ours uses (they put boot information at 0x9000 and above the kernel).
 */
export const SCRATCH_ADDRESS = 0x4000;
export const DATA_SIZE = 256;
export const STACK_SIZE = 256;
export const SCRATCH_SIZE = DATA_SIZE + STACK_SIZE;

/** The base register of a case's memory operands holds this: the middle of the data area, so disp8 reaches all of it. */
export const BASE_POINTER = SCRATCH_ADDRESS + DATA_SIZE / 2;
/** ESP at the start of a case: the middle of the stack area, so pushes and pops both have room. */
export const INITIAL_STACK_OFFSET = DATA_SIZE + STACK_SIZE / 2;

/** The case's instructions are copied here, followed by INT 30h back into the harness; they run at CPL 3. */
export const CODE_ADDRESS = 0x5000;
export const CODE_MAX = 472;

/** Module: a header (magic, case count, scratch address, code address, runs per case), then one record per case. */
export const MODULE_MAGIC = 0x315a_464b; // "KFZ1"
export const HEADER_SIZE = 32;
export const HDR_CASE_COUNT = 4;
export const HDR_SCRATCH_ADDRESS = 8;
export const HDR_CODE_ADDRESS = 12;
/** Each case runs this many times from its initial state (to reach the block compiler); the last run is printed. */
export const HDR_RUNS = 16;
export const RECORD_SIZE = 1024;
export const REC_REGS = 0; // eight dwords, EAX ECX EDX EBX ESP EBP ESI EDI
export const REC_FLAGS = 32;
export const REC_CODE_LENGTH = 36;
export const REC_MEMORY = 40; // SCRATCH_SIZE bytes
export const REC_CODE = REC_MEMORY + SCRATCH_SIZE; // CODE_MAX bytes

/** Segment bases by segment-override prefix: the harness loads FS and GS with non-zero bases (GS wraps at 4 GiB). */
export const FS_BASE = 0x0000_1000;
export const GS_BASE = 0xffff_f000;
export function segmentBase(prefix: number): number {
  return prefix === 0x64 ? FS_BASE : prefix === 0x65 ? GS_BASE : 0;
}

/** EFLAGS bits a case can set and the comparison looks at: CF PF AF ZF SF DF OF. */
export const COMPARED_FLAGS = 0x0cd5;
