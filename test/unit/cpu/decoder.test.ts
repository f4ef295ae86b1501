// The instruction decoder (src/machine/cpu/decode/decoder.ts) against SDM Vol. 2A chapter 2: prefixes, the
// 15-byte limit, ModRM/SIB addressing (Tables 2-1, 2-2, 2-3), LOCK rules, and instruction lengths cross-checked
// with GNU objdump.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeInstruction } from '../../../src/machine/cpu/decode/decoder.js';
import { Insn } from '../../../src/machine/cpu/decode/insn.js';
import { Vector } from '../../../src/machine/cpu/fault.js';
import { CS, DS, ES, FS, GS, SS, EAX, ECX, EBX, EBP, ESI, EDI } from '../../../src/machine/cpu/registers.js';
import { ATTR_P, ATTR_S, TYPE_CODE, TYPE_CODE_READABLE, ATTR_DB } from '../../../src/machine/cpu/segments.js';
import { makeBench, loadCode, runSnippet, catchFault, prng, hex, CODE_BASE, DATA_BASE, SEL_CODE0, type Bench } from './harness.js';

/** Decodes the instruction `bytes` placed at CODE_BASE (followed by NOPs) in 32- or 16-bit code. */
function decode(bench: Bench, bytes: readonly number[], code32 = true): Insn {
  bench.mem.writeBytes(CODE_BASE, Uint8Array.from([...bytes, ...new Array(16).fill(0x90)]));
  const insn = new Insn();
  decodeInstruction(bench.cpu, CODE_BASE, CODE_BASE, code32, insn);
  return insn;
}

function bytesOf(v: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => (v >>> (8 * k)) & 0xff);
}

function show(bytes: readonly number[]): string {
  return bytes.map((b) => hex(b, 2)).join(' ');
}

// ---------------------------------------------------------------- prefixes

