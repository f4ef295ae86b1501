// The opcode table (src/machine/cpu/decode/opcode-table.ts) against the opcode maps of SDM Vol. 2D Appendix A:
// no duplicate rows, every one-byte opcode present, the 0F opcodes of the CPUID-claimed feature set present,
// and everything else #UD with EIP at the first byte of the instruction.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { OPCODE_ROWS, SLOTS, isGroup, type OpcodeRow } from '../../../src/machine/cpu/decode/opcode-table.js';
import { Vector } from '../../../src/machine/cpu/fault.js';
import { makeBench, runSnippet, hex, CODE_BASE, SEL_CODE0, type Bench } from './harness.js';

/** Bytes that are prefixes or the 0F escape in the one-byte map (Table A-2). */
const PREFIX_BYTES = new Set([0x0f, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);

/**
 * Two-byte opcodes (Table A-3) of a P6-class processor with exactly the CPUID.1:EDX features this CPU claims
 * (PSE TSC MSR CX8 PGE CMOV; no FPU MMX SSE SEP FXSR): system instructions, CMOVcc, Jcc, SETcc, bit ops, …
 */
const REQUIRED_0F = [
  0x00, 0x01, 0x02, 0x03, 0x06, 0x08, 0x09, 0x0b, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x30, 0x31, 0x32, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
  0xa8, 0xa9, 0xab, 0xac, 0xad, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0, 0xc1, 0xc7,
  ...range(0x40, 0x50), ...range(0x80, 0xa0), ...range(0xc8, 0xd0),
];

/** Group members (opcode, ModRM.reg, form) that the SDM defines, from Table A-6. */
const REQUIRED_GROUP_MEMBERS: [number, number[], 'reg' | 'mem' | 'both'][] = [
  [0x80, range(0, 8), 'both'], [0x81, range(0, 8), 'both'], [0x83, range(0, 8), 'both'],
  [0x8f, [0], 'both'], [0xc0, range(0, 8), 'both'], [0xc1, range(0, 8), 'both'], [0xc6, [0], 'both'], [0xc7, [0], 'both'],
  [0xd0, range(0, 8), 'both'], [0xd1, range(0, 8), 'both'], [0xd2, range(0, 8), 'both'], [0xd3, range(0, 8), 'both'],
  [0xf6, [0, 2, 3, 4, 5, 6, 7], 'both'], [0xf7, [0, 2, 3, 4, 5, 6, 7], 'both'], [0xfe, [0, 1], 'both'], [0xff, [0, 1, 2, 3, 4, 5, 6], 'both'],
  [0x100, [0, 1, 2, 3, 4, 5], 'both'], [0x101, [0, 1, 2, 3, 7], 'mem'], [0x101, [4, 6], 'both'], [0x1ba, [4, 5, 6, 7], 'both'], [0x1c7, [1], 'mem'],
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}

function slotIndex(row: OpcodeRow): number {
  return row.code >= 0x0f00 ? 0x100 + (row.code & 0xff) : row.code;
}

function opcodeName(index: number): string {
  return index >= 0x100 ? `0F ${hex(index & 0xff, 2)}` : hex(index, 2);
}

describe('opcode table: rows', () => {
  test('every row has a code in the one-byte or 0F map, ModRM.reg 0..7 for group members, and a handler for its sizes', () => {
    const bad: string[] = [];
    for (const row of OPCODE_ROWS) {
      const name = `${row.mnemonic} ${hex(row.code, 4)}${row.ext !== undefined ? '/' + row.ext : ''}`;
      if (!((row.code >= 0 && row.code <= 0xff) || (row.code >= 0x0f00 && row.code <= 0x0fff))) bad.push(`${name}: code out of range`);
      if (row.code >= 0 && row.code <= 0xff && PREFIX_BYTES.has(row.code)) bad.push(`${name}: a prefix byte has a row`);
      if (row.ext !== undefined && !(Number.isInteger(row.ext) && row.ext >= 0 && row.ext <= 7)) bad.push(`${name}: bad ext`);
      if (row.form !== undefined && row.ext === undefined) bad.push(`${name}: form without ext`);
      const sized = row.w !== undefined || row.d !== undefined;
      if (row.x === undefined && row.b === undefined && !(row.w !== undefined && row.d !== undefined)) bad.push(`${name}: no handler for some operand size`);
      if (row.x !== undefined && (row.b !== undefined || sized)) bad.push(`${name}: both x and sized handlers`);
    }
    assert.deepEqual(bad, []);
  });

  test('no two rows claim the same encoding (opcode, ModRM.reg, register/memory form)', () => {
    const owners = new Map<string, string>();
    const duplicates: string[] = [];
    for (const row of OPCODE_ROWS) {
      const forms = row.ext === undefined ? ['any'] : row.form === undefined ? ['reg', 'mem'] : row.rm !== undefined ? [`reg rm=${row.rm}`] : [row.form];
      for (const form of forms) {
        const key = `${slotIndex(row)}/${row.ext ?? '-'}/${form}`;
        const owner = owners.get(key);
        if (owner !== undefined) duplicates.push(`${key}: ${owner} and ${row.mnemonic}`);
        owners.set(key, row.mnemonic);
      }
    }
    // An opcode is either a group (rows with ext) or a single row, never both.
    for (const row of OPCODE_ROWS) {
      if (row.ext !== undefined && owners.has(`${slotIndex(row)}/-/any`)) duplicates.push(`${opcodeName(slotIndex(row))}: both a plain row and group members`);
    }
    assert.deepEqual(duplicates, []);
  });

  test('SLOTS holds exactly the rows of OPCODE_ROWS', () => {
    const reachable = new Set<OpcodeRow>();
    for (const slot of SLOTS) {
      if (slot === undefined) continue;
      if (isGroup(slot)) { for (const m of [...slot.members, ...slot.memberRegForm, ...slot.exactRegForm]) if (m) reachable.add(m); }
      else reachable.add(slot);
    }
    const unreachable = OPCODE_ROWS.filter((r) => !reachable.has(r)).map((r) => `${r.mnemonic} ${hex(r.code, 4)}`);
    assert.deepEqual(unreachable, []);
    assert.equal(reachable.size, OPCODE_ROWS.length);
  });
});

describe('opcode table: coverage of the SDM opcode maps', () => {
  test('every one-byte opcode that is not a prefix has a row or group (Table A-2 defines them all)', () => {
    const missing = range(0, 0x100).filter((op) => !PREFIX_BYTES.has(op) && SLOTS[op] === undefined).map(opcodeName);
    assert.deepEqual(missing, []);
  });

  test('the prefix bytes and 0F have no row', () => {
    assert.deepEqual([...PREFIX_BYTES].filter((op) => SLOTS[op] !== undefined).map(opcodeName), []);
  });

  test('every 0F opcode of the claimed feature set has a row or group', () => {
    const missing = REQUIRED_0F.filter((op) => SLOTS[0x100 + op] === undefined).map((op) => opcodeName(0x100 + op));
    assert.deepEqual(missing, []);
  });

  test('group members defined by Table A-6 are present in their register and memory forms', () => {
    const missing: string[] = [];
    for (const [index, regs, form] of REQUIRED_GROUP_MEMBERS) {
      const slot = SLOTS[index];
      for (const reg of regs) {
        if (slot === undefined || !isGroup(slot)) { missing.push(`${opcodeName(index)} is not a group`); break; }
        if ((form === 'mem' || form === 'both') && slot.members[reg] === undefined) missing.push(`${opcodeName(index)} /${reg} memory form`);
        if (form === 'both' && slot.memberRegForm[reg] === undefined) missing.push(`${opcodeName(index)} /${reg} register form`);
      }
    }
    assert.deepEqual(missing, []);
  });
});

// ---------------------------------------------------------------- #UD for everything else

function expectUd(bench: Bench, bytes: number[], bad: string[]): void {
  const what = bytes.map((b) => hex(b, 2)).join(' ');
  const ev = runSnippet(bench, bytes);
  if (ev === undefined) { bad.push(`${what}: executed without a fault`); return; }
  if (ev.vector !== Vector.UD) bad.push(`${what}: vector ${ev.vector}, want #UD`);
  else if (ev.eip !== CODE_BASE || ev.cs !== SEL_CODE0 || ev.errorCode !== undefined) {
    bad.push(`${what}: #UD frame eip ${hex(ev.eip)} cs ${hex(ev.cs, 4)} code ${ev.errorCode}, want eip ${hex(CODE_BASE)} and no error code`);
  }
}

/** The instruction bytes for slot `index` with ModRM `modrm` and a zero tail long enough for any displacement or immediate. */
function encoding(index: number, modrm: number): number[] {
  const opcode = index >= 0x100 ? [0x0f, index & 0xff] : [index];
  return [...opcode, modrm, 0, 0, 0, 0, 0, 0, 0, 0];
}

describe('opcode table: undefined encodings raise #UD at the instruction', () => {
  test('every 0F opcode without a row raises #UD, with the pushed EIP at the 0F byte', () => {
    const bench = makeBench();
    const bad: string[] = [];
    const undefinedSlots = range(0x100, 0x200).filter((k) => SLOTS[k] === undefined);
    assert.ok(undefinedSlots.length > 0);
    for (const index of undefinedSlots) {
      // Register form and memory form: neither may execute.
      expectUd(bench, encoding(index, 0xc0), bad);
      expectUd(bench, encoding(index, 0x00), bad);
    }
    assert.deepEqual(bad, []);
  });

  test('every undefined member of a group raises #UD in the form (register or memory) it lacks', () => {
    const bench = makeBench();
    const bad: string[] = [];
    let checked = 0;
    for (let index = 0; index < 0x200; index++) {
      const slot = SLOTS[index];
      if (slot === undefined || !isGroup(slot)) continue;
      for (let reg = 0; reg < 8; reg++) {
        if (slot.members[reg] === undefined) { expectUd(bench, encoding(index, reg << 3), bad); checked++; }
        if (slot.memberRegForm[reg] === undefined) { expectUd(bench, encoding(index, 0xc0 | (reg << 3)), bad); checked++; }
      }
    }
    assert.ok(checked > 20, `only ${checked} undefined group members`);
    assert.deepEqual(bad, []);
  });

  test('forms a handler rejects raise #UD: LEA/LES/LDS/LSS/BOUND with a register, MOV to CS, Sreg 6/7, CR1/CR5-7, UD2, CMPXCHG8B reg', () => {
    const bench = makeBench();
    const bad: string[] = [];
    const encodings = [
      [0x8d, 0xc0], [0xc4, 0xc0], [0xc5, 0xc0], [0x0f, 0xb2, 0xc0], [0x0f, 0xb4, 0xc0], [0x0f, 0xb5, 0xc0], [0x62, 0xc0],
      [0x8e, 0xc8], [0x8e, 0xf0], [0x8e, 0xf8], [0x8c, 0xf0], [0x8c, 0xf8],
      [0x0f, 0x20, 0xc8], [0x0f, 0x20, 0xe8], [0x0f, 0x20, 0xf0], [0x0f, 0x20, 0xf8], [0x0f, 0x22, 0xc8], [0x0f, 0x22, 0xe8],
      [0x0f, 0x0b], [0x66, 0x0f, 0x0b], [0x0f, 0xc7, 0xc8],
    ];
    for (const bytes of encodings) expectUd(bench, bytes, bad);
    assert.deepEqual(bad, []);
  });

  test('defined one-byte opcodes do not raise #UD (sanity check of the harness)', () => {
    const bench = makeBench();
    // nop; inc eax; mov eax, imm32; add [eax], al: all execute and reach the HLT.
    for (const bytes of [[0x90], [0x40], [0xb8, 1, 2, 3, 4], [0x00, 0x00]]) {
      assert.equal(runSnippet(bench, bytes), undefined, bytes.map((b) => hex(b, 2)).join(' '));
    }
  });
});
