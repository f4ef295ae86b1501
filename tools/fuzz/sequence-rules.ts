// The rules that keep a generated sequence's outcome defined by the SDM and confined to the scratch area,
// applied one instruction at a time. The generator proposes instructions against them; the minimizer re-checks
// every shortened sequence; the comparison uses the resulting mask of flags left undefined.
//
// The rules know register values: all of them at the start (the generator chose them), and afterwards those
// set by MOV from an immediate; ESP always (pushes and pops are counted). A memory operand may use only known
// registers, so its address is known and must fall in the scratch area.

import { needsModrm, type OpcodeRow } from '../../src/machine/cpu/decode/opcode-table.js';
import { ECX, ESP } from '../../src/machine/cpu/registers.js';
import type { FuzzCase } from './fuzz-case.js';
import { memoryRegisters, type FuzzInstruction, type MemoryOperand } from './instruction.js';
import { COMPARED_FLAGS, DATA_SIZE, SCRATCH_ADDRESS, SCRATCH_SIZE, segmentBase } from './layout.js';
import { executionSize, operandBits, operandKind } from './operands.js';
import { flagEffect, hasCount, implicitWrites, isModelled, stackDelta, writtenOperands } from './semantics.js';

const ALL = 0xffff_ffff;

export interface SequenceState {
  /** Register values, valid where knownBits has ones (unsigned). */
  readonly values: readonly number[];
  readonly knownBits: readonly number[];
  /** ESP - SCRATCH_ADDRESS. */
  readonly stackOffset: number;
  /** Flags the SDM leaves undefined at this point. */
  readonly undefinedFlags: number;
}

export type StepResult = { readonly ok: true; readonly state: SequenceState } | { readonly ok: false; readonly reason: string };

export function initialState(fuzzCase: Pick<FuzzCase, 'regs'>): SequenceState {
  return {
    values: fuzzCase.regs.map((v) => v >>> 0),
    knownBits: fuzzCase.regs.map(() => ALL),
    stackOffset: (fuzzCase.regs[ESP]! - SCRATCH_ADDRESS) >>> 0,
    undefinedFlags: 0,
  };
}

/** Whether the rules allow a row at all (the generator draws only from these). */
export function isFuzzable(row: OpcodeRow): boolean {
  return row.fuzz !== false && !row.endsBlock && isModelled(row);
}

/** The register's value if all of its low `bits` bits are known, else null. */
export function knownValue(state: SequenceState, reg: number, bits = 32): number | null {
  const mask = bits === 32 ? ALL : 2 ** bits - 1;
  return ((state.knownBits[reg]! & mask) >>> 0) === mask ? (state.values[reg]! & mask) >>> 0 : null;
}

/** CL, when known: a shift count. */
export function knownCl(state: SequenceState): number | null {
  return knownValue(state, ECX, 8);
}

const modulo32 = (v: number): number => ((v % 2 ** 32) + 2 ** 32) % 2 ** 32;

/** The linear address of a memory operand, or null when it depends on a register whose value is not known. */
export function linearAddress(state: SequenceState, mem: MemoryOperand, segPrefix: number): number | null {
  let offset: number;
  if (mem.addressSize === 32) {
    offset = mem.disp;
    if (mem.base >= 0) {
      const v = knownValue(state, mem.base);
      if (v === null) return null;
      offset += v;
    }
    if (mem.index >= 0) {
      const v = knownValue(state, mem.index);
      if (v === null) return null;
      offset += v * 2 ** mem.scale;
    }
    offset = modulo32(offset);
  } else {
    offset = mem.disp;
    for (const r of memoryRegisters(mem)) {
      const v = knownValue(state, r, 16);
      if (v === null) return null;
      offset += v;
    }
    offset = ((offset % 0x1_0000) + 0x1_0000) % 0x1_0000;
  }
  return modulo32(segmentBase(segPrefix) + offset);
}

/** Which bits of the full register a write of `bits` bits to register number `reg` replaces. */
function writtenBits(reg: number, bits: number): { full: number; mask: number } {
  if (bits === 8) return reg < 4 ? { full: reg, mask: 0xff } : { full: reg - 4, mask: 0xff00 };
  return { full: reg, mask: bits === 16 ? 0xffff : ALL };
}

class StateBuilder {
  readonly values: number[];
  readonly knownBits: number[];
  constructor(state: SequenceState) {
    this.values = [...state.values];
    this.knownBits = [...state.knownBits];
  }
  forget(full: number, mask: number): void {
    this.knownBits[full] = (this.knownBits[full]! & ~mask) >>> 0;
  }
  learn(full: number, mask: number, value: number): void {
    const shift = mask === 0xff00 ? 8 : 0;
    this.values[full] = ((this.values[full]! & ~mask) | ((value << shift) & mask)) >>> 0;
    this.knownBits[full] = (this.knownBits[full]! | mask) >>> 0;
  }
}

