// What the opcode table does not say but the generator must know to keep a sequence well defined: which operands
// an instruction writes, its implicit register and stack effects, and the flags it reads, sets and leaves
// undefined (SDM Vol. 2 instruction pages, "Flags Affected"), including the count-dependent rules of shifts.

import type { OpcodeRow } from '../../src/machine/cpu/decode/opcode-table.js';
import { FLAG_AF, FLAG_CF, FLAG_DF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF } from '../../src/machine/cpu/eflags.js';
import { EAX, EBP, EBX, ECX, EDI, EDX, ESI } from '../../src/machine/cpu/registers.js';

const ARITH = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;
const ALU = new Set(['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp']);
const SHIFTS = new Set(['rol', 'ror', 'rcl', 'rcr', 'shl', 'sal', 'shr', 'sar']);
/** Flags each condition code tests (SDM Vol. 1 Table B-1), by the cc number in the row's sub. */
const CONDITION_FLAGS = [
  FLAG_OF, FLAG_OF, FLAG_CF, FLAG_CF, FLAG_ZF, FLAG_ZF, FLAG_CF | FLAG_ZF, FLAG_CF | FLAG_ZF,
  FLAG_SF, FLAG_SF, FLAG_PF, FLAG_PF, FLAG_SF | FLAG_OF, FLAG_SF | FLAG_OF, FLAG_ZF | FLAG_SF | FLAG_OF, FLAG_ZF | FLAG_SF | FLAG_OF,
];

/** Mnemonics the fuzzer knows; a fuzzable row outside this list is never generated (and a test says so). */
const MODELLED = new Set([
  ...ALU, ...SHIFTS, 'inc', 'dec', 'neg', 'not', 'test', 'daa', 'das', 'aaa', 'aas', 'aad', 'salc', 'lahf', 'sahf',
  'cmc', 'clc', 'stc', 'cld', 'std', 'mul', 'imul', 'shld', 'shrd', 'bt', 'bts', 'btr', 'btc', 'cmpxchg', 'xadd',
  'mov', 'movzx', 'movsx', 'lea', 'xchg', 'bswap', 'cwde', 'cdq', 'nop', 'wait', 'push', 'pop', 'pusha', 'popa',
  'setcc', 'cmovcc',
  // fuzz: false in the table today (they fault by design); modelled so that they can be switched on: a #DE is a
  // defined outcome, which the harness reports with the state before the faulting instruction
  'div', 'idiv', 'aam',
]);

function family(row: OpcodeRow): string {
  if (/^set/.test(row.mnemonic)) return 'setcc';
  if (/^cmov/.test(row.mnemonic)) return 'cmovcc';
  return row.mnemonic;
}

export function isModelled(row: OpcodeRow): boolean {
  return MODELLED.has(family(row));
}

/** True for the shifts and rotates whose flags depend on the count (the operand after the destination). */
export function hasCount(row: OpcodeRow): boolean {
  const f = family(row);
  return SHIFTS.has(f) || f === 'shld' || f === 'shrd';
}

/** MUL, IMUL, DIV and IDIV with one operand: AL/AX/EAX (and AH/DX/EDX) implied. */
function isAccumulatorForm(row: OpcodeRow): boolean {
  return ['mul', 'imul', 'div', 'idiv'].includes(row.mnemonic) && row.operands.length === 1;
}

/** Indexes of the explicit operands the instruction writes. */
export function writtenOperands(row: OpcodeRow): number[] {
  const f = family(row);
  if (row.operands.length === 0) return [];
  if (f === 'xchg' || f === 'xadd') return [0, 1];
  if (['cmp', 'test', 'bt', 'push', 'nop', 'wait', 'aad'].includes(f)) return [];
  // one-operand MUL, IMUL, DIV and IDIV read their operand and write AX / DX:EAX
  if (isAccumulatorForm(row)) return [];
  if (f === 'aam') return [];
  return [0];
}

/** Registers written that no operand names. */
export function implicitWrites(row: OpcodeRow, size: number): number[] {
  const f = family(row);
  if (['daa', 'das', 'aaa', 'aas', 'aad', 'aam', 'salc', 'lahf', 'cwde', 'cmpxchg'].includes(f)) return [EAX];
  if (f === 'cdq') return [EDX];
  if (isAccumulatorForm(row)) return size === 8 ? [EAX] : [EAX, EDX];
  if (f === 'popa') return [EAX, ECX, EDX, EBX, EBP, ESI, EDI];
  return [];
}

/** How far ESP moves (negative: a push), in bytes. */
export function stackDelta(row: OpcodeRow, size: number): number {
  const f = family(row);
  const unit = size === 16 ? 2 : 4;
  if (f === 'push') return -unit;
  if (f === 'pop') return unit;
  if (f === 'pusha') return -8 * unit;
  if (f === 'popa') return 8 * unit;
  return 0;
}

