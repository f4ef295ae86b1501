// The case generator: from a seed, a random initial state and a random instruction sequence drawn from the
// fuzzable rows of the opcode table, every choice made by a seeded PRNG so that a seed means the same bytes
// everywhere. Proposals that break a rule of sequence-rules.ts are drawn again.

import { OPCODE_ROWS, needsModrm, type OpcodeRow } from '../../src/machine/cpu/decode/opcode-table.js';
import { FLAG_DF, FLAGS_ARITH } from '../../src/machine/cpu/eflags.js';
import { EBP, EBX, ECX, EDI, ESI, ESP } from '../../src/machine/cpu/registers.js';
import { encodeInstruction } from './encoder.js';
import type { FuzzCase } from './fuzz-case.js';
import { RM16_REGISTERS, type FuzzInstruction, type MemoryOperand } from './instruction.js';
import { BASE_POINTER, CODE_MAX, DATA_SIZE, INITIAL_STACK_OFFSET, SCRATCH_ADDRESS, SCRATCH_SIZE, segmentBase } from './layout.js';
import { immediateBytes, isSizeVariable, operandBits, operandKind } from './operands.js';
import { Prng } from './prng.js';
import { isKnownQemuDivergence } from './qemu-divergences.js';
import { applyInstruction, initialState, isFuzzable, knownCl, knownValue, type SequenceState } from './sequence-rules.js';
import { hasCount } from './semantics.js';

export const MAX_SEQUENCE_LENGTH = 20;
const ATTEMPTS_PER_INSTRUCTION = 200;

/** The rows a sequence is drawn from. */
export const FUZZ_ROWS: readonly OpcodeRow[] = OPCODE_ROWS.filter(isFuzzable);
const MOV_CL_IMM8 = OPCODE_ROWS.find((row) => row.code === 0xb1 && row.mnemonic === 'mov')!;
const BASE_REGISTERS = [EBX, ECX, EBP, ESI, EDI];
const SEGMENT_PREFIXES = [0x26, 0x36, 0x3e, 0x64, 0x65];

const INTERESTING = [
  0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0x8000_0001,
  0xffff_fffe, 0xffff_ffff,
];
const INTERESTING_COUNTS = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 0xff];

export function generateCase(seed: number, maxLength = MAX_SEQUENCE_LENGTH): FuzzCase {
  const rng = new Prng(seed);
  const baseReg = rng.pick(BASE_REGISTERS);
  const regs = Array.from({ length: 8 }, () => randomValue(rng, 32));
  if (rng.chance(40)) regs[ECX] = ((regs[ECX]! & ~0xff) | rng.pick(INTERESTING_COUNTS)) >>> 0;
  regs[ESP] = SCRATCH_ADDRESS + INITIAL_STACK_OFFSET;
  regs[baseReg] = BASE_POINTER;
  const flags = ((rng.next() & FLAGS_ARITH) | (rng.chance(20) ? FLAG_DF : 0) | 2) >>> 0;
  const memory = randomMemory(rng);
  const length = 1 + rng.below(maxLength);

  const insns: FuzzInstruction[] = [];
  let state = initialState({ regs });
  let codeBytes = 0;
  while (insns.length < length) {
    const accepted = nextInstructions(rng, state, baseReg);
    if (accepted === null) break;
    const bytes = accepted.insns.reduce((n, insn) => n + encodeInstruction(insn).length, 0);
    if (codeBytes + bytes > CODE_MAX) break;
    codeBytes += bytes;
    insns.push(...accepted.insns);
    state = accepted.state;
  }
  return { seed, baseReg, regs, flags, memory, insns };
}

/** One drawn instruction (preceded by a MOV CL when its shift count must be known), or null after too many tries. */
function nextInstructions(rng: Prng, state: SequenceState, baseReg: number): { insns: FuzzInstruction[]; state: SequenceState } | null {
  for (let attempt = 0; attempt < ATTEMPTS_PER_INSTRUCTION; attempt++) {
    const row = rng.pick(FUZZ_ROWS);
    const prefix: FuzzInstruction[] = [];
    let before = state;
    if (hasCount(row) && row.operands.includes('CL') && knownCl(state) === null) {
      const setCount = movClImm8(rng.pick(INTERESTING_COUNTS));
      const step = applyInstruction(state, setCount);
      if (!step.ok) continue;
      prefix.push(setCount);
      before = step.state;
    }
    const insn = propose(rng, row, before, baseReg);
    if (insn === null || isKnownQemuDivergence(insn)) continue;
    const step = applyInstruction(before, insn);
    if (!step.ok) continue;
    // losing the base register's value makes memory operands rarer for the rest of the case: allow it now and then
    if (knownValue(before, baseReg) !== null && knownValue(step.state, baseReg) === null && rng.chance(85)) continue;
    return { insns: [...prefix, insn], state: step.state };
  }
  return null;
}