describe('decoder: prefixes', () => {
  test('0x66 selects a 16-bit operand (and immediate) in 32-bit code; a second 0x66 changes nothing', () => {
    const bench = makeBench();
    const { cpu } = bench;
    cpu.r32[EAX] = 0x7777_7777;
    loadCode(bench, [0x66, 0xb8, 0x34, 0x12]);
    cpu.stepOne();
    assert.equal(cpu.eip, CODE_BASE + 4);
    assert.equal(cpu.r32[EAX]! >>> 0, 0x7777_1234);
    assert.equal(decode(bench, [0x66, 0x66, 0xb8, 0x34, 0x12]).endDelta, 5);
    assert.equal(decode(bench, [0x66, 0x81, 0xc0, 0x34, 0x12]).endDelta, 5);
    assert.equal(decode(bench, [0x81, 0xc0, 0x78, 0x56, 0x34, 0x12]).endDelta, 6);
    const insn = decode(bench, [0x66, 0x01, 0xd8]);
    assert.equal(insn.o32, false);
    assert.equal(insn.size, 16);
  });

  test('0x66 selects a 32-bit operand and 0x67 32-bit addressing in 16-bit code', () => {
    const bench = makeBench();
    assert.equal(decode(bench, [0xb8, 0x34, 0x12], false).endDelta, 3);
    const wide = decode(bench, [0x66, 0xb8, 0x78, 0x56, 0x34, 0x12], false);
    assert.equal(wide.endDelta, 6);
    assert.equal(wide.imm >>> 0, 0x12345678);
    const a32 = decode(bench, [0x67, 0x8b, 0x44, 0x24, 0x08], false);
    assert.equal(a32.a32, true);
    assert.equal(a32.endDelta, 5);
    assert.equal(a32.base, 4);
    assert.equal(a32.seg, SS);
  });

  test('0x67 selects 16-bit addressing in 32-bit code: mov eax, [bx] reads at BX, ignoring the upper half of EBX', () => {
    const bench = makeBench();
    const { cpu, mem } = bench;
    cpu.r32[EBX] = 0x0002_0000 | 0x5000;
    mem.write32(0x5000, 0xcafe_f00d | 0);
    loadCode(bench, [0x67, 0x8b, 0x07]);
    cpu.stepOne();
    assert.equal(cpu.eip, CODE_BASE + 3);
    assert.equal(cpu.r32[EAX]! >>> 0, 0xcafe_f00d);
  });

  test('segment override prefixes select ES CS SS DS FS GS for the memory operand, and the segment base applies', () => {
    const bench = makeBench();
    const { cpu, mem } = bench;
    const prefixes: [number, number][] = [[0x26, ES], [0x2e, CS], [0x36, SS], [0x3e, DS], [0x64, FS], [0x65, GS]];
    for (const [prefix, seg] of prefixes) {
      assert.equal(decode(bench, [prefix, 0x8b, 0x00]).seg, seg, `prefix ${hex(prefix, 2)} with [eax]`);
      // Also over the SS default of an EBP base.
      assert.equal(decode(bench, [prefix, 0x8b, 0x45, 0x00]).seg, seg, `prefix ${hex(prefix, 2)} with [ebp]`);
    }
    assert.equal(decode(bench, [0x8b, 0x45, 0x00]).seg, SS);
    assert.equal(decode(bench, [0x8b, 0x00]).seg, DS);
    // mov eax, fs:[ecx] with FS.base = 0x30000.
    cpu.setSegmentCache(FS, 0x10, 0x30000, 0xffff, cpu.segAttr[DS]!);
    mem.write32(0x30000 + 0x44, 0x1122_3344);
    mem.write32(0x44, 0x5566_7788);
    cpu.r32[ECX] = 0x44;
    loadCode(bench, [0x64, 0x8b, 0x01]);
    cpu.stepOne();
    assert.equal(cpu.r32[EAX]! >>> 0, 0x1122_3344);
  });

  test('F3 and F2 are recorded as REP/REPE and REPNE', () => {
    const bench = makeBench();
    assert.equal(decode(bench, [0xf3, 0xa5]).rep, 1);
    assert.equal(decode(bench, [0xf2, 0xae]).rep, 2);
    assert.equal(decode(bench, [0xa5]).rep, 0);
  });

  test('an instruction of exactly 15 bytes decodes; 16 bytes raise #GP(0) with EIP at the first prefix', () => {
    const bench = makeBench();
    // add dword ds:[eax+ecx*4+0x11223344], 0x12345678 with four DS prefixes: 4 + 1 + 1 + 1 + 4 + 4 = 15 bytes.
    const body = [0x81, 0x84, 0x88, 0x44, 0x33, 0x22, 0x11, 0x78, 0x56, 0x34, 0x12];
    const fifteen = [0x3e, 0x3e, 0x3e, 0x3e, ...body];
    assert.equal(decode(bench, fifteen).endDelta, 15);
    assert.equal(decode(bench, [...new Array(14).fill(0x66), 0x90]).endDelta, 15);
    for (const sixteen of [[0x3e, ...fifteen], [...new Array(15).fill(0x66), 0x90]]) {
      assert.deepEqual(catchFault(() => decode(bench, sixteen)), { vector: Vector.GP, errorCode: 0, hasErrorCode: true }, show(sixteen));
      const ev = runSnippet(bench, sixteen);
      assert.ok(ev !== undefined, 'no fault delivered');
      assert.deepEqual([ev.vector, ev.errorCode, hex(ev.eip)], [Vector.GP, 0, hex(CODE_BASE)]);
    }
  });

  test('fetching past the CS limit raises #GP(0) with EIP at the instruction', () => {
    const bench = makeBench();
    const { cpu } = bench;
    // CS limit ends in the middle of a 5-byte MOV.
    cpu.setSegmentCache(CS, SEL_CODE0, 0, CODE_BASE + 2, ATTR_P | ATTR_S | TYPE_CODE | TYPE_CODE_READABLE | ATTR_DB | 1);
    loadCode(bench, [0xb8, 1, 2, 3, 4]);
    assert.deepEqual(catchFault(() => cpu.stepOne()), { vector: Vector.GP, errorCode: 0, hasErrorCode: true });
    assert.equal(decode(bench, [0x40, 0x40]).endDelta, 1, 'an instruction inside the limit still decodes');
  });
});

// ---------------------------------------------------------------- ModRM / SIB