export interface FlagEffect {
  /** Flags whose values the instruction uses. */
  readonly reads: number;
  /** Flags it sets to defined values. */
  readonly writes: number;
  /** Flags the SDM leaves undefined afterwards. */
  readonly undefined: number;
  /** The destination itself is undefined (SHLD/SHRD of a word by more than 16). */
  readonly undefinedResult: boolean;
}

const NONE: FlagEffect = { reads: 0, writes: 0, undefined: 0, undefinedResult: false };

function effect(reads: number, writes: number, undef: number): FlagEffect {
  return { reads, writes: writes & ~undef, undefined: undef, undefinedResult: false };
}

/**
 * The flag effect of one instruction. `count` is the shift count after the CPU's 5-bit mask, for rows where
 * hasCount() is true; `size` is the operand size in bits. The table's undefinedFlags is used as given, except
 * for shifts, where the SDM makes it depend on the count.
 */
export function flagEffect(row: OpcodeRow, size: number, count: number): FlagEffect {
  const f = family(row);
  const tableUndefined = row.undefinedFlags ?? 0;
  if (ALU.has(f)) return effect(f === 'adc' || f === 'sbb' ? FLAG_CF : 0, ARITH, tableUndefined);
  if (SHIFTS.has(f)) return shiftEffect(f, size, count);
  if (f === 'shld' || f === 'shrd') return doubleShiftEffect(size, count);
  switch (f) {
    case 'inc': case 'dec': return effect(0, ARITH & ~FLAG_CF, tableUndefined);
    case 'neg': case 'test': case 'cmpxchg': case 'xadd': return effect(0, ARITH, tableUndefined);
    case 'daa': case 'das': return effect(FLAG_CF | FLAG_AF, ARITH, tableUndefined | FLAG_OF);
    case 'aaa': case 'aas': return effect(FLAG_AF, FLAG_AF | FLAG_CF, tableUndefined | FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_PF);
    case 'aad': case 'aam': return effect(0, ARITH, tableUndefined | FLAG_OF | FLAG_AF | FLAG_CF);
    case 'div': case 'idiv': return effect(0, 0, tableUndefined | ARITH);
    case 'mul': case 'imul': return effect(0, ARITH, tableUndefined | FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF);
    case 'bt': case 'bts': case 'btr': case 'btc': return effect(0, FLAG_CF, tableUndefined | FLAG_OF | FLAG_SF | FLAG_AF | FLAG_PF);
    case 'salc': return effect(FLAG_CF, 0, 0);
    case 'lahf': return effect(FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF, 0, 0);
    case 'sahf': return effect(0, FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF, 0);
    case 'cmc': return effect(FLAG_CF, FLAG_CF, 0);
    case 'clc': case 'stc': return effect(0, FLAG_CF, 0);
    case 'cld': case 'std': return effect(0, FLAG_DF, 0);
    case 'setcc': case 'cmovcc': return effect(CONDITION_FLAGS[row.sub ?? 0]!, 0, 0);
    default: return tableUndefined === 0 ? NONE : effect(0, 0, tableUndefined);
  }
}

/**
 * SDM "RCL/RCR/ROL/ROR" and "SAL/SAR/SHL/SHR": a masked count of 0 changes no flag; OF is defined only for a count
 * of 1; shifts leave AF undefined; SHL/SHR of a byte or word by its width or more leave CF undefined.
 */
function shiftEffect(f: string, size: number, count: number): FlagEffect {
  if (count === 0) return NONE;
  const overflow = count === 1 ? 0 : FLAG_OF;
  if (f === 'rol' || f === 'ror') return effect(0, FLAG_CF | FLAG_OF, overflow);
  if (f === 'rcl' || f === 'rcr') {
    // the bits rotate through CF: a count that is a multiple of width + 1 leaves CF as it was (still read)
    return effect(FLAG_CF, FLAG_CF | FLAG_OF, overflow);
  }
  const carry = (f === 'shl' || f === 'sal' || f === 'shr') && size < 32 && count >= size ? FLAG_CF : 0;
  return effect(0, ARITH, FLAG_AF | overflow | carry);
}

/** SDM "SHLD"/"SHRD": like a shift, and a count above the operand size leaves the result and flags undefined. */
function doubleShiftEffect(size: number, count: number): FlagEffect {
  if (count === 0) return NONE;
  if (count > size) return { reads: 0, writes: 0, undefined: ARITH, undefinedResult: true };
  return effect(0, ARITH, FLAG_AF | (count === 1 ? 0 : FLAG_OF));
}
