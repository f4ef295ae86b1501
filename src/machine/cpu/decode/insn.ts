// The decoded-instruction record. The decoder fills one per instruction; handlers read operands from it
// and never look at instruction bytes again.

import type { Cpu } from '../cpu.js';
import type { OpcodeRow } from './opcode-table.js';

export type Handler = (cpu: Cpu, insn: Insn) => void;

/** ModRM/SIB decoded into a base + index*2^scale + disp form; -1 means "no register". */
export class Insn {
  exec: Handler = () => {};
  row: OpcodeRow | null = null;
  /** Offset of the first byte from the start of its block, and of the byte after the instruction. */
  startDelta = 0;
  endDelta = 0;
  /** Index within its block, for counting retired instructions when it faults. */
  index = 0;
  o32 = true;
  a32 = true;
  /** Segment register of the memory operand (after override and the SS default for EBP/ESP bases). */
  seg = 3;
  hasSegOverride = false;
  hasModrm = false;
  mod = 0;
  reg = 0;
  rm = 0;
  /** Byte-register indexes into the Uint8Array view of the register file (AL=0, AH=1, CL=4, ...). */
  reg8 = 0;
  rm8 = 0;
  base = -1;
  index2 = -1;
  scale = 0;
  disp = 0;
  /** Encoding details kept for the disassembler: a SIB byte was present, and the displacement's width in bytes. */
  hasSib = false;
  dispBytes = 0;
  /** Operation selector: the ALU op of 00-3F, or ModRM.reg of a group. */
  sub = 0;
  imm = 0;
  imm2 = 0;
  /** 0 none, 1 REP/REPE (F3), 2 REPNE (F2). */
  rep = 0;
  lock = false;
  /** True when the instruction's bytes continue on the next page (never cached). */
  crossesPage = false;
  /** Cannot fault or store to memory (see OpcodeRow.pure): compiled blocks skip its bookkeeping. */
  pure = false;
  /** Operand size in bits chosen for this instruction (8, 16 or 32). */
  size = 32;

  get isMemory(): boolean {
    return this.hasModrm && this.mod !== 3;
  }
}