interface Expected { length: number; ea: number; seg: number; base: number; index: number; scale: number }

const DISP8 = 0x85; // negative: checks sign extension
const DISP16 = 0x8765;
const DISP32 = 0x87654321;

/** SDM Table 2-2 (ModRM) and Table 2-3 (SIB): the effective address of 32-bit addressing. */
function expected32(mod: number, rm: number, sib: number, regs: Int32Array): Expected {
  let length = 2, ea = 0, seg = DS, base = -1, index = -1, scale = 0;
  if (rm === 4) {
    length++;
    const ss = sib >> 6, idx = (sib >> 3) & 7, b = sib & 7;
    if (b === 5 && mod === 0) { ea += DISP32; length += 4; }
    else { base = b; ea += regs[b]! >>> 0; if (b === 4 || b === 5) seg = SS; }
    if (idx !== 4) { index = idx; scale = ss; ea += (regs[idx]! >>> 0) * 2 ** ss; }
  } else if (rm === 5 && mod === 0) {
    ea = DISP32; length += 4;
  } else {
    base = rm; ea = regs[rm]! >>> 0; if (rm === 5) seg = SS;
  }
  if (mod === 1) { ea += DISP8 - 256; length += 1; }
  if (mod === 2) { ea += DISP32; length += 4; }
  return { length, ea: ((ea % 2 ** 32) + 2 ** 32) % 2 ** 32, seg, base, index, scale };
}

const RM16: [number, number][] = [[EBX, ESI], [EBX, EDI], [EBP, ESI], [EBP, EDI], [ESI, -1], [EDI, -1], [EBP, -1], [EBX, -1]];

/** SDM Table 2-1: the effective address of 16-bit addressing. */
function expected16(mod: number, rm: number, regs: Int32Array): Expected {
  let length = 2, ea = 0, seg = DS, base = -1, index = -1;
  if (mod === 0 && rm === 6) {
    ea = DISP16; length += 2;
  } else {
    [base, index] = RM16[rm]!;
    ea = (regs[base]! & 0xffff) + (index >= 0 ? regs[index]! & 0xffff : 0);
    if (rm === 2 || rm === 3 || rm === 6) seg = SS;
  }
  if (mod === 1) { ea += DISP8 - 256; length += 1; }
  if (mod === 2) { ea += DISP16; length += 2; }
  return { length, ea: ((ea % 0x10000) + 0x10000) % 0x10000, seg, base, index, scale: 0 };
}

function encodingFor(mod: number, rm: number, sib: number, a32: boolean): number[] {
  const bytes = [0x8b, (mod << 6) | (2 << 3) | rm];
  if (a32) {
    if (rm === 4) bytes.push(sib);
    if ((mod === 0 && (rm === 5 || (rm === 4 && (sib & 7) === 5))) || mod === 2) bytes.push(...bytesOf(DISP32, 4));
  } else if ((mod === 0 && rm === 6) || mod === 2) {
    bytes.push(...bytesOf(DISP16, 2));
  }
  if (mod === 1) bytes.push(DISP8);
  return bytes;
}

function compareDecoded(bench: Bench, bytes: number[], want: Expected, code32: boolean, bad: string[], override?: number): void {
  const insn = decode(bench, bytes, code32);
  const got = { length: insn.endDelta, ea: bench.cpu.ea(insn) >>> 0, seg: insn.seg, base: insn.base, index: insn.index2, scale: insn.index2 >= 0 ? insn.scale : 0 };
  const expect = override === undefined ? want : { ...want, seg: override };
  if (JSON.stringify(got) !== JSON.stringify(expect) && bad.length < 10) bad.push(`${show(bytes)}: got ${JSON.stringify(got)} want ${JSON.stringify(expect)}`);
}