function movClImm8(count: number): FuzzInstruction {
  return { row: MOV_CL_IMM8, opsize16: false, lock: false, segPrefix: 0, reg: 0, rm: null, imms: [count] };
}

function propose(rng: Prng, row: OpcodeRow, state: SequenceState, baseReg: number): FuzzInstruction | null {
  const opsize16 = isSizeVariable(row) && !row.operands.includes('Zd') && rng.chance(30);
  const operandSize = opsize16 ? 16 : 32;
  let rm: FuzzInstruction['rm'] = null;
  let segPrefix = 0;
  if (needsModrm(row.operands)) {
    const code = row.operands.find((c) => ['rm', 'mem', 'rmreg'].includes(operandKind(c)));
    const kind = code === undefined ? 'rmreg' : operandKind(code);
    const wantMemory = kind === 'mem' || row.form === 'mem' || (kind === 'rm' && row.form !== 'reg' && rng.chance(45));
    if (wantMemory && kind === 'mem') {
      rm = { kind: 'mem', mem: anyAddress(rng) };
      if (rng.chance(10)) segPrefix = rng.pick(SEGMENT_PREFIXES);
    } else if (wantMemory) {
      const operand = scratchOperand(rng, state, operandBits(code!, operandSize) / 8, baseReg);
      if (operand === null) return null;
      rm = { kind: 'mem', mem: operand.mem };
      segPrefix = operand.segPrefix;
    } else {
      rm = { kind: 'reg', reg: rng.below(8) };
    }
  }
  const countOperand = hasCount(row) ? row.operands.length - 1 : -1;
  const imms: number[] = [];
  row.operands.forEach((code, i) => {
    const bytes = immediateBytes(code, operandSize);
    if (bytes === 0) return;
    imms.push(i === countOperand ? rng.pick(INTERESTING_COUNTS) : randomValue(rng, bytes * 8));
  });
  const lock = row.lockable === true && rm?.kind === 'mem' && rng.chance(25);
  return { row, opsize16, lock, segPrefix, reg: rng.below(8), rm, imms };
}

const signed16 = (v: number): number => (v & 0x8000 ? (v & 0xffff) - 0x1_0000 : v & 0xffff);
const modulo32 = (v: number): number => ((v % 2 ** 32) + 2 ** 32) % 2 ** 32;

/**
 * A memory operand for an access of `bytes` bytes somewhere in the scratch area, through any segment and either
 * address size, built from registers whose values are known (the base register, ESP, or any other not yet
 * overwritten): the displacement makes up the difference. Null when no form fits.
 */
function scratchOperand(rng: Prng, state: SequenceState, bytes: number, baseReg: number): { mem: MemoryOperand; segPrefix: number } | null {
  const offset = rng.chance(75) ? rng.below(DATA_SIZE - bytes + 1) : rng.below(SCRATCH_SIZE - bytes + 1);
  const segPrefix = rng.chance(15) ? rng.pick(SEGMENT_PREFIXES) : 0;
  const effective = modulo32(SCRATCH_ADDRESS + offset - segmentBase(segPrefix));
  if (rng.chance(20) && effective < 0x1_0000) {
    const mem = address16(rng, state, effective);
    if (mem !== null) return { mem, segPrefix };
  }
  return { mem: address32(rng, state, effective, baseReg), segPrefix };
}

function address16(rng: Prng, state: SequenceState, effective: number): MemoryOperand | null {
  const usable = [-1, ...[0, 1, 2, 3, 4, 5, 6, 7].filter((rm) => RM16_REGISTERS[rm]!.every((r) => knownValue(state, r, 16) !== null))];
  const rm = rng.pick(usable);
  if (rm < 0) return { addressSize: 16, rm, disp: effective, dispBytes: 2 };
  const sum = RM16_REGISTERS[rm]!.reduce((n, r) => n + knownValue(state, r, 16)!, 0);
  const disp = signed16(effective - sum);
  if (disp === 0 && rm !== 6 && rng.chance(50)) return { addressSize: 16, rm, disp: 0, dispBytes: 0 };
  if (disp >= -128 && disp < 128 && rng.chance(70)) return { addressSize: 16, rm, disp, dispBytes: 1 };
  return { addressSize: 16, rm, disp: disp & 0xffff, dispBytes: 2 };
}