/** Applies one instruction to the state, or says which rule it breaks. */
export function applyInstruction(state: SequenceState, insn: FuzzInstruction): StepResult {
  const row = insn.row;
  const fail = (reason: string): StepResult => ({ ok: false, reason });
  if (!isFuzzable(row)) return fail(`${row.mnemonic} is not fuzzable`);
  const size = executionSize(row, insn.opsize16);
  const operandSize = insn.opsize16 ? 16 : 32;
  const rm = insn.rm;
  if (needsModrm(row.operands) !== (rm !== null)) return fail('ModRM presence does not match the row');
  if (rm !== null && row.form !== undefined && (row.form === 'mem') !== (rm.kind === 'mem')) return fail(`the row needs a ${row.form} operand`);
  if (insn.lock && !(row.lockable && rm?.kind === 'mem')) return fail('LOCK without a lockable memory destination (#UD)');

  const next = new StateBuilder(state);
  const written = writtenOperands(row);
  for (let i = 0; i < row.operands.length; i++) {
    const code = row.operands[i]!;
    const kind = operandKind(code);
    const bits = operandBits(code, operandSize);
    let register = -1;
    if (kind === 'mem' || ((kind === 'rm' || kind === 'rmreg') && rm?.kind === 'mem')) {
      if (rm?.kind !== 'mem') return fail(`${code} needs a memory operand`);
      if (kind === 'rmreg') return fail(`${code} needs a register operand`);
      if (kind === 'mem') continue; // LEA computes the address only
      const linear = linearAddress(state, rm.mem, insn.segPrefix);
      if (linear === null) return fail('the address uses a register whose value is not known');
      const offset = linear - SCRATCH_ADDRESS;
      if (offset < 0 || offset + bits / 8 > SCRATCH_SIZE) return fail(`the memory operand at ${linear.toString(16)} is outside the scratch area`);
      continue;
    }
    if (kind === 'rm' || kind === 'rmreg') register = (rm as { reg: number }).reg;
    else if (kind === 'reg') register = insn.reg;
    else if (kind === 'opreg') register = row.code & 7;
    else if (code === 'AL' || code === 'eAX') register = 0;
    else if (code === 'CL') register = ECX;
    if (register < 0 || !written.includes(i)) continue;
    const { full, mask } = writtenBits(register, bits);
    if (full === ESP) return fail('writes ESP');
    next.forget(full, mask);
  }
  for (const r of implicitWrites(row, size)) next.forget(r, ALL);
  // MOV r, imm (B0-BF) makes the register's written part known
  if (row.mnemonic === 'mov' && row.code >= 0xb0 && row.code <= 0xbf) {
    const { full, mask } = writtenBits(row.code & 7, row.code < 0xb8 ? 8 : operandSize);
    next.learn(full, mask, insn.imms[0]!);
  }

  const stackOffset = state.stackOffset + stackDelta(row, size);
  if (stackOffset < DATA_SIZE || stackOffset > SCRATCH_SIZE) return fail(`the stack leaves its area (ESP at scratch offset ${stackOffset})`);
  next.learn(ESP, ALL, SCRATCH_ADDRESS + stackOffset);

  let count = 0;
  if (hasCount(row)) {
    const source = row.operands[row.operands.length - 1];
    if (source === '1') count = 1;
    else if (source === 'CL') {
      const cl = knownCl(state);
      if (cl === null) return fail('the count is in CL, which is not known here');
      count = cl & 31;
    } else count = insn.imms[insn.imms.length - 1]! & 31;
  }
  const flags = flagEffect(row, size, count);
  if (flags.undefinedResult) return fail(`${row.mnemonic} by ${count} leaves its destination undefined`);
  if (flags.reads & state.undefinedFlags) return fail(`${row.mnemonic} reads a flag left undefined (0x${(flags.reads & state.undefinedFlags).toString(16)})`);
  const undefinedFlags = (state.undefinedFlags & ~(flags.writes | flags.undefined)) | flags.undefined;
  return { ok: true, state: { values: next.values, knownBits: next.knownBits, stackOffset, undefinedFlags } };
}

export type CaseAnalysis =
  | {
    readonly ok: true;
    /** The EFLAGS bits defined at the end. */
    readonly comparedFlags: number;
    /** The bits defined before instruction i (what a fault at instruction i leaves). */
    readonly comparedFlagsBefore: readonly number[];
  }
  | { readonly ok: false; readonly index: number; readonly reason: string };

/** Checks a whole case; on success gives the EFLAGS bits whose values are defined. */
export function analyzeCase(fuzzCase: FuzzCase): CaseAnalysis {
  let state = initialState(fuzzCase);
  const comparedFlagsBefore: number[] = [];
  for (let i = 0; i < fuzzCase.insns.length; i++) {
    comparedFlagsBefore.push(COMPARED_FLAGS & ~state.undefinedFlags);
    const step = applyInstruction(state, fuzzCase.insns[i]!);
    if (!step.ok) return { ok: false, index: i, reason: step.reason };
    state = step.state;
  }
  return { ok: true, comparedFlags: COMPARED_FLAGS & ~state.undefinedFlags, comparedFlagsBefore };
}
