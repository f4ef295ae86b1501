// One generated instruction: the opcode-table row it encodes and every choice the row's operand notation leaves
// open (prefixes, ModRM.reg, the r/m operand, immediates). The encoder turns it into bytes.

import type { OpcodeRow } from '../../src/machine/cpu/decode/opcode-table.js';

/** 32-bit addressing (SDM Vol. 2A Tables 2-2, 2-3): base + index * 2^scale + disp. */
export interface Memory32 {
  readonly addressSize: 32;
  /** Base register, or -1 for none (then a 32-bit displacement is required). */
  readonly base: number;
  /** Index register, or -1; never ESP (SIB index 100 means none). */
  readonly index: number;
  readonly scale: number;
  readonly disp: number;
  readonly dispBytes: 0 | 1 | 4;
  /** Encode a SIB byte even when the form does not need one. */
  readonly sib: boolean;
}

/** 16-bit addressing (0x67 prefix; SDM Vol. 2A Table 2-1): ModRM.rm picks [bx+si] ... [bx]. */
export interface Memory16 {
  readonly addressSize: 16;
  /** ModRM.rm: 0 [bx+si], 1 [bx+di], 2 [bp+si], 3 [bp+di], 4 [si], 5 [di], 6 [bp], 7 [bx]; -1 for [disp16]. */
  readonly rm: number;
  readonly disp: number;
  /** 2 for [disp16]; [bp] needs at least 1. */
  readonly dispBytes: 0 | 1 | 2;
}

export type MemoryOperand = Memory32 | Memory16;

export type RmOperand = { readonly kind: 'reg'; readonly reg: number } | { readonly kind: 'mem'; readonly mem: MemoryOperand };

export interface FuzzInstruction {
  readonly row: OpcodeRow;
  /** The 0x66 prefix: 16-bit operands. */
  readonly opsize16: boolean;
  /** The 0xF0 prefix. */
  readonly lock: boolean;
  /** A segment-override prefix byte (0x26 0x36 0x3e 0x64 0x65), or 0. */
  readonly segPrefix: number;
  /** ModRM.reg for rows that are not group members. */
  readonly reg: number;
  /** The ModRM r/m operand, null when the row has no ModRM byte. */
  readonly rm: RmOperand | null;
  /** One value per immediate operand, in operand order. */
  readonly imms: readonly number[];
}

/** Registers a 16-bit ModRM.rm adds, by rm (SDM Vol. 2A Table 2-1). */
export const RM16_REGISTERS: readonly (readonly number[])[] = [[3, 6], [3, 7], [5, 6], [5, 7], [6], [7], [5], [3]];

/** The registers an address is computed from. */
export function memoryRegisters(mem: MemoryOperand): number[] {
  if (mem.addressSize === 16) return mem.rm < 0 ? [] : [...RM16_REGISTERS[mem.rm]!];
  return [mem.base, mem.index].filter((r) => r >= 0);
}
