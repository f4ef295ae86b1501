// The fuzzer's encoder against known encodings, against our own decoder (every generated instruction decodes as
// the row it was built from, to its full length) and against objdump (binutils, which the harness build needs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../src/machine/index.js';
import { Insn } from '../../src/machine/cpu/decode/insn.js';
import { decodeInstruction } from '../../src/machine/cpu/decode/decoder.js';
import { OPCODE_ROWS, type OpcodeRow } from '../../src/machine/cpu/decode/opcode-table.js';
import { EAX, EBP, EBX, ECX, EDX, ESI, ESP } from '../../src/machine/cpu/registers.js';
import { encodeInstruction, EncodeError } from '../../tools/fuzz/encoder.js';
import { generateCase } from '../../tools/fuzz/generate.js';
import type { FuzzInstruction, MemoryOperand, RmOperand } from '../../tools/fuzz/instruction.js';
import { formatInstruction } from '../../tools/fuzz/listing.js';

function row(code: number, ext?: number): OpcodeRow {
  const found = OPCODE_ROWS.find((r) => r.code === code && r.ext === ext && r.form !== 'mem');
  assert.ok(found, `no row ${code.toString(16)}/${ext}`);
  return found;
}

function insn(r: OpcodeRow, fields: Partial<FuzzInstruction> = {}): FuzzInstruction {
  return { row: r, opsize16: false, lock: false, segPrefix: 0, reg: 0, rm: null, imms: [], ...fields };
}

const reg = (n: number): RmOperand => ({ kind: 'reg', reg: n });
const mem32 = (m: Partial<Extract<MemoryOperand, { addressSize: 32 }>>): RmOperand =>
  ({ kind: 'mem', mem: { addressSize: 32, base: -1, index: -1, scale: 0, disp: 0, dispBytes: 0, sib: false, ...m } });
const mem16 = (rm: number, disp: number, dispBytes: 0 | 1 | 2): RmOperand => ({ kind: 'mem', mem: { addressSize: 16, rm, disp, dispBytes } });
const hex = (bytes: number[]): string => bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');

describe('encoder', () => {
  const known: [FuzzInstruction, string, string][] = [
    [insn(row(0x01), { reg: EBX, rm: reg(EAX) }), '01 d8', 'add eax, ebx'],
    [insn(row(0x8b), { reg: EAX, rm: mem32({ base: EBX, disp: 0x10, dispBytes: 1 }) }), '8b 43 10', 'mov eax, dword [ebx+0x10]'],
    [insn(row(0x83, 0), { rm: mem32({ base: ESP, disp: 4, dispBytes: 1 }), imms: [1] }), '83 44 24 04 01', 'add dword [esp+0x04], 0x01'],
    [insn(row(0x8d), { reg: EAX, rm: mem32({ base: EBP, disp: 0, dispBytes: 1 }) }), '8d 45 00', 'lea eax, [ebp+0x00]'],
    [insn(row(0x89), { reg: EAX, rm: mem32({ disp: 0x4010, dispBytes: 4 }) }), '89 05 10 40 00 00', 'mov dword [0x00004010], eax'],
    [insn(row(0x8b), { reg: EDX, rm: mem32({ base: EAX, index: ECX, scale: 2, disp: 8, dispBytes: 1 }) }), '8b 54 88 08', 'mov edx, dword [eax+ecx*4+0x08]'],
    [insn(row(0x8b), { reg: EAX, rm: mem32({ index: ESI, scale: 3, disp: -4, dispBytes: 4 }) }), '8b 04 f5 fc ff ff ff', 'mov eax, dword [esi*8-0x00000004]'],
    [insn(row(0x8b), { reg: EAX, rm: mem16(7, 0, 0) }), '67 8b 07', 'mov eax, dword [bx]'],
    [insn(row(0x8b), { reg: EAX, rm: mem16(-1, 0x1234, 2) }), '67 8b 06 34 12', 'mov eax, dword [0x1234]'],
    [insn(row(0x8b), { reg: EAX, rm: mem16(2, -2, 1) }), '67 8b 42 fe', 'mov eax, dword [bp+si-0x02]'],
    [insn(row(0x05), { opsize16: true, imms: [0x1234] }), '66 05 34 12', 'add ax, 0x1234'],
    [insn(row(0x0fc8)), '0f c8', 'bswap eax'],
    [insn(row(0xc1, 4), { rm: reg(EAX), imms: [5] }), 'c1 e0 05', 'shl eax, 0x05'],
    [insn(row(0x0fc1), { lock: true, reg: ECX, rm: mem32({ base: EBX }) }), 'f0 0f c1 0b', 'lock xadd dword [ebx], ecx'],
    [insn(row(0x0fa5), { reg: EBX, rm: reg(EAX) }), '0f a5 d8', 'shld eax, ebx, cl'],
    [insn(row(0x0fb6), { reg: EAX, rm: mem32({ base: ESI }), segPrefix: 0x64 }), '64 0f b6 06', 'movzx eax, byte fs:[esi]'],
    [insn(row(0x88), { reg: 4, rm: reg(7) }), '88 e7', 'mov bh, ah'],
    [insn(row(0xb8 + ECX), { imms: [0xdeadbeef] }), 'b9 ef be ad de', 'mov ecx, 0xdeadbeef'],
  ];
  for (const [instruction, bytes, text] of known) {
    test(text, () => {
      assert.equal(hex(encodeInstruction(instruction)), bytes);
      assert.equal(formatInstruction(instruction), text);
    });
  }

  test('rejects encodings that do not exist', () => {
    assert.throws(() => encodeInstruction(insn(row(0x8b), { rm: mem32({ base: EBP }) })), EncodeError);
    assert.throws(() => encodeInstruction(insn(row(0x8b), { rm: mem32({ base: EAX, index: ESP, dispBytes: 0 }) })), EncodeError);
    assert.throws(() => encodeInstruction(insn(row(0x8b), { rm: mem32({ disp: 4, dispBytes: 1 }) })), EncodeError);
    assert.throws(() => encodeInstruction(insn(row(0x8b), { rm: mem16(6, 0, 0) })), EncodeError);
    assert.throws(() => encodeInstruction(insn(row(0x05), { imms: [] })), EncodeError);
    assert.throws(() => encodeInstruction(insn(row(0x01))), EncodeError);
  });
});

