// A test case: the initial machine state the harness loads (registers, arithmetic flags, scratch memory) and
// the instructions it runs, generated from one seed.

import type { FuzzInstruction } from './instruction.js';

export interface FuzzCase {
  readonly seed: number;
  /** The register memory operands are relative to; it holds BASE_POINTER at the start. */
  readonly baseReg: number;
  /** EAX ECX EDX EBX ESP EBP ESI EDI, unsigned. */
  readonly regs: readonly number[];
  /** Initial EFLAGS: bit 1 and some of COMPARED_FLAGS. */
  readonly flags: number;
  /** Initial scratch area (SCRATCH_SIZE bytes): the data area, then the stack area. */
  readonly memory: Uint8Array;
  readonly insns: readonly FuzzInstruction[];
}