function address32(rng: Prng, state: SequenceState, effective: number, baseReg: number): MemoryOperand {
  const known = [0, 1, 2, 3, 4, 5, 6, 7].filter((r) => knownValue(state, r) !== null);
  const roll = rng.below(100);
  let base = -1;
  if (roll < 45 && known.includes(baseReg)) base = baseReg;
  else if (roll < 60) base = ESP;
  else if (roll < 80) base = rng.pick(known);
  const indexes = known.filter((r) => r !== ESP);
  const index = rng.chance(35) && indexes.length > 0 ? rng.pick(indexes) : -1;
  const scale = rng.below(4);
  let disp = effective;
  if (base >= 0) disp -= knownValue(state, base)!;
  if (index >= 0) disp -= knownValue(state, index)! * 2 ** scale;
  disp = modulo32(disp) | 0;
  const sib = index >= 0 || base === ESP || rng.chance(15);
  if (base < 0) return { addressSize: 32, base, index, scale, disp, dispBytes: 4, sib };
  if (disp === 0 && base !== EBP && rng.chance(50)) return { addressSize: 32, base, index, scale, disp, dispBytes: 0, sib };
  if (disp >= -128 && disp < 128 && rng.chance(70)) return { addressSize: 32, base, index, scale, disp, dispBytes: 1, sib };
  return { addressSize: 32, base, index, scale, disp, dispBytes: 4, sib };
}

/** Any encodable address, for operands that are never accessed (LEA): every register may take part. */
function anyAddress(rng: Prng): MemoryOperand {
  if (rng.chance(20)) {
    const rm = rng.below(9) - 1;
    const dispBytes: 0 | 1 | 2 = rm < 0 ? 2 : rng.pick(rm === 6 ? [1, 2] as const : [0, 1, 2] as const);
    const disp = dispBytes === 0 ? 0 : dispBytes === 1 ? rng.below(256) - 128 : rng.below(0x1_0000);
    return { addressSize: 16, rm, disp, dispBytes };
  }
  const index = rng.chance(50) ? -1 : rng.pick([0, 1, 2, 3, 5, 6, 7]);
  const base = rng.chance(15) ? -1 : rng.below(8);
  const sib = index >= 0 || base === ESP || rng.chance(20);
  let dispBytes: 0 | 1 | 4 = rng.pick([0, 1, 4] as const);
  if (base < 0) dispBytes = 4;
  if (base === EBP && dispBytes === 0) dispBytes = 1;
  const disp = dispBytes === 0 ? 0 : dispBytes === 1 ? rng.below(256) - 128 : randomValue(rng, 32) | 0;
  return { addressSize: 32, base, index, scale: rng.below(4), disp, dispBytes, sib };
}

/** A value of `bits` bits: often a boundary value, sometimes small, otherwise uniform. */
export function randomValue(rng: Prng, bits: number): number {
  const mask = bits === 32 ? 0xffff_ffff : 2 ** bits - 1;
  const roll = rng.below(100);
  if (roll < 30) return (rng.pick(INTERESTING) & mask) >>> 0;
  if (roll < 45) return (rng.below(16) & mask) >>> 0;
  if (roll < 50) return ((-1 - rng.below(16)) & mask) >>> 0;
  return (rng.next() & mask) >>> 0;
}

function randomMemory(rng: Prng): Uint8Array {
  const memory = new Uint8Array(SCRATCH_SIZE);
  for (let i = 0; i < memory.length; i += 4) {
    const word = rng.next();
    for (let k = 0; k < 4; k++) memory[i + k] = (word >>> (8 * k)) & 0xff;
  }
  // runs of boundary bytes: zero, all ones, sign bits
  for (let runs = rng.below(4); runs > 0; runs--) {
    const start = rng.below(SCRATCH_SIZE);
    const fill = rng.pick([0x00, 0xff, 0x80, 0x7f]);
    memory.fill(fill, start, Math.min(SCRATCH_SIZE, start + 1 + rng.below(16)));
  }
  return memory;
}
