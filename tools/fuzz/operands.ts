// The operand notation of the opcode table (SDM Vol. 2D §A.2.1-A.2.3), as the encoder and generator need it:
// what each code occupies in the instruction bytes and which register or memory width it names.

import type { OpcodeRow } from '../../src/machine/cpu/decode/opcode-table.js';

export type OperandKind =
  /** ModRM r/m: a register or memory (E), memory only (M), a register only (R). */
  | 'rm' | 'mem' | 'rmreg'
  /** ModRM.reg: a general register (G) or a segment/control/debug register (S C D). */
  | 'reg' | 'special'
  /** Bytes after the ModRM/SIB/displacement. */
  | 'imm'
  /** The register in the low three bits of the opcode (Zb Zv Zd). */
  | 'opreg'
  /** Named by the opcode itself: AL, eAX, CL, DX, 1, a segment register. */
  | 'fixed';

export function operandKind(code: string): OperandKind {
  if (/^E[bwvdpq]?$/.test(code)) return 'rm';
  if (/^M[a-z]?$/.test(code)) return 'mem';
  if (/^R[dv]?$/.test(code)) return 'rmreg';
  if (/^G[bwvd]$/.test(code)) return 'reg';
  if (code === 'Sw' || code === 'Cd' || code === 'Dd') return 'special';
  if (/^(s?I[bwvz]|J[bz]|Ap|O[bv])$/.test(code)) return 'imm';
  if (/^Z[bvd]$/.test(code)) return 'opreg';
  return 'fixed';
}

/** Width in bits of the register or memory an operand names (the letter after the method), 0 if none. */
export function operandBits(code: string, operandSize: 16 | 32): number {
  if (code === 'AL' || code === 'CL') return 8;
  if (code === 'eAX') return operandSize;
  if (code === 'DX') return 16;
  const kind = operandKind(code);
  if (kind === 'fixed' || kind === 'imm') return 0;
  switch (code[code.length - 1]) {
    case 'b': return 8;
    case 'w': return 16;
    case 'd': return 32;
    case 'q': return 64;
    case 'v': case 'z': return operandSize;
    default: return 0;
  }
}

/** Immediate bytes an operand adds (SDM §A.2.2: z = word or doubleword by operand size, p = offset + selector). */
export function immediateBytes(code: string, operandSize: 16 | 32, addressSize: 16 | 32 = 32): number {
  switch (code) {
    case 'Ib': case 'sIb': case 'Jb': return 1;
    case 'Iw': return 2;
    case 'Iz': case 'Iv': case 'Jz': return operandSize / 8;
    case 'Ap': return operandSize / 8 + 2;
    case 'Ob': case 'Ov': return addressSize / 8;
    default: return 0;
  }
}

/** True when the 0x66 prefix changes what the row does (a v or z operand, or separate 16/32-bit handlers). */
export function isSizeVariable(row: OpcodeRow): boolean {
  if (row.w !== undefined || row.d !== undefined) return true;
  return row.operands.some((code) => /^[A-Z][a-z]*[vz]$/.test(code) || code === 'eAX');
}

/** The operand size the row executes with: 8 for byte rows, else 16 or 32 by the 0x66 prefix. */
export function executionSize(row: OpcodeRow, opsize16: boolean): 8 | 16 | 32 {
  if (row.b !== undefined) return 8;
  return opsize16 ? 16 : 32;
}
