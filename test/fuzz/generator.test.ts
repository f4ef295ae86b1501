// The case generator and the sequence rules: determinism per seed, every generated case within the rules, and
// the rules themselves on hand-made sequences (memory confined to the scratch area, count-dependent flags).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OPCODE_ROWS, type OpcodeRow } from '../../src/machine/cpu/decode/opcode-table.js';
import { FLAG_AF, FLAG_CF, FLAG_OF } from '../../src/machine/cpu/eflags.js';
import { EAX, EBX, ECX, ESP } from '../../src/machine/cpu/registers.js';
import { buildModule, caseCode } from '../../tools/fuzz/case-module.js';
import type { FuzzCase } from '../../tools/fuzz/fuzz-case.js';
import { FUZZ_ROWS, generateCase } from '../../tools/fuzz/generate.js';
import type { FuzzInstruction, RmOperand } from '../../tools/fuzz/instruction.js';
import { BASE_POINTER, CODE_MAX, COMPARED_FLAGS, INITIAL_STACK_OFFSET, SCRATCH_ADDRESS, SCRATCH_SIZE } from '../../tools/fuzz/layout.js';
import { Prng } from '../../tools/fuzz/prng.js';
import { analyzeCase, isFuzzable } from '../../tools/fuzz/sequence-rules.js';
import { isModelled } from '../../tools/fuzz/semantics.js';

describe('prng', () => {
  test('sfc32 gives the same numbers everywhere (pinned)', () => {
    const rng = new Prng(1);
    assert.deepEqual([rng.next(), rng.next(), rng.next()], [0x39e4cd09, 0x6cce6451, 0x21233564]);
    const big = new Prng(2 ** 40 + 5);
    assert.deepEqual([big.next(), big.next()], [0x637797b5, 0x541c681b]);
  });
  test('below(n) stays below n', () => {
    const rng = new Prng(7);
    for (const n of [1, 2, 3, 255, 2 ** 32]) for (let k = 0; k < 200; k++) assert.ok(rng.below(n) < n);
  });
});

describe('generator', () => {
  test('a seed always gives the same case', () => {
    for (const seed of [1, 2, 99, 123456]) {
      assert.deepEqual(buildModule([generateCase(seed)]), buildModule([generateCase(seed)]));
    }
    assert.notDeepEqual(caseCode(generateCase(1)), caseCode(generateCase(2)));
  });

  test('every fuzzable row of the opcode table is modelled by the fuzzer', () => {
    const missing = OPCODE_ROWS.filter((r) => r.fuzz !== false && !r.endsBlock && !isModelled(r));
    assert.deepEqual(missing.map((r) => `${r.code.toString(16)} ${r.mnemonic}`), []);
    assert.ok(FUZZ_ROWS.length > 200);
  });

  test('generated cases keep to the rules, the code buffer and the initial layout', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const c = generateCase(seed);
      const analysis = analyzeCase(c);
      assert.ok(analysis.ok, `seed ${seed}: ${analysis.ok ? '' : `instruction ${analysis.index}: ${analysis.reason}`}`);
      assert.ok(c.insns.length >= 1 && caseCode(c).length <= CODE_MAX);
      assert.equal(c.regs[ESP], SCRATCH_ADDRESS + INITIAL_STACK_OFFSET);
      assert.equal(c.regs[c.baseReg], BASE_POINTER);
      assert.equal(c.flags & ~COMPARED_FLAGS, 2);
      assert.ok(c.insns.every((i) => isFuzzable(i.row)));
    }
  });
});

function row(code: number, ext?: number): OpcodeRow {
  return OPCODE_ROWS.find((r) => r.code === code && r.ext === ext)!;
}
function insn(r: OpcodeRow, fields: Partial<FuzzInstruction> = {}): FuzzInstruction {
  return { row: r, opsize16: false, lock: false, segPrefix: 0, reg: 0, rm: null, imms: [], ...fields };
}
const reg = (n: number): RmOperand => ({ kind: 'reg', reg: n });
const absolute = (address: number): RmOperand => ({ kind: 'mem', mem: { addressSize: 32, base: -1, index: -1, scale: 0, disp: address, dispBytes: 4, sib: false } });
const based = (base: number, disp: number): RmOperand => ({ kind: 'mem', mem: { addressSize: 32, base, index: -1, scale: 0, disp, dispBytes: 4, sib: false } });

function caseOf(insns: FuzzInstruction[], cl = 5): FuzzCase {
  const regs = [1, cl, 3, BASE_POINTER, SCRATCH_ADDRESS + INITIAL_STACK_OFFSET, 6, 7, 8];
  return { seed: 0, baseReg: EBX, regs, flags: 2, memory: new Uint8Array(SCRATCH_SIZE), insns };
}
function verdict(insns: FuzzInstruction[], cl?: number): string {
  const a = analyzeCase(caseOf(insns, cl));
  return a.ok ? `ok ${(COMPARED_FLAGS & ~a.comparedFlags).toString(16)}` : a.reason;
}