describe('decoder: ModRM and SIB addressing forms', () => {
  test('32-bit addressing: every mod 0-2 × r/m, and all 256 SIB bytes for each mod', () => {
    const bench = makeBench();
    const rand = prng(0xa11);
    const bad: string[] = [];
    let cases = 0;
    for (let mod = 0; mod < 3; mod++) {
      for (let rm = 0; rm < 8; rm++) {
        for (let sib = 0; sib < (rm === 4 ? 256 : 1); sib++) {
          for (let k = 0; k < 8; k++) bench.cpu.r32[k] = rand();
          const bytes = encodingFor(mod, rm, sib, true);
          compareDecoded(bench, bytes, expected32(mod, rm, sib, bench.cpu.r32), true, bad);
          cases++;
        }
      }
    }
    assert.equal(cases, 3 * (7 + 256));
    assert.deepEqual(bad, []);
  });

  test('16-bit addressing (0x67 in 32-bit code, and 16-bit code): every mod 0-2 × r/m', () => {
    const bench = makeBench();
    const rand = prng(0xa16);
    const bad: string[] = [];
    for (let mod = 0; mod < 3; mod++) {
      for (let rm = 0; rm < 8; rm++) {
        for (let k = 0; k < 8; k++) bench.cpu.r32[k] = rand();
        const want = expected16(mod, rm, bench.cpu.r32);
        const bytes = encodingFor(mod, rm, 0, false);
        compareDecoded(bench, bytes, want, false, bad);
        compareDecoded(bench, [0x67, ...bytes], { ...want, length: want.length + 1 }, true, bad);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('a segment override replaces both the DS and the SS default in every form', () => {
    const bench = makeBench();
    const rand = prng(0xa5e);
    const bad: string[] = [];
    for (const [prefix, seg] of [[0x26, ES], [0x64, FS], [0x3e, DS], [0x36, SS]] as const) {
      for (let mod = 0; mod < 3; mod++) {
        for (let rm = 0; rm < 8; rm++) {
          for (let k = 0; k < 8; k++) bench.cpu.r32[k] = rand();
          const sib = rand() & 0xff;
          const w32 = expected32(mod, rm, sib, bench.cpu.r32);
          compareDecoded(bench, [prefix, ...encodingFor(mod, rm, sib, true)], { ...w32, length: w32.length + 1 }, true, bad, seg);
          const w16 = expected16(mod, rm, bench.cpu.r32);
          compareDecoded(bench, [prefix, ...encodingFor(mod, rm, 0, false)], { ...w16, length: w16.length + 1 }, false, bad, seg);
        }
      }
    }
    assert.deepEqual(bad, []);
  });

  test('mod = 3 is a register operand: no memory, r/m and reg fields as encoded', () => {
    const bench = makeBench();
    for (let modrm = 0xc0; modrm <= 0xff; modrm++) {
      const insn = decode(bench, [0x8b, modrm]);
      assert.equal(insn.isMemory, false);
      assert.equal(insn.endDelta, 2);
      assert.deepEqual([insn.reg, insn.rm], [(modrm >> 3) & 7, modrm & 7]);
    }
  });

  test('moffs forms (A0-A3) take a 32-bit offset, or 16-bit with 0x67', () => {
    const bench = makeBench();
    const wide = decode(bench, [0xa1, 0x44, 0x33, 0x22, 0x11]);
    assert.deepEqual([wide.endDelta, wide.disp >>> 0], [5, 0x11223344]);
    const narrow = decode(bench, [0x67, 0xa1, 0x22, 0x11]);
    assert.deepEqual([narrow.endDelta, narrow.disp], [4, 0x1122]);
  });
});

// ---------------------------------------------------------------- LOCK

describe('decoder: LOCK prefix', () => {
  const lockable = [
    { what: 'lock add [eax], ecx', bytes: [0xf0, 0x01, 0x08] },
    { what: 'lock xchg [eax], ecx', bytes: [0xf0, 0x87, 0x08] },
    { what: 'lock neg dword [eax]', bytes: [0xf0, 0xf7, 0x18] },
    { what: 'lock bts dword [eax], 5', bytes: [0xf0, 0x0f, 0xba, 0x28, 0x05] },
    { what: 'lock cmpxchg8b [eax]', bytes: [0xf0, 0x0f, 0xc7, 0x08] },
    { what: 'lock inc byte [eax]', bytes: [0xf0, 0xfe, 0x00] },
    { what: 'lock xadd [eax], ecx', bytes: [0xf0, 0x0f, 0xc1, 0x08] },
  ];
  const notLockable = [
    { what: 'lock nop', bytes: [0xf0, 0x90] },
    { what: 'lock mov eax, [eax]', bytes: [0xf0, 0x8b, 0x00] },
    { what: 'lock mov [eax], eax', bytes: [0xf0, 0x89, 0x00] },
    { what: 'lock cmp [eax], ecx', bytes: [0xf0, 0x39, 0x08] },
    { what: 'lock test [eax], ecx', bytes: [0xf0, 0x85, 0x08] },
    { what: 'lock bt dword [eax], 5', bytes: [0xf0, 0x0f, 0xba, 0x20, 0x05] },
    { what: 'lock add ecx, [eax] (register destination form)', bytes: [0xf0, 0x03, 0x08] },
    { what: 'lock inc eax (40+r)', bytes: [0xf0, 0x40] },
  ];
  const registerDestination = [
    { what: 'lock add eax, ecx', bytes: [0xf0, 0x01, 0xc8] },
    { what: 'lock xchg eax, ecx', bytes: [0xf0, 0x87, 0xc8] },
    { what: 'lock neg eax', bytes: [0xf0, 0xf7, 0xd8] },
    { what: 'lock bts eax, 5', bytes: [0xf0, 0x0f, 0xba, 0xe8, 0x05] },
    { what: 'lock or al, 1 (80 /1 register form)', bytes: [0xf0, 0x80, 0xc8, 0x01] },
  ];

  test('LOCK on a lockable instruction with a memory destination executes', () => {
    const bench = makeBench();
    for (const { what, bytes } of lockable) assert.equal(runSnippet(bench, bytes), undefined, what);
    bench.mem.write32(DATA_BASE, 5);
    bench.cpu.r32[ECX] = 0;
    runSnippet(bench, [0xf0, 0xff, 0x00]);
    assert.equal(bench.mem.read32(DATA_BASE), 6);
  });

  for (const [title, list] of [['LOCK on a non-lockable instruction', notLockable], ['LOCK with a register destination', registerDestination]] as const) {
    test(`${title} raises #UD with EIP at the LOCK byte`, () => {
      const bench = makeBench();
      const bad: string[] = [];
      for (const { what, bytes } of list) {
        const ev = runSnippet(bench, bytes);
        if (ev === undefined || ev.vector !== Vector.UD || ev.eip !== CODE_BASE || ev.errorCode !== undefined) {
          bad.push(`${what}: ${ev === undefined ? 'no fault' : `vector ${ev.vector} eip ${hex(ev.eip)}`}`);
        }
      }
      assert.deepEqual(bad, []);
    });
  }
});

// ---------------------------------------------------------------- instruction lengths

/** Encodings with their lengths in 32-bit code (each checked by hand against the SDM and objdump). */
const KNOWN_LENGTHS: [number[], number][] = [
  [[0x90], 1], [[0xb8, 1, 2, 3, 4], 5], [[0x66, 0xb8, 1, 2], 4], [[0xb0, 1], 2], [[0xc8, 0x10, 0x00, 0x01], 4],
  [[0x9a, 1, 2, 3, 4, 5, 6], 7], [[0x66, 0x9a, 1, 2, 3, 4], 6], [[0xea, 1, 2, 3, 4, 5, 6], 7], [[0xa1, 1, 2, 3, 4], 5],
  [[0x67, 0xa1, 1, 2], 4], [[0xc2, 0x10, 0x00], 3], [[0xcd, 0x80], 2], [[0x0f, 0x80, 1, 2, 3, 4], 6], [[0x66, 0x0f, 0x80, 1, 2], 5],
  [[0xe8, 1, 2, 3, 4], 5], [[0xeb, 1], 2], [[0x69, 0xc3, 1, 2, 3, 4], 6], [[0x6b, 0xc3, 1], 3], [[0xf6, 0xc3, 1], 3], [[0xf6, 0xd3], 2],
  [[0xf7, 0xc3, 1, 2, 3, 4], 6], [[0x66, 0xf7, 0xc3, 1, 2], 5], [[0xf7, 0xdb], 2], [[0x0f, 0xba, 0xe0, 5], 4], [[0x0f, 0xa4, 0xc3, 5], 4],
  [[0x0f, 0xa5, 0xc3], 3], [[0x8b, 0x04, 0x25, 1, 2, 3, 4], 7], [[0x8b, 0x44, 0x24, 8], 4], [[0x8b, 0x84, 0x24, 1, 2, 3, 4], 7],
  [[0x8b, 0x05, 1, 2, 3, 4], 6], [[0x67, 0x8b, 0x06, 1, 2], 5], [[0x67, 0x8b, 0x46, 8], 4], [[0x67, 0x8b, 0x86, 1, 2], 5],
  [[0xd9, 0x00], 2], [[0xdd, 0x05, 1, 2, 3, 4], 6], [[0x0f, 0x20, 0xc0], 3], [[0xf3, 0xa5], 2], [[0x0f, 0xc7, 0x0f], 3],
  [[0x0f, 0x01, 0x15, 1, 2, 3, 4], 7], [[0xc0, 0xe0, 5], 3], [[0xd0, 0xe0], 2], [[0x83, 0xc0, 0x80], 3], [[0x81, 0xc0, 1, 2, 3, 4], 6],
  [[0x80, 0xc0, 1], 3], [[0x82, 0xc0, 1], 3], [[0xa8, 1], 2], [[0xa9, 1, 2, 3, 4], 5], [[0x66, 0xa9, 1, 2], 4], [[0xe4, 0x60], 2],
  [[0x6a, 0x80], 2], [[0x68, 1, 2, 3, 4], 5], [[0x66, 0x68, 1, 2], 4], [[0xc6, 0x00, 1], 3], [[0xc7, 0x00, 1, 2, 3, 4], 6],
  [[0x66, 0xc7, 0x00, 1, 2], 5], [[0xd4, 0x0a], 2], [[0x0f, 0xb6, 0xc3], 3], [[0x0f, 0x1f, 0x44, 0x00, 0x00], 5], [[0x9b], 1],
  [[0x0f, 0x31], 2], [[0x0f, 0xa2], 2], [[0x0f, 0xc8], 2], [[0x0f, 0x40, 0xc3], 3], [[0x0f, 0x94, 0xc0], 3], [[0xe2, 0xfe], 2],
];

describe('decoder: instruction lengths', () => {
  test('known encodings have their SDM lengths', () => {
    const bench = makeBench();
    const bad = KNOWN_LENGTHS.filter(([bytes, n]) => decode(bench, bytes).endDelta !== n).map(([bytes, n]) => `${show(bytes)}: ${decode(bench, bytes).endDelta}, want ${n}`);
    assert.deepEqual(bad, []);
  });

  test('MOV to/from CR and DR (0F 20-23) ignore ModRM.mod: always a register operand, 3 bytes (SDM MOV CR/DR)', () => {
    const bench = makeBench();
    const { cpu } = bench;
    const bad: string[] = [];
    for (const op of [0x20, 0x21, 0x22, 0x23]) {
      for (const modrm of [0x05, 0x44, 0x84, 0x04, 0x45]) {
        const n = decode(bench, [0x0f, op, modrm, 0x24, 1, 2, 3, 4]).endDelta;
        if (n !== 3) bad.push(`0F ${hex(op, 2)} ${hex(modrm, 2)}: length ${n}, want 3`);
      }
    }
    // mov ebp, cr0 encoded with mod = 0: EBP receives CR0 and execution continues at the next byte.
    loadCode(bench, [0x0f, 0x20, 0x05, 0x90, 0x90, 0x90, 0x90, 0x90]);
    cpu.stepOne();
    if (cpu.eip !== CODE_BASE + 3) bad.push(`mov ebp, cr0 (mod 0) left EIP at +${cpu.eip - CODE_BASE}`);
    if (cpu.r32[EBP] !== cpu.cr0) bad.push('mov ebp, cr0 (mod 0) did not load EBP');
    assert.deepEqual(bad, []);
  });

  test('every one-byte and 0F opcode, bare and with 0x66 or 0x67, has the length objdump gives', () => {
    const cases = lengthSweepCases();
    const theirs = objdumpLengths(cases);
    const bench = makeBench();
    const bad: string[] = [];
    let compared = 0;
    cases.forEach((bytes, k) => {
      let insn: Insn;
      try { insn = decode(bench, bytes); } catch { return; }
      if (insn.row === null) return; // #UD here; objdump may know a later extension
      const other = theirs[k]!;
      if (other.text.includes('(bad)')) return;
      compared++;
      if (insn.endDelta !== other.length && bad.length < 30) bad.push(`${show(bytes.slice(0, insn.endDelta > other.length ? insn.endDelta : other.length))}: ours ${insn.endDelta}, objdump ${other.length} (${other.text})`);
    });
    assert.ok(compared > 10000, `only ${compared} encodings compared`);
    assert.deepEqual(bad, []);
  });
});

/** Opcode × ModRM tails covering every ModRM.reg and the register, disp8, disp32, SIB and disp16 forms, with 8 immediate bytes. */
function lengthSweepCases(): number[][] {
  const imm = [0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18];
  const tails32 = (reg: number) => [[0xc0 | (reg << 3)], [0x05 | (reg << 3), 1, 2, 3, 4], [0x44 | (reg << 3), 0x24, 0x08], [0x84 | (reg << 3), 0x88, 1, 2, 3, 4], [0x04 | (reg << 3), 0x25, 1, 2, 3, 4], [0x40 | (reg << 3), 0x7f]];
  const tails16 = (reg: number) => [[0xc0 | (reg << 3)], [0x06 | (reg << 3), 1, 2], [0x46 | (reg << 3), 0x10], [0x86 | (reg << 3), 1, 2], [0x00 | (reg << 3)]];
  const prefixBytes = new Set([0x0f, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);
  const cases: number[][] = [];
  for (const prefix of [[], [0x66], [0x67]]) {
    for (const escape of [[], [0x0f]]) {
      for (let op = 0; op < 256; op++) {
        if (escape.length === 0 && prefixBytes.has(op)) continue;
        // objdump folds WAIT into the next x87 mnemonic; C4/C5 with mod = 3 are VEX prefixes on AVX processors.
        if (escape.length === 0 && op === 0x9b) continue;
        // Every ModRM.reg bare; with a prefix, /0 and /1 suffice (the prefixes change sizes, not group members).
        for (let reg = 0; reg < (prefix.length === 0 ? 8 : 2); reg++) {
          const tails = prefix[0] === 0x67 ? tails16(reg) : tails32(reg);
          for (const tail of tails) {
            if (escape.length === 0 && (op === 0xc4 || op === 0xc5) && tail[0]! >= 0xc0) continue;
            cases.push([...prefix, ...escape, op, ...tail, ...imm]);
          }
        }
      }
    }
  }
  return cases;
}

/** Disassembles each case in its own 32-byte slot (NOP padded, so objdump resynchronises) and returns its length and text. */
function objdumpLengths(cases: number[][]): { length: number; text: string }[] {
  const SLOT = 32;
  const image = new Uint8Array(cases.length * SLOT).fill(0x90);
  cases.forEach((bytes, k) => image.set(bytes, k * SLOT));
  const dir = mkdtempSync(join(tmpdir(), 'kernelist-decoder-'));
  let listing: string;
  try {
    const file = join(dir, 'cases.bin');
    writeFileSync(file, image);
    try {
      listing = execFileSync('objdump', ['-D', '-b', 'binary', '-mi386', '--insn-width=16', file], { maxBuffer: 1 << 28 }).toString();
    } catch (e) {
      throw new Error(`objdump (GNU binutils, installed by npm run setup) is needed for this test: ${(e as Error).message}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const byAddress = new Map<number, { length: number; text: string }>();
  for (const line of listing.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t?(.*)$/.exec(line);
    if (m) byAddress.set(parseInt(m[1]!, 16), { length: m[2]!.trim().split(' ').length, text: m[3]!.trim() });
  }
  return cases.map((_, k) => byAddress.get(k * SLOT) ?? { length: -1, text: '(missing)' });
}