const SAMPLE_SEEDS = 400;

function sampleInstructions(): FuzzInstruction[] {
  const all: FuzzInstruction[] = [];
  for (let seed = 1; seed <= SAMPLE_SEEDS; seed++) all.push(...generateCase(seed).insns);
  return all;
}

test('every generated instruction decodes, with our decoder, as its row and to its full length', () => {
  const m = new Machine({ memoryMiB: 4, rtcTime: new Date(0) });
  m.cpu.setSegmentCache(1, 0x08, 0, 0xffffffff, 0xc09b);
  m.cpu.cr0 |= 1;
  for (const instruction of sampleInstructions()) {
    const bytes = encodeInstruction(instruction);
    m.memory.u8.set([...bytes, 0x90, 0x90, 0x90, 0x90], 0x1000);
    const decoded = new Insn();
    decodeInstruction(m.cpu, 0x1000, 0x1000, true, decoded);
    const what = `${hex(bytes)} (${formatInstruction(instruction)})`;
    assert.equal(decoded.row, instruction.row, `${what} decodes as ${decoded.row?.mnemonic ?? 'nothing'}`);
    assert.equal(decoded.endDelta, bytes.length, `${what}: length`);
    assert.equal(decoded.o32, !instruction.opsize16, `${what}: operand size`);
  }
});

/** objdump's spellings of our mnemonics where they differ (Intel syntax; 66-prefixed forms included). */
const OBJDUMP_SPELLINGS: Record<string, string[]> = {
  cwde: ['cwde', 'cbw'], cdq: ['cdq', 'cwd'], wait: ['fwait'], pusha: ['pusha', 'pushaw', 'pushad'],
  popa: ['popa', 'popaw', 'popad'], push: ['push', 'pushw', 'pushd'], pop: ['pop', 'popw'], sal: ['sal', 'shl'],
  nop: ['nop', 'nopw', 'nopl', 'prefetchnta', 'prefetcht0', 'prefetcht1', 'prefetcht2', 'prefetch', 'prefetchw',
    'prefetchwt1', 'bndldx', 'bndstx', 'bndmov', 'bndcl', 'bndcu', 'bndcn', 'bndmk', 'cldemote', 'endbr32', 'endbr64', 'rdsspd', 'rdsspq'],
};
/** Opcodes objdump does not know although CPUs execute them. */
const OBJDUMP_UNKNOWN = new Set([0xd6 /* SALC */]);
/** objdump reads 0F 1A / 0F 1B as MPX instructions, which have no 16-bit addressing forms, and loses its place. */
const objdumpCannotDecode = (i: FuzzInstruction): boolean =>
  (i.row.code === 0x0f1a || i.row.code === 0x0f1b) && i.rm?.kind === 'mem' && i.rm.mem.addressSize === 16;
const OBJDUMP_PREFIXES = new Set(['lock', 'data16', 'addr16', 'es', 'cs', 'ss', 'ds', 'fs', 'gs']);

test('objdump decodes every generated instruction with our length and mnemonic', () => {
  const version = spawnSync('objdump', ['--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0, 'objdump (binutils) is needed: the fuzz harness build needs binutils too');
  const instructions = sampleInstructions().filter((i) => !objdumpCannotDecode(i));
  const encoded = instructions.map((i) => encodeInstruction(i));
  const dir = mkdtempSync(join(tmpdir(), 'kernelist-fuzz-objdump-'));
  try {
    const file = join(dir, 'code.bin');
    writeFileSync(file, Uint8Array.from(encoded.flat()));
    const out = spawnSync('objdump', ['-D', '-b', 'binary', '-mi386', '-M', 'intel', '--insn-width=16', file], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(out.status, 0, out.stderr);
    const lines = new Map<number, string>();
    for (const line of out.stdout.split('\n')) {
      const m = /^\s*([0-9a-f]+):\t[0-9a-f ]+\t(.*)$/.exec(line);
      if (m) lines.set(parseInt(m[1]!, 16), m[2]!.trim());
    }
    let offset = 0;
    instructions.forEach((instruction, k) => {
      const text = lines.get(offset);
      const what = `${hex(encoded[k]!)} (${formatInstruction(instruction)})`;
      assert.ok(text !== undefined, `objdump puts no instruction boundary at ${what}`);
      const words = text.split(/\s+/);
      while (words.length > 1 && OBJDUMP_PREFIXES.has(words[0]!)) words.shift();
      const mnemonic = words[0]!;
      if (!OBJDUMP_UNKNOWN.has(instruction.row.code)) {
        const accepted = OBJDUMP_SPELLINGS[instruction.row.mnemonic] ?? [instruction.row.mnemonic];
        assert.ok(accepted.includes(mnemonic), `${what}: objdump says "${text}"`);
      }
      const end = offset + encoded[k]!.length;
      for (let inside = offset + 1; inside < end; inside++) assert.ok(!lines.has(inside), `${what}: objdump splits it at +${inside - offset}`);
      offset = end;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