describe('sequence rules', () => {
  const movEvGv = row(0x89), addEbIb = row(0x80, 0);
  test('memory operands must land in the scratch area', () => {
    assert.equal(verdict([insn(movEvGv, { rm: absolute(SCRATCH_ADDRESS + SCRATCH_SIZE - 4) })]), 'ok 0');
    assert.match(verdict([insn(movEvGv, { rm: absolute(SCRATCH_ADDRESS + SCRATCH_SIZE - 3) })]), /outside the scratch area/);
    assert.match(verdict([insn(movEvGv, { rm: absolute(SCRATCH_ADDRESS - 1) })]), /outside the scratch area/);
    assert.equal(verdict([insn(movEvGv, { rm: based(EBX, -0x80) })]), 'ok 0');
  });
  test('a register loses its known value when written, and gets one from MOV imm', () => {
    const incEbx = row(0x40 + EBX);
    assert.match(verdict([insn(incEbx), insn(movEvGv, { rm: based(EBX, 0) })]), /not known/);
    const movEbxImm = row(0xb8 + EBX);
    assert.equal(verdict([insn(incEbx), insn(movEbxImm, { imms: [0x1000] }), insn(movEvGv, { rm: based(EBX, SCRATCH_ADDRESS - 0x1000) })]), 'ok 0');
  });
  test('ESP is never a destination, and the stack stays in its area', () => {
    assert.match(verdict([insn(row(0x40 + ESP))]), /writes ESP/);
    const push = insn(row(0x50));
    assert.equal(verdict(Array(32).fill(push)), 'ok 0');
    assert.match(verdict(Array(33).fill(push)), /stack leaves/);
  });
  test('shift flags depend on the count', () => {
    const shlEbIb = row(0xc0, 4), shlEvCl = row(0xd3, 4), rolEvIb = row(0xc1, 0);
    assert.equal(verdict([insn(shlEbIb, { rm: reg(EAX), imms: [0] })]), 'ok 0');
    assert.equal(verdict([insn(shlEbIb, { rm: reg(EAX), imms: [1] })]), `ok ${FLAG_AF.toString(16)}`);
    assert.equal(verdict([insn(shlEbIb, { rm: reg(EAX), imms: [3] })]), `ok ${(FLAG_AF | FLAG_OF).toString(16)}`);
    assert.equal(verdict([insn(shlEbIb, { rm: reg(EAX), imms: [8] })]), `ok ${(FLAG_AF | FLAG_OF | FLAG_CF).toString(16)}`);
    assert.equal(verdict([insn(shlEbIb, { rm: reg(EAX), imms: [0x20] })]), 'ok 0');
    assert.equal(verdict([insn(rolEvIb, { rm: reg(EAX), imms: [4] })]), `ok ${FLAG_OF.toString(16)}`);
    assert.equal(verdict([insn(shlEvCl, { rm: reg(EAX) })], 0x21), `ok ${FLAG_AF.toString(16)}`);
    assert.match(verdict([insn(row(0x40 + ECX)), insn(shlEvCl, { rm: reg(EAX) })]), /CL, which is not known/);
  });
  test('a later instruction that defines a flag unmasks it; one that reads an undefined flag is refused', () => {
    const and = insn(row(0x24), { imms: [1] });
    assert.equal(verdict([and]), `ok ${FLAG_AF.toString(16)}`);
    assert.equal(verdict([and, insn(row(0x04), { imms: [1] })]), 'ok 0');
    assert.match(verdict([and, insn(row(0x9f))]), /reads a flag left undefined/);
    assert.equal(verdict([insn(row(0x0fc1), { reg: EAX, rm: reg(EBX) }), insn(row(0x9f))]), 'ok 0');
  });
  test('SHLD of a word by more than 16 is refused: its result is undefined', () => {
    const shld = row(0x0fa4);
    assert.equal(verdict([insn(shld, { opsize16: true, rm: reg(EAX), reg: EBX, imms: [16] })]), `ok ${(FLAG_AF | FLAG_OF).toString(16)}`);
    assert.match(verdict([insn(shld, { opsize16: true, rm: reg(EAX), reg: EBX, imms: [17] })]), /destination undefined/);
    assert.equal(verdict([insn(shld, { rm: reg(EAX), reg: EBX, imms: [17] })]), `ok ${(FLAG_AF | FLAG_OF).toString(16)}`);
  });
  test('LOCK is only accepted on a lockable instruction with a memory destination', () => {
    const addEvGv = row(0x01);
    assert.equal(verdict([insn(addEvGv, { lock: true, rm: based(EBX, 0) })]), 'ok 0');
    assert.match(verdict([insn(addEvGv, { lock: true, rm: reg(EAX) })]), /LOCK/);
    assert.match(verdict([insn(row(0x8b), { lock: true, rm: based(EBX, 0) })]), /LOCK/);
    assert.equal(verdict([insn(addEbIb, { rm: reg(EAX), imms: [1] })]), 'ok 0');
  });
});
