// The fuzz harness guest on our machine, with hand-made cases: what it loads, what it reports (changed
// registers, EFLAGS, changed scratch bytes, faults), repeated runs, and the transcript parser.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OPCODE_ROWS, type OpcodeRow } from '../../src/machine/cpu/decode/opcode-table.js';
import { EAX, EBX, ECX, EDX } from '../../src/machine/cpu/registers.js';
import { buildModule } from '../../tools/fuzz/case-module.js';
import type { FuzzCase } from '../../tools/fuzz/fuzz-case.js';
import type { FuzzInstruction, RmOperand } from '../../tools/fuzz/instruction.js';
import { BASE_POINTER, CODE_ADDRESS, FS_BASE, GS_BASE, INITIAL_STACK_OFFSET, SCRATCH_ADDRESS, SCRATCH_SIZE } from '../../tools/fuzz/layout.js';
import { buildHarness } from '../../tools/fuzz/paths.js';
import { runOnMachine } from '../../tools/fuzz/run-machine.js';
import { formatOutcome, parseHarnessOutput, parseOutcome, type CaseOutcome } from '../../tools/fuzz/transcript.js';

function row(code: number, ext?: number): OpcodeRow {
  return OPCODE_ROWS.find((r) => r.code === code && r.ext === ext)!;
}
function insn(r: OpcodeRow, fields: Partial<FuzzInstruction> = {}): FuzzInstruction {
  return { row: r, opsize16: false, lock: false, segPrefix: 0, reg: 0, rm: null, imms: [], ...fields };
}
const absolute = (address: number): RmOperand => ({ kind: 'mem', mem: { addressSize: 32, base: -1, index: -1, scale: 0, disp: address, dispBytes: 4, sib: false } });

const initialMemory = new Uint8Array(SCRATCH_SIZE).map((_, i) => (i * 7) & 0xff);
function caseOf(insns: FuzzInstruction[], flags = 2): FuzzCase {
  const regs = [0x100, 0x200, 0x300, BASE_POINTER, SCRATCH_ADDRESS + INITIAL_STACK_OFFSET, 0x600, 0x700, 0x800];
  return { seed: 0, baseReg: EBX, regs, flags, memory: initialMemory, insns };
}

async function outcomes(cases: FuzzCase[], runs = 1): Promise<string[]> {
  const result = await runOnMachine(buildModule(cases, runs), cases.length * runs);
  assert.equal(result.exit, 'exit=0', result.output);
  const parsed = parseHarnessOutput(result.output, cases.length);
  assert.ok(parsed.complete, result.output);
  assert.deepEqual(parsed.strayLines, []);
  return parsed.outcomes.map((o) => formatOutcome(o).trim());
}

const movEaxImm = (v: number): FuzzInstruction => insn(row(0xb8 + EAX), { imms: [v] });
const storeEax = (address: number, segPrefix = 0): FuzzInstruction => insn(row(0x89), { reg: EAX, rm: absolute(address), segPrefix });

describe('fuzz harness on our machine', () => {
  before(() => buildHarness());

  test('reports changed registers, EFLAGS and changed scratch bytes', async () => {
    const [nothing, store, push, carry] = await outcomes([
      caseOf([insn(row(0x90))]),
      caseOf([movEaxImm(0x11223344), storeEax(SCRATCH_ADDRESS + 0x10)]),
      caseOf([insn(row(0x50 + EDX))]),
      caseOf([insn(row(0xf9))], 0x0cd5 & ~1),
    ]);
    assert.equal(nothing, 'fl=00000002 mem=-');
    assert.equal(store, 'eax=11223344 fl=00000002 mem=010:44332211');
    assert.equal(push, `esp=${(SCRATCH_ADDRESS + INITIAL_STACK_OFFSET - 4).toString(16).padStart(8, '0')} fl=00000002 mem=17c:00030000`);
    assert.equal(carry, 'fl=00000cd7 mem=-');
  });

  test('FS and GS have the bases the generator assumes (GS wraps at 4 GiB)', async () => {
    const [fs, gs] = await outcomes([
      caseOf([movEaxImm(0xaabbccdd), storeEax(SCRATCH_ADDRESS - FS_BASE, 0x64)]),
      caseOf([movEaxImm(0x01020304), storeEax((SCRATCH_ADDRESS + 0x1fc - GS_BASE) >>> 0, 0x65)]),
    ]);
    assert.equal(fs, 'eax=aabbccdd fl=00000002 mem=000:ddccbbaa');
    assert.equal(gs, 'eax=01020304 fl=00000002 mem=1fc:04030201');
  });

  test('a fault ends the case with its vector, error code, EIP and the state before it; the next case runs', async () => {
    const ud2 = insn(row(0x0f0b)), push = insn(row(0x50 + EDX));
    const [fault, after] = await outcomes([caseOf([push, insn(row(0xf9)), ud2]), caseOf([movEaxImm(7)])]);
    const esp = (SCRATCH_ADDRESS + INITIAL_STACK_OFFSET - 4).toString(16).padStart(8, '0');
    // the exception frame goes to the harness stack (the case runs at CPL 3): the test stack shows only the push
    assert.equal(fault, `fault vec=06 err=00000000 eip=${(CODE_ADDRESS + 2).toString(16).padStart(8, '0')} esp=${esp} fl=00000003 mem=17c:00030000`);
    assert.equal(after, 'eax=00000007 fl=00000002 mem=-');
  });

  test('a privileged instruction faults with #GP(0): the case runs at CPL 3', async () => {
    const [cli] = await outcomes([caseOf([insn(row(0xfa))])]);
    assert.equal(cli, `fault vec=0d err=00000000 eip=${CODE_ADDRESS.toString(16).padStart(8, '0')} fl=00000002 mem=-`);
  });

  test('repeated runs start from the initial state each time', async () => {
    const incEcx = insn(row(0x40 + ECX));
    const once = await outcomes([caseOf([incEcx, insn(row(0x50 + ECX))])]);
    const often = await outcomes([caseOf([incEcx, insn(row(0x50 + ECX))])], 45);
    assert.deepEqual(often, once);
    assert.match(once[0]!, /^ecx=00000201 esp=/);
  });
});

describe('transcript lines', () => {
  test('parse and format are inverses', () => {
    for (const line of [' eax=00000001 esp=0000417c fl=00000893 mem=000:01,17c:aabbccdd', ' fl=00000002 mem=-',
      ' fault vec=0d err=00000010 eip=00005004 ecx=00000001 fl=00000002 mem=-']) {
      const outcome = parseOutcome(line);
      assert.ok(outcome !== null, line);
      assert.equal(formatOutcome(outcome), line);
    }
    assert.equal(parseOutcome(' eax=1 fl=00000002 mem=-'), null);
    assert.equal(parseOutcome(' fl=00000002 mem=01:00'), null);
    assert.equal(parseOutcome(' fault vec=0d err=00000010 eip=00005004'), null);
  });
  test('harness output: lines by case index, stray lines kept', () => {
    const run = parseHarnessOutput('fuzz harness: 0002 cases\ncase 0001 fl=00000002 mem=-\ngarbage\ndone\n', 2);
    assert.equal(run.complete, true);
    assert.deepEqual(run.strayLines, ['garbage']);
    assert.equal(run.outcomes[0]!.kind, 'missing');
    assert.equal((run.outcomes[1] as Extract<CaseOutcome, { kind: 'state' }>).flags, 2);
  });
});
